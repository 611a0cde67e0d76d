"""The public API: a sorted __all__ of names that exist, and the documented error tree."""

from __future__ import annotations

import v6plan
from v6plan import _errors


def test_all_is_sorted_and_complete() -> None:
    assert v6plan.__all__ == sorted(v6plan.__all__)
    for name in v6plan.__all__:
        assert hasattr(v6plan, name), name


def test_error_tree_in_the_docstring_matches_the_classes() -> None:
    doc = _errors.__doc__ or ""
    for name in (
        "V6PlanError",
        "InputError",
        "AddressError",
        "SpecError",
        "LockError",
        "NotFoundError",
        "PlanError",
    ):
        assert name in doc
        assert issubclass(getattr(_errors, name), _errors.V6PlanError)
    assert issubclass(_errors.AddressError, ValueError)
    assert issubclass(_errors.NotFoundError, LookupError)
    for child in ("AddressError", "SpecError", "LockError", "NotFoundError"):
        assert issubclass(getattr(_errors, child), _errors.InputError)
    assert not issubclass(_errors.PlanError, _errors.InputError)


def test_address_errors_name_the_value() -> None:
    import pytest

    with pytest.raises(v6plan.AddressError, match="'2001:db8::g'"):
        v6plan.parse_address("2001:db8::g")
    with pytest.raises(ValueError, match="did you mean 2001:db8::/32"):
        v6plan.Prefix.parse("2001:db8::1/32")


def test_lab_errors_sit_in_the_one_tree() -> None:
    from v6plan.lab import _errors as lab_errors

    assert issubclass(lab_errors.LabError, _errors.InputError)
    assert issubclass(lab_errors.NoSessionError, lab_errors.LabError)
    assert issubclass(lab_errors.BackendError, _errors.V6PlanError)
    for name in ("LabError", "NoSessionError", "BackendError"):
        assert name in (_errors.__doc__ or "")
