"""Sealed variants: in a session started with a signed variant file (from ``v6lab
variants``), what shows the answers — ``solve``, ``task --values``, an export of the solved
lab — is refused unless the instructor's secret is on this machine.

The secret is found through ``$V6LAB_INSTRUCTOR_SECRET`` (the path of ``secret.key``); it
unseals only the variants it made: the variant's key is derived from it again and compared.
A seal is a speed bump, not a wall (the lab files are on the trainee's machine): what a
trainee asked ``v6lab`` is recorded and signed with the result, so the grade shows it.
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..._io import ReadError, read_input
from ..._limits import LAB_FILE_BYTES
from .._errors import LabError

__all__ = [
    "SECRET_ENV",
    "TRAINEE_ENV",
    "check_variant_for",
    "identity_of",
    "normal_prefix",
    "refuse_if_sealed",
    "seal_problem",
    "signing_key",
    "variant_fields",
]

SECRET_ENV = "V6LAB_INSTRUCTOR_SECRET"
TRAINEE_ENV = "V6LAB_TRAINEE"


def variant_fields(path: str | Path) -> dict[str, Any] | None:
    """A variant file's plain fields, or None when it cannot be read."""
    import yaml

    try:
        raw = read_input(path, what="variant", limit=LAB_FILE_BYTES, record=False)
        data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (ReadError, yaml.YAMLError, RecursionError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    # plain values only: an alias-laden variant file must not grow the signed result
    return {k: v for k, v in data.items() if isinstance(v, (str, int, float)) or v is None}


def normal_prefix(text: object) -> str:
    """A prefix in its canonical form (text that is no prefix is kept as it is)."""
    from ..._prefix import format_prefix, parse_prefix

    try:
        return format_prefix(*parse_prefix(str(text), strict=False))
    except ValueError:
        return str(text)


def identity_of(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The identity a variant file states (what its key was derived from)."""
    seed = fields.get("seed")
    return {
        "class": str(fields.get("class", "")),
        "lab": str(fields.get("lab", "")),
        "variant": str(fields.get("variant", "")),
        "prefix": normal_prefix(fields.get("prefix", "")),
        "seed": seed if isinstance(seed, int) else str(seed if seed is not None else ""),
    }


def signing_key(fields: Mapping[str, Any] | None) -> str:
    """The variant's signing key in hex ('' when it has none: a hand-written variant)."""
    key = str(fields.get("key", "")) if fields else ""
    return key if re.fullmatch(r"[0-9a-f]{64}", key) else ""


def seal_problem(variant_file: str, what: str) -> str | None:
    """Why ``what`` is refused in a session of ``variant_file`` (None: allowed — no signed
    variant, or the instructor's secret that made it is here)."""
    if not variant_file:
        return None
    fields = variant_fields(variant_file)
    key = signing_key(fields)
    if fields is None or not key:
        return None
    refusal = (
        f"{what} shows the answers, and this lab runs a sealed variant "
        f"({fields.get('variant', '?')}'s, from your instructor)"
    )
    secret_file = os.environ.get(SECRET_ENV, "")
    if not secret_file:
        return (
            f"{refusal}: it is refused unless the instructor's secret is on this machine "
            f"({SECRET_ENV}=PATH/secret.key); what you run is recorded with your result"
        )
    from ._secrets import derive_key, read_secret

    secret = read_secret(Path(secret_file))
    if not hmac.compare_digest(derive_key(secret, identity_of(fields)).hex(), key):
        return (
            f"{refusal}: the secret in {secret_file} ({SECRET_ENV}) did not make this "
            "variant; give the secret of the class it belongs to"
        )
    return None


def refuse_if_sealed(variant_file: str, what: str) -> None:
    """Raise the refusal of :func:`seal_problem` (exit 2) when there is one."""
    problem = seal_problem(variant_file, what)
    if problem is not None:
        raise LabError(problem)


def check_variant_for(variant_file: str, lab: str, trainee: str = "") -> None:
    """Refuse at ``start`` a variant file made for another lab, or for another trainee than
    the one this machine is for (``--trainee``/``$V6LAB_TRAINEE``, or the class folder
    ``trainees/<id>/`` the file sits in): the grade would flag every result of it."""
    fields = variant_fields(variant_file)
    if not fields or not signing_key(fields):
        return
    meant = str(fields.get("lab", ""))
    if meant and meant != lab:
        raise LabError(
            f"{variant_file}: this variant file is for the lab {meant}, not {lab} — start "
            f"{meant} with it (v6lab start {meant} --variant {variant_file}), or use the "
            f"variant file of {lab} from your folder"
        )
    owner = str(fields.get("variant", ""))
    parent = Path(variant_file).resolve().parent
    expected = trainee or os.environ.get(TRAINEE_ENV, "")
    source = "--trainee" if trainee else TRAINEE_ENV
    if not expected and parent.parent.name == "trainees":
        expected, source = parent.name, f"the folder {parent}"
    if expected and owner and expected != owner:
        raise LabError(
            f"{variant_file}: this variant file is {owner}'s, but {source} says this is "
            f"{expected}'s machine — use your own variant file (each trainee's signs their "
            "results; a classmate's would be graded wrong-trainee)"
        )
