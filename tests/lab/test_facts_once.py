"""Each IPv6 fact read once: the lab's readers of ``addr[/len]`` (the simulator's ``ip``
arguments, a check's ``address:``, a quiz answer) are the core's
:func:`v6plan._prefix.parse_address_with_length`, and the wire layer's multicast MAC is the
core's :func:`v6plan._calc.multicast_mac` — so none of them takes what the others refuse."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from v6plan._calc import multicast_mac
from v6plan._errors import AddressError
from v6plan._prefix import format_address, parse_address_with_length
from v6plan.lab.checks._network import _address_arg
from v6plan.lab.checks._quiz import unreadable
from v6plan.lab.runtime import _wire
from v6plan.lab.runtime.sim._cmdbase import Fail, _prefix_arg

ADDRESSES = st.integers(0, (1 << 128) - 1).map(format_address)
LENGTHS = st.one_of(
    st.none(),
    st.integers(0, 200).map(str),
    st.sampled_from(["", " 64", "+64", "6_4", "0x40", "\u0666\u0664", "-1", "064"]),
)


def core(text: str) -> tuple[int, int | None] | None:
    try:
        return parse_address_with_length(text)
    except AddressError:
        return None


@given(ADDRESSES, LENGTHS)
def test_every_lab_reader_of_an_address_with_length_is_the_core(
    address: str, length: str | None
) -> None:
    text = address if length is None else f"{address}/{length}"
    want = core(text)
    try:
        sim: tuple[int, int, bool] | None = _prefix_arg(text)
    except Fail:
        sim = None
    try:
        check: tuple[int, int] | None = _address_arg(text)
    except AddressError:
        check = None
    if want is None:
        assert sim is None and check is None, text
        assert unreadable("address", text), text
        return
    value, written = want
    assert sim == (value, 128 if written is None else written, written is not None)
    assert check == (value, 0 if written is None else written)
    assert unreadable("address", text) == []


@pytest.mark.parametrize("text", ["2001:db8::1/ 64", "2001:db8::1/6_4", "2001:db8::1/+64"])
def test_a_length_ipaddress_refuses_is_refused_everywhere(text: str) -> None:
    with pytest.raises(Fail, match="inet6 prefix is expected"):
        _prefix_arg(text)
    with pytest.raises(AddressError):
        _address_arg(text)
    assert unreadable("address", text) == ["bad-length"]


@given(st.integers(0xFF00 << 112, (1 << 128) - 1))
def test_the_wire_multicast_mac_is_the_core_one(group: int) -> None:
    frame_mac = _wire.multicast_mac(group)
    assert frame_mac == multicast_mac(group).to_bytes(6, "big")
    assert frame_mac == b"\x33\x33" + ipaddress.IPv6Address(group).packed[-4:]
    assert _wire.mac_text(frame_mac) == "33:33:" + ":".join(
        f"{b:02x}" for b in ipaddress.IPv6Address(group).packed[-4:]
    )
