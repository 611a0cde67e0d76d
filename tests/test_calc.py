"""The trainee calculator (v6plan._calc) and its commands (v6plan calc …, v6plan ula).

Acceptance vectors from calc.yaml, differential properties against ipaddress and netaddr,
and one test for each wrong answer of sipcalc/ipv6calc/subnetcalc in planning-rules.md.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import subprocess
import sys
import types
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import netaddr
import pytest
from _support import ROOT, acceptance
from hypothesis import given
from hypothesis import strategies as st

from v6plan import _calc
from v6plan._calc import (
    P2P_LINK_COUNT,
    address_type,
    eui64,
    info,
    is_reserved_iid,
    mac_from_iid,
    make_ula,
    modified_eui64,
    multicast_scope,
    ntp_timestamp,
    p2p_links,
    p2p_reserved,
    parse_mac,
    prefix_type,
    ptr_name,
    reverse_zones,
    solicited_node,
    stable_iid,
    subnet_count,
    subnets,
    ula,
)
from v6plan._errors import AddressError, InputError
from v6plan._prefix import format_address, format_prefix, parse_address, parse_prefix

CALC = acceptance("calc.yaml")
ALL_ONES = (1 << 128) - 1
MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")


def addr(text: str) -> int:
    return parse_address(text)


def pfx(text: str) -> tuple[int, int]:
    return parse_prefix(text)


# -- hypothesis strategies -------------------------------------------------------------

#: Addresses with long zero runs, mapped/compatible ranges and plain random values.
groups = st.one_of(st.just(0), st.just(0xFFFF), st.integers(0, 0xFFFF))
structured = st.lists(groups, min_size=8, max_size=8).map(
    lambda gs: int.from_bytes(b"".join(g.to_bytes(2, "big") for g in gs), "big")
)
addresses = st.one_of(
    st.integers(0, ALL_ONES),
    structured,
    st.integers(0, 0xFFFFFFFF),
    st.integers(0, 0xFFFFFFFF).map(lambda v: 0xFFFF << 32 | v),
)


@st.composite
def prefixes(draw: st.DrawFn, min_length: int = 0, max_length: int = 128) -> tuple[int, int]:
    length = draw(st.integers(min_length, max_length))
    value = draw(addresses)
    return value & ~((1 << (128 - length)) - 1) & ALL_ONES, length


macs = st.integers(0, (1 << 48) - 1)


def mac_text(value: int, sep: str = ":") -> str:
    return sep.join(f"{b:02x}" for b in value.to_bytes(6, "big"))


# -- calc.yaml -------------------------------------------------------------------------


@pytest.mark.parametrize("case", CALC["rfc5952"], ids=lambda c: c["in"])
def test_acceptance_rfc5952(case: dict[str, str]) -> None:
    assert format_address(addr(case["in"])) == case["out"]
    assert info(case["in"])["address"] == case["out"]


@pytest.mark.parametrize("case", CALC["eui64"], ids=lambda c: c["mac"])
def test_acceptance_eui64(case: dict[str, str]) -> None:
    net, length = pfx(case["prefix"])
    assert length == 64
    assert format_address(eui64(net, case["mac"])) == case["out"]


@pytest.mark.parametrize("case", CALC["solicited_node"], ids=lambda c: c["address"])
def test_acceptance_solicited_node(case: dict[str, str]) -> None:
    assert format_address(solicited_node(addr(case["address"]))) == case["out"]
    assert info(case["address"])["solicited_node"] == case["out"]


@pytest.mark.parametrize("case", CALC["reverse_zones"], ids=lambda c: c["prefix"])
def test_acceptance_reverse_zones(case: dict[str, object]) -> None:
    prefix = str(case["prefix"])
    assert reverse_zones(*pfx(prefix)) == case["zones"]
    assert info(prefix)["reverse_zones"] == case["zones"]


@pytest.mark.parametrize("case", CALC["ula"], ids=lambda c: c["out"])
def test_acceptance_ula(case: dict[str, str]) -> None:
    stamp = int(case["ntp_time"], 16)
    identifier = bytes.fromhex(case["eui64"].replace(":", ""))
    assert format_prefix(*ula(stamp, identifier)) == case["out"]
    assert format_prefix(*ula(stamp, int.from_bytes(identifier, "big"))) == case["out"]


def test_acceptance_ula_from_mac_and_time() -> None:
    """The acceptance EUI-64 is the modified EUI-64 of MAC 00:11:22:33:44:55."""
    case = CALC["ula"][0]
    stamp = int(case["ntp_time"], 16)
    made = make_ula("00:11:22:33:44:55", stamp)
    assert format_prefix(made.net, made.length) == case["out"]
    assert made.eui64.hex(":") == case["eui64"]
    assert made.source == "mac"
    when = datetime(2024, 3, 31, 8, 48, tzinfo=UTC)
    assert ntp_timestamp(when) == stamp
    made_from_datetime = make_ula("00-11-22-33-44-55", when)
    assert format_prefix(made_from_datetime.net, 48) == case["out"]


@pytest.mark.parametrize("case", CALC["address_types"], ids=lambda c: c["address"])
def test_acceptance_address_types(case: dict[str, str]) -> None:
    assert address_type(addr(case["address"])) == case["type"]
    assert info(case["address"])["type"] == case["type"]


@pytest.mark.parametrize("case", CALC["p2p"], ids=lambda c: c["reserved"])
def test_acceptance_p2p(case: dict[str, str]) -> None:
    net, length = pfx(case["reserved"])
    assert length == 64
    first = next(p2p_links(net))
    assert format_prefix(*first) == case["first_link"]
    reserved = [format_prefix(*r) for r in p2p_reserved(net)]
    assert case["reserved_anycast"] in reserved
    assert format_prefix(net, 127) in reserved  # the /127 holding IID 0


# -- address types ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("::2", "reserved"),
        ("::ffff:192.0.2.1", "ipv4-mapped"),
        ("64:ff9b::192.0.2.1", "nat64"),
        ("64:ff9b:1::1", "nat64"),
        ("64:ff9b:2::1", "reserved"),
        ("100::1", "discard"),
        ("100:0:0:1::1", "reserved"),
        ("2001::1", "teredo"),
        ("2001:2::1", "benchmarking"),
        ("2001:2:1::1", "global-unicast"),
        ("2001:20::1", "orchid"),
        ("2001:2f:ffff::1", "orchid"),
        ("2001:30::1", "global-unicast"),
        ("2001:db8::", "documentation"),
        ("2001:db9::", "global-unicast"),
        ("2002:c000:201::1", "6to4"),
        ("3fff::", "documentation"),
        ("3fff:fff:ffff::1", "documentation"),
        ("3fff:1000::1", "global-unicast"),  # just past 3fff::/20
        ("5f00::1", "srv6-sid"),
        ("4000::1", "reserved"),
        ("fc00::1", "unique-local"),
        ("fdff:ffff::1", "unique-local"),
        ("fe80::1", "link-local"),
        ("febf::1", "link-local"),
        ("fec0::1", "reserved"),  # deprecated site-local
        ("ff02::1", "multicast"),
        ("2a00:1450::1", "global-unicast"),
    ],
)
def test_address_type_most_specific_wins(text: str, expected: str) -> None:
    assert address_type(addr(text)) == expected


@given(addresses)
def test_address_type_agrees_with_ipaddress(value: int) -> None:
    ip = ipaddress.IPv6Address(value)
    kind = address_type(value)
    assert (kind == "multicast") == ip.is_multicast
    assert (kind == "link-local") == ip.is_link_local
    assert (kind == "loopback") == ip.is_loopback
    assert (kind == "unspecified") == ip.is_unspecified
    assert (kind == "ipv4-mapped") == (ip.ipv4_mapped is not None)
    assert (kind == "6to4") == (ip.sixtofour is not None)
    assert (kind == "teredo") == (ip.teredo is not None)
    assert (kind == "unique-local") == (ip in ipaddress.IPv6Network("fc00::/7"))


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("ff01::1", "interface-local"),
        ("ff02::1", "link-local"),
        ("ff03::1", "realm-local"),
        ("ff04::1", "admin-local"),
        ("ff05::1:3", "site-local"),
        ("ff08::1", "organization-local"),
        ("ff0e::101", "global"),
        ("ff12::1", "link-local"),  # transient flag does not change the scope
        ("ff00::1", "reserved"),
        ("ff0f::1", "reserved"),
        ("ff06::1", "unassigned"),
    ],
)
def test_multicast_scope(text: str, scope: str) -> None:
    assert multicast_scope(addr(text)) == scope
    assert info(text)["multicast_scope"] == scope


def test_multicast_scope_refuses_unicast() -> None:
    with pytest.raises(AddressError, match="2001:db8::1 is not multicast"):
        multicast_scope(addr("2001:db8::1"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2001:db8::/32", "documentation"),
        ("2001:db8:1::/48", "documentation"),
        ("3fff::/20", "documentation"),
        ("3fff::/19", "global-unicast"),
        ("2001:db8::/29", "global-unicast"),  # a /29 example needs 3fff::/20
        ("2001::/16", "global-unicast"),
        ("2000::/3", "global-unicast"),
        ("4000::/3", "mixed"),  # holds 5f00::/16 (srv6-sid)
        ("6000::/3", "reserved"),
        ("::/0", "mixed"),
        ("::/8", "mixed"),
        ("fc00::/6", "mixed"),
        ("fd00::/8", "unique-local"),
    ],
)
def test_prefix_type_needs_the_whole_prefix(text: str, expected: str) -> None:
    assert prefix_type(*pfx(text)) == expected
    assert info(text)["type"] == expected


def test_info_names_special_blocks_inside_a_prefix() -> None:
    data = info("2001::/16")
    assert data["contains"] == [
        "2001::/32 teredo",
        "2001:2::/48 benchmarking",
        "2001:20::/28 orchid",
        "2001:db8::/32 documentation",
    ]
    assert "contains" not in info("2001:db8::/32")
    assert info("2001:db8::/29")["contains"] == ["2001:db8::/32 documentation"]


# -- info ------------------------------------------------------------------------------


def test_info_prefix_sizes_are_exact_integers() -> None:
    data = info("3fff:8::/29")
    assert data["size_48s"] == 1 << 19
    assert data["size_64s"] == 1 << 35
    assert data["addresses"] == 1 << 99
    assert data["nibble_aligned"] is False
    assert data["first"] == "3fff:8::"
    assert data["last"] == "3fff:f:ffff:ffff:ffff:ffff:ffff:ffff"
    assert data["expanded"] == "3fff:0008:0000:0000:0000:0000:0000:0000/29"


@pytest.mark.parametrize(
    ("text", "size_48s", "size_64s"),
    [
        ("2001:db8:1::/48", 1, 65536),
        ("2001:db8:1:100::/56", "1/256", 256),
        ("2001:db8:1:2::/64", "1/65536", 1),
        ("2001:db8:1:2::/72", "1/16777216", "1/256"),
        ("::/0", 1 << 48, 1 << 64),
    ],
)
def test_info_sizes_below_a_unit_are_fractions(
    text: str, size_48s: int | str, size_64s: int | str
) -> None:
    data = info(text)
    assert data["size_48s"] == size_48s
    assert data["size_64s"] == size_64s


def test_info_address_details() -> None:
    data = info("2001:db8:1:2:211:22ff:fe33:4455")
    assert data["kind"] == "address"
    assert data["expanded"] == "2001:0db8:0001:0002:0211:22ff:fe33:4455"
    assert data["subnet"] == "2001:db8:1:2::/64"
    assert data["iid"] == "0211:22ff:fe33:4455"
    assert data["eui64_mac"] == "00:11:22:33:44:55"
    assert data["ptr"] == ptr_name(addr("2001:db8:1:2:211:22ff:fe33:4455"))
    assert "reverse_zones" not in data


def test_info_no_mac_without_ff_fe() -> None:
    data = info("2001:db8:1:2:211:22ff:fe33:4455".replace("fe33", "fd33"))
    assert "eui64_mac" not in data
    assert "solicited_node" not in info("::")
    assert "solicited_node" not in info("ff02::1")


@pytest.mark.parametrize(
    ("text", "ipv4"),
    [
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("64:ff9b::198.51.100.7", "198.51.100.7"),
        ("2002:cb00:710a::1", "203.0.113.10"),
    ],
)
def test_info_embedded_ipv4(text: str, ipv4: str) -> None:
    assert info(text)["ipv4"] == ipv4


def test_info_128_has_one_usable_address() -> None:
    assert info("2001:db8::1/128")["usable"] == ["2001:db8::1"]
    assert "usable" not in info("2001:db8::/64")


def test_info_host_bits_say_what_was_meant() -> None:
    with pytest.raises(AddressError, match=r"did you mean 2001:db8::/48\?"):
        info("2001:db8::1/48")


@given(addresses)
def test_info_text_is_rfc5952_like_ipaddress(value: int) -> None:
    """RFC 5952 text, as ipaddress gives it — except that ::ffff:a.b.c.d stays dotted."""
    text = info(format_address(value))["address"]
    ip = ipaddress.IPv6Address(value)
    if ip in MAPPED:
        assert text == f"::ffff:{ip.ipv4_mapped}"
    else:
        assert text == ip.compressed
    assert info(text)["expanded"] == ip.exploded


@given(prefixes())
def test_info_prefix_bounds_match_ipaddress(prefix: tuple[int, int]) -> None:
    net, length = prefix
    data = info(format_prefix(net, length))
    expected = ipaddress.IPv6Network((net, length))
    assert addr(data["first"]) == int(expected.network_address)
    assert addr(data["last"]) == int(expected.broadcast_address)
    assert data["addresses"] == expected.num_addresses


# -- reverse DNS -----------------------------------------------------------------------


@given(addresses)
def test_ptr_name_matches_ipaddress_reverse_pointer(value: int) -> None:
    assert ptr_name(value) == ipaddress.IPv6Address(value).reverse_pointer + "."


def zone_prefix(zone: str) -> ipaddress.IPv6Network:
    """The prefix an ip6.arpa zone stands for (the inverse of a nibble zone name)."""
    nibbles = zone.removesuffix("ip6.arpa.").rstrip(".").split(".") if zone != "ip6.arpa." else []
    digits = "".join(reversed(nibbles))
    value = int(digits.ljust(32, "0"), 16) if digits else 0
    return ipaddress.IPv6Network((value, 4 * len(digits)))


@given(prefixes())
def test_reverse_zones_cover_the_prefix_exactly(prefix: tuple[int, int]) -> None:
    net, length = prefix
    zones = reverse_zones(net, length)
    assert len(zones) == 1 << (-length % 4)
    assert all(z.endswith("ip6.arpa.") for z in zones)
    nets = [zone_prefix(z) for z in zones]
    assert {n.prefixlen for n in nets} == {-(-length // 4) * 4}
    assert list(ipaddress.collapse_addresses(nets)) == [ipaddress.IPv6Network((net, length))]


def test_reverse_zones_refuse_host_bits() -> None:
    with pytest.raises(AddressError, match="did you mean 2001:db8::/32"):
        reverse_zones(addr("2001:db8::1"), 32)


def test_reverse_zone_of_everything_is_ip6_arpa() -> None:
    assert reverse_zones(0, 0) == ["ip6.arpa."]
    assert len(reverse_zones(0, 1)) == 8


# -- EUI-64, MACs, solicited-node ------------------------------------------------------


@given(macs, prefixes(64, 64))
def test_eui64_matches_netaddr(mac: int, prefix: tuple[int, int]) -> None:
    net, _ = prefix
    expected = int(netaddr.EUI(mac_text(mac)).ipv6(net))
    assert eui64(net, mac_text(mac)) == expected
    assert mac_from_iid(expected) == mac_text(mac)


@given(macs)
def test_mac_notations_agree(mac: int) -> None:
    text = f"{mac:012x}"
    forms = [
        mac_text(mac),
        mac_text(mac, "-").upper(),
        f"{text[:4]}.{text[4:8]}.{text[8:]}",
        text,
        ":".join(f"{b:x}" for b in mac.to_bytes(6, "big")),  # macOS drops leading zeros
    ]
    for form in forms:
        assert parse_mac(form) == (mac, 48), form
        assert parse_mac(form)[0] == netaddr.EUI(form).value


def test_eui64_accepts_a_64_bit_identifier() -> None:
    # An EUI-64 only gets its U/L bit inverted (RFC 4291 Appendix A).
    assert modified_eui64("00:11:22:33:44:55:66:77") == 0x0211223344556677
    assert modified_eui64("00:11:22:33:44:55") == 0x021122FFFE334455


@pytest.mark.parametrize(
    "bad",
    [
        "00:11:22:33:44",
        "00:11:22:33:44:55:66",
        "00:11-22:33:44:55",
        "zz:11:22:33:44:55",
        "001:1:22:33:44:55",
        "0011.2233.44",
        "00112233445",
        "",
        "2001:db8::1",
    ],
)
def test_bad_mac_is_an_address_error_naming_it(bad: str) -> None:
    with pytest.raises(AddressError, match=re.escape(repr(bad))):
        eui64(addr("2001:db8:1:2::"), bad)


def test_eui64_needs_a_64() -> None:
    with pytest.raises(AddressError, match="did you mean 2001:db8:1:2::/64"):
        eui64(addr("2001:db8:1:2::1"), "00:11:22:33:44:55")


@given(addresses)
def test_solicited_node_keeps_low_24_bits(value: int) -> None:
    group = solicited_node(value)
    assert ipaddress.IPv6Address(group) in ipaddress.IPv6Network("ff02::1:ff00:0/104")
    assert group & 0xFFFFFF == value & 0xFFFFFF
    assert multicast_scope(group) == "link-local"


# -- subnets ---------------------------------------------------------------------------


@given(prefixes(0, 120), st.integers(0, 8))
def test_sequential_subnets_match_ipaddress(prefix: tuple[int, int], width: int) -> None:
    net, length = prefix
    expected = [
        (int(n.network_address), n.prefixlen)
        for n in ipaddress.IPv6Network((net, length)).subnets(new_prefix=length + width)
    ]
    assert list(subnets(net, length, length + width)) == expected
    assert subnet_count(length, length + width) == len(expected)


@given(prefixes(0, 120), st.integers(0, 8), st.sampled_from(["sparse", "centermost"]))
def test_other_orders_hand_out_the_same_subnets(
    prefix: tuple[int, int], width: int, order: str
) -> None:
    net, length = prefix
    got = list(subnets(net, length, length + width, order))
    assert sorted(got) == list(subnets(net, length, length + width))
    assert len(set(got)) == len(got)


@given(st.integers(0, 8), st.integers(1, 300))
def test_step_hands_out_every_step_th_first(width: int, step: int) -> None:
    net, length = pfx("2001:db8::/32")
    slots = [
        (n - net) >> (128 - length - width)
        for n, _ in subnets(net, length, length + width, step=step)
    ]
    total = 1 << width
    expected = [s for offset in range(min(step, total)) for s in range(offset, total, step)]
    assert slots == expected


def test_subnets_are_lazy() -> None:
    """2**128 /128s in ::/0: only what is asked for is computed."""
    first = list(subnets(0, 0, 128, "sparse", limit=3))
    assert [format_prefix(*s) for s in first] == ["::/128", "8000::/128", "4000::/128"]
    everything = subnets(0, 0, 128, "centermost")
    assert len(list(islice(everything, 5))) == 5
    assert subnet_count(0, 128) == 1 << 128


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("2001:db8::/32", 28, "sequential", 1), "use a length from 32 to 128"),
        (("2001:db8::/32", 129, "sequential", 1), "use a length from 32 to 128"),
        (("2001:db8::/32", 36, "random", 1), "unknown order 'random'"),
        (("2001:db8::/32", 36, "sparse", 8), "works with the sequential order"),
        (("2001:db8::/32", 36, "sequential", 0), "step 0 must be 1 or more"),
    ],
)
def test_subnets_reject_bad_arguments_at_once(
    args: tuple[str, int, str, int], message: str
) -> None:
    text, sub_length, order, step = args
    with pytest.raises(InputError, match=message):
        subnets(*pfx(text), sub_length, order, step)  # no next(): checked at the call


# -- ULA -------------------------------------------------------------------------------


@given(st.integers(0, (1 << 64) - 1), st.binary(min_size=8, max_size=8))
def test_ula_is_rfc4193(stamp: int, identifier: bytes) -> None:
    net, length = ula(stamp, identifier)
    digest = hashlib.sha1(stamp.to_bytes(8, "big") + identifier).digest()
    assert length == 48
    assert net >> 120 == 0xFD
    assert (net >> 80) & ((1 << 40) - 1) == int.from_bytes(digest[15:], "big")
    assert net & ((1 << 80) - 1) == 0
    assert address_type(net) == "unique-local"


def test_random_ula_differs_each_time() -> None:
    first, second = make_ula(), make_ula()
    assert first.source == second.source == "random"
    assert first.mac is None
    assert first.net >> 120 == 0xFD
    assert first.eui64 != second.eui64
    assert first.net != second.net


def test_ula_rejects_a_bad_identifier() -> None:
    with pytest.raises(InputError, match="8 bytes"):
        ula(0, b"\x00" * 6)
    with pytest.raises(InputError, match="64 bits"):
        ula(1 << 64, b"\x00" * 8)


def test_ntp_timestamp() -> None:
    assert ntp_timestamp(datetime(1900, 1, 1, tzinfo=UTC)) == 0
    assert ntp_timestamp(datetime(1970, 1, 1)) == 2208988800 << 32  # naive = UTC
    assert ntp_timestamp(datetime(1970, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)) & 0xFFFFFFFF == 1 << 31
    assert ntp_timestamp(datetime(2036, 2, 7, 6, 28, 16, tzinfo=UTC)) == 0  # era 1 begins
    with pytest.raises(InputError, match="before 1900"):
        ntp_timestamp(datetime(1899, 12, 31, tzinfo=UTC))


# -- RFC 7217 stable IIDs --------------------------------------------------------------

NET64 = addr("2001:db8:1:2::")


def test_stable_iid_is_the_documented_sha256() -> None:
    data = (
        (NET64 >> 64).to_bytes(8, "big")
        + (4).to_bytes(4, "big")
        + b"eth0"
        + (4).to_bytes(4, "big")
        + b"home"
        + (0).to_bytes(4, "big")
        + b"k3y"
    )
    expected = int.from_bytes(hashlib.sha256(data).digest()[-8:], "big")
    assert stable_iid(NET64, "eth0", "home", 0, "k3y") == expected
    assert stable_iid(NET64, "eth0", b"home", 0, b"k3y") == expected


def test_stable_iid_depends_on_every_input() -> None:
    base = stable_iid(NET64, "eth0", "", 0, "k3y")
    assert stable_iid(NET64, "eth0", "", 0, "k3y") == base  # stable
    variants = [
        stable_iid(addr("2001:db8:1:3::"), "eth0", "", 0, "k3y"),
        stable_iid(NET64, "eth1", "", 0, "k3y"),
        stable_iid(NET64, "eth0", "ssid", 0, "k3y"),
        stable_iid(NET64, "eth0", "", 1, "k3y"),
        stable_iid(NET64, "eth0", "", 0, "k3z"),
    ]
    assert len({base, *variants}) == 6
    assert all(0 <= v < 1 << 64 for v in variants)
    # Field boundaries are part of the hash: moving a character across them changes it.
    assert stable_iid(NET64, "eth0", "1x", 0, "k") != stable_iid(NET64, "eth01", "x", 0, "k")


def test_stable_iid_skips_reserved_iids(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    answers = iter([0, 0xFDFF_FFFF_FFFF_FF90, 0x1234])

    def fake_rid(prefix: int, iface: bytes, net_id: bytes, dad: int, key: bytes) -> int:
        calls.append(dad)
        return next(answers)

    monkeypatch.setattr(_calc, "_rid", fake_rid)
    assert stable_iid(NET64, "eth0", "", 5, "k3y") == 0x1234
    assert calls == [5, 6, 7]  # RFC 7217 §5: DAD_Counter + 1 and try again


@pytest.mark.parametrize(
    ("iid", "reserved"),
    [
        (0, True),
        (1, False),
        (0x0200_5EFF_FE00_0000, True),
        (0x0200_5EFF_FE00_5213, True),
        (0x0200_5EFF_FEFF_FFFF, True),
        (0x0200_5EFF_FF00_0000, False),
        (0xFDFF_FFFF_FFFF_FF7F, False),
        (0xFDFF_FFFF_FFFF_FF80, True),
        (0xFDFF_FFFF_FFFF_FFFF, True),  # RFC 5453 / RFC 2526: the last reserved anycast ID
        (0xFE00_0000_0000_0000, False),
        (0xFFFF_FFFF_FFFF_FF80, False),  # not the "top 128" (a common misreading)
        (0xFFFF_FFFF_FFFF_FFFF, False),
    ],
)
def test_reserved_iids(iid: int, reserved: bool) -> None:
    assert is_reserved_iid(iid) is reserved


def test_stable_iid_refuses_empty_secret_and_long_prefix() -> None:
    with pytest.raises(InputError, match="secret"):
        stable_iid(NET64, "eth0", "", 0, "")
    with pytest.raises(AddressError, match="needs a /64"):
        stable_iid(NET64 | 1, "eth0", "", 0, "k3y")


# -- /127 links ------------------------------------------------------------------------


def test_p2p_links_skip_iid_zero_and_the_rfc2526_anycast_ids() -> None:
    net = addr("2001:db8:0:ffff::")
    links = p2p_links(net)
    assert [format_prefix(*link) for link in islice(links, 3)] == [
        "2001:db8:0:ffff::2/127",
        "2001:db8:0:ffff::4/127",
        "2001:db8:0:ffff::6/127",
    ]
    assert P2P_LINK_COUNT == (1 << 63) - 1 - 64
    reserved = [ipaddress.IPv6Network(r) for r in p2p_reserved(net)]
    for link in islice(p2p_links(net), 100):
        assert not any(ipaddress.IPv6Network(link).overlaps(r) for r in reserved)


# RFC 2526 §2 for a 64-bit (EUI-64 format) interface ID: the reserved subnet anycast IDs are
# fdff:ffff:ffff:ff80 (anycast ID 0x7f ... 0) to fdff:ffff:ffff:ffff, the u bit 0.
RFC2526_VECTORS = [
    ("2001:db8:0:ffff:fdff:ffff:ffff:ff7e/127", False),  # the /127 just below the range
    ("2001:db8:0:ffff:fdff:ffff:ffff:ff80/127", True),  # anycast ID 0x00 … 0x01
    ("2001:db8:0:ffff:fdff:ffff:ffff:fffe/127", True),  # Mobile IPv6 HA anycast (ID 0x7e) …
    ("2001:db8:0:ffff:fe00::/127", False),  # just above the range
    ("2001:db8:0:ffff:ffff:ffff:ffff:ff80/127", False),  # the "top 128" misreading
    ("2001:db8:0:ffff:ffff:ffff:ffff:fffe/127", False),  # the last /127: usable
]


@pytest.mark.parametrize(("link", "reserved"), RFC2526_VECTORS)
def test_p2p_links_and_lint_follow_rfc2526(link: str, reserved: bool) -> None:
    """``calc p2p`` and lint agree with each other and with the RFC (one core function)."""
    from _support import plan_of

    from v6plan._calc import p2p_link_iids
    from v6plan._lint import lint

    net, _ = pfx(link)
    block = net & ~((1 << 64) - 1)
    anycast = ipaddress.IPv6Network("2001:db8:0:ffff:fdff:ffff:ffff:ff80/121")
    assert ipaddress.IPv6Network(format_prefix(*p2p_reserved(block)[1])) == anycast
    assert ipaddress.IPv6Network(link).overlaps(anycast) is reserved
    iid = net & ((1 << 64) - 1)
    assert any(iid in ids for ids in p2p_link_iids()) is not reserved
    plan = plan_of(
        f"""
        prefix: 2001:db8::/32
        children:
          - name: links
            prefix: {format_prefix(block, 64)}
            children: [{{name: l1, prefix: "{link}"}}]
        """
    ).plan
    assert ("p2p-anycast" in [f.rule for f in lint(plan)]) is reserved


def test_p2p_needs_a_64() -> None:
    with pytest.raises(AddressError, match="did you mean 2001:db8::/64"):
        p2p_links(addr("2001:db8::1"))


# -- the wrong answers of common calculators (planning-rules.md) -----------------------


def test_sipcalc_wrong_ula_is_unique_local_not_unassigned() -> None:
    assert address_type(addr("fd12:3456:789a::1")) == "unique-local"
    assert info("fd12:3456:789a::/48")["type"] == "unique-local"


def test_sipcalc_wrong_a_48_gets_a_zone_not_a_ptr_name() -> None:
    net, length = pfx("2001:db8:1234::/48")
    zones = reverse_zones(net, length)
    assert zones == ["4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa."]
    assert zones[0].count(".") == 12 + 2  # 12 nibbles, not 32
    assert zones[0] != ptr_name(net)


def test_ipv6calc_wrong_3fff_is_documentation() -> None:
    assert address_type(addr("3fff:123::1")) == "documentation"
    assert prefix_type(*pfx("3fff:8::/29")) == "documentation"
    assert info("3fff::/20")["reference"] == "RFC 9637"


def test_ipv6calc_wrong_a_29_needs_all_eight_zones() -> None:
    zones = reverse_zones(*pfx("3fff:8::/29"))
    assert len(zones) == 8
    covered = ipaddress.collapse_addresses(zone_prefix(z) for z in zones)
    assert list(covered) == [ipaddress.IPv6Network("3fff:8::/29")]


def test_subnetcalc_wrong_a_127_has_two_usable_addresses() -> None:
    data = info("2001:db8::a/127")
    assert data["usable"] == ["2001:db8::a", "2001:db8::b"]
    link = next(p2p_links(addr("2001:db8:0:ffff::")))
    assert link == (addr("2001:db8:0:ffff::2"), 127)  # ::2 and ::3 are both router ends


# -- the command line ------------------------------------------------------------------


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``v6plan …``; returns (exit code, stdout, stderr).

    ``v6plan.cli._plan`` is written elsewhere; until it exists a stub stands in for it
    so that these tests exercise the calculator commands on their own.
    """
    import v6plan.cli as cli_package

    try:
        import v6plan.cli._plan  # noqa: F401
    except ModuleNotFoundError:
        stub = types.ModuleType("v6plan.cli._plan")
        stub.register = lambda sub: None  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "v6plan.cli._plan", stub)
        monkeypatch.setattr(cli_package, "_plan", stub, raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = cli_package.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_cli_info_prefix(cli: Run) -> None:
    code, out, err = cli("calc", "info", "3fff:8::/29")
    assert code == 0 and not err
    assert "documentation (RFC 9637)" in out
    assert "524,288 /48s · 34,359,738,368 /64s" in out
    assert "8 zones at /32" in out
    assert out.count(".ip6.arpa.") == 8


def test_cli_info_address_and_json(cli: Run) -> None:
    code, out, _ = cli("calc", "info", "2001:db8:1:2:211:22ff:fe33:4455")
    assert code == 0
    assert "modified EUI-64 of MAC 00:11:22:33:44:55" in out
    assert "ff02::1:ff33:4455" in out
    code, out, _ = cli("calc", "info", "2001:db8::a/127", "--json")
    assert code == 0
    assert json.loads(out) == info("2001:db8::a/127")


def test_cli_info_127_shows_both_ends(cli: Run) -> None:
    _, out, _ = cli("calc", "info", "2001:db8::a/127")
    assert "2001:db8::a and 2001:db8::b" in out


def test_cli_bad_input_is_one_line_and_exit_2(cli: Run) -> None:
    code, out, err = cli("calc", "info", "2001:db8::1/48")
    assert code == 2
    assert out == ""
    assert err == "v6plan: host bits set in 2001:db8::1/48 — did you mean 2001:db8::/48?\n"
    code, _, err = cli("calc", "info", "2001:db8::g")
    assert code == 2
    assert err.count("\n") == 1 and "'2001:db8::g' is not a valid IPv6 address" in err
    assert "Traceback" not in err


def test_cli_subnets(cli: Run) -> None:
    code, out, _ = cli(
        "calc", "subnets", "2001:db8::/32", "--length", "36", "--order", "sparse", "--limit", "3"
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "2001:db8::/32 → /36: 16 subnets (sparse order)"
    assert lines[1:4] == ["2001:db8::/36", "2001:db8:8000::/36", "2001:db8:4000::/36"]
    assert "first 3 of 16" in lines[4]


def test_cli_subnets_json_all(cli: Run) -> None:
    code, out, _ = cli(
        "calc", "subnets", "2001:db8:1::/60", "--length", "64", "--limit", "0", "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["total"] == data["shown"] == 16
    assert data["subnets"] == [
        f"2001:db8:1:{i:x}::/64" if i else "2001:db8:1::/64" for i in range(16)
    ]
    code, out, _ = cli(
        "calc", "subnets", "2001:1400::/23", "--length", "32", "--step", "8", "--json"
    )
    data = json.loads(out)
    assert data["total"] == 512 and data["shown"] == 16
    assert data["subnets"][:3] == ["2001:1400::/32", "2001:1408::/32", "2001:1410::/32"]


def test_cli_subnets_json_empty_list_is_valid(cli: Run) -> None:
    code, out, _ = cli(
        "calc", "subnets", "2001:db8::/32", "--length", "33", "--limit", "1", "--json"
    )
    assert code == 0 and json.loads(out)["subnets"] == ["2001:db8::/33"]


def test_cli_subnets_bad_length(cli: Run) -> None:
    code, _, err = cli("calc", "subnets", "2001:db8::/32", "--length", "28")
    assert code == 2
    assert "use a length from 32 to 128" in err and err.count("\n") == 1
    code, _, err = cli("calc", "subnets", "2001:db8::/32", "--length", "36", "--limit", "-1")
    assert code == 2 and "--limit -1" in err


def test_cli_eui64(cli: Run) -> None:
    code, out, _ = cli("calc", "eui64", "2001:db8:1:2::/64", "00:11:22:33:44:55")
    assert code == 0
    assert out.splitlines()[0].split() == ["address", "2001:db8:1:2:211:22ff:fe33:4455"]
    code, out, _ = cli("calc", "eui64", "2001:db8:1:2::", "0011.2233.4455", "--json")
    data = json.loads(out)
    assert data["address"] == "2001:db8:1:2:211:22ff:fe33:4455"
    assert data["prefix"] == "2001:db8:1:2::/64"
    assert data["solicited_node"] == "ff02::1:ff33:4455"


def test_cli_eui64_bad_input(cli: Run) -> None:
    code, _, err = cli("calc", "eui64", "2001:db8:1:2::/64", "00:11:22:33:44")
    assert code == 2 and "'00:11:22:33:44' is not a MAC address" in err
    code, _, err = cli("calc", "eui64", "2001:db8:1::/48", "00:11:22:33:44:55")
    assert code == 2 and "needs a /64, e.g. 2001:db8:1::/64" in err


def test_cli_reverse(cli: Run) -> None:
    code, out, _ = cli("calc", "reverse", "2001:db8:1234::/50")
    assert code == 0
    assert out.splitlines() == [
        "2001:db8:1234::/50 is not on a nibble boundary: 4 zones at /52",
        *CALC["reverse_zones"][1]["zones"],
    ]
    code, out, _ = cli("calc", "reverse", "2001:db8:1234::/48", "--json")
    assert json.loads(out)["zones"] == CALC["reverse_zones"][0]["zones"]
    code, out, _ = cli("calc", "reverse", "2001:db8::1")
    assert out.strip() == ipaddress.IPv6Address("2001:db8::1").reverse_pointer + "."


def test_cli_p2p(cli: Run) -> None:
    code, out, _ = cli("calc", "p2p", "2001:db8:0:ffff::/64", "--limit", "2")
    assert code == 0
    assert "2001:db8:0:ffff:fdff:ffff:ffff:ff80/121" in out
    assert "link 1    2001:db8:0:ffff::2/127" in out
    assert "link 3" not in out
    code, out, _ = cli("calc", "p2p", "2001:db8:0:ffff::/64", "--limit", "1", "--json")
    data = json.loads(out)
    assert data["links"] == [
        {"prefix": "2001:db8:0:ffff::2/127", "a": "2001:db8:0:ffff::2", "b": "2001:db8:0:ffff::3"}
    ]
    assert [r["prefix"] for r in data["reserved"]] == [
        "2001:db8:0:ffff::/127",
        "2001:db8:0:ffff:fdff:ffff:ffff:ff80/121",
    ]
    assert data["total"] == P2P_LINK_COUNT


def test_cli_iid(cli: Run, tmp_path: Path) -> None:
    expected = stable_iid(NET64, "eth1", "lab", 0, "k3y")
    code, out, _ = cli(
        "calc",
        "iid",
        "2001:db8:1:2::/64",
        "--secret",
        "k3y",
        "--interface",
        "eth1",
        "--network-id",
        "lab",
        "--json",
    )
    assert code == 0
    assert json.loads(out)["address"] == format_address(NET64 | expected)
    secret = tmp_path / "secret"
    secret.write_text("k3y\n")
    code, out, _ = cli(
        "calc",
        "iid",
        "2001:db8:1:2::/64",
        "--secret-file",
        str(secret),
        "--interface",
        "eth1",
        "--network-id",
        "lab",
    )
    assert code == 0
    assert format_address(NET64 | expected) in out
    code, _, err = cli("calc", "iid", "2001:db8:1:2::/64", "--secret", "")
    assert code == 2 and "secret" in err


def test_cli_ula(cli: Run) -> None:
    case = CALC["ula"][0]
    code, out, _ = cli("ula", "--mac", "00:11:22:33:44:55", "--time", case["ntp_time"])
    assert code == 0
    assert out.splitlines()[0].split() == ["ula", case["out"]]
    code, out, _ = cli(
        "ula", "--mac", "00:11:22:33:44:55", "--time", "2024-03-31T08:48:00Z", "--json"
    )
    data = json.loads(out)
    assert data["prefix"] == case["out"]
    assert data["ntp_time"] == case["ntp_time"]
    assert data["eui64"] == case["eui64"]
    code, out, _ = cli("ula", "--json")
    data = json.loads(out)
    assert data["source"] == "random" and data["prefix"].startswith("fd")


def test_cli_ula_bad_time(cli: Run) -> None:
    code, out, err = cli("ula", "--time", "yesterday")
    assert code == 2 and out == ""
    assert "--time 'yesterday'" in err and err.count("\n") == 1


def test_cli_calc_alone_shows_help(cli: Run) -> None:
    code, out, _ = cli("calc")
    assert code == 2
    assert "subnets" in out and "examples:" in out


COMMANDS = [
    ["calc"],
    ["calc", "info"],
    ["calc", "subnets"],
    ["calc", "eui64"],
    ["calc", "reverse"],
    ["calc", "p2p"],
    ["calc", "iid"],
    ["ula"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_cli_help_has_examples_in_documentation_space(
    cli: Run, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli(*command, "--help")
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text
    assert "v6plan " + " ".join(command) in text.split("examples:")[1]
    checked = 0
    for token in re.findall(r"[0-9a-fA-F:]*::?[0-9a-fA-F:.]*(?:/\d+)?", text):
        try:
            net, length = parse_prefix(token, strict=False)
        except AddressError:
            continue  # a MAC, "ff:fe", a time of day …
        kind = prefix_type(net, length) if "/" in token else address_type(net)
        assert kind == "documentation", token
        checked += 1
    assert checked or command == ["ula"]


def test_calc_commands_import_the_calculator_only_when_run() -> None:
    """``v6plan --help`` stays fast: registering the commands loads no calculator code."""
    code = "import sys, v6plan.cli._calc; print('v6plan._calc' in sys.modules, 'netaddr' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(
    ("group", "mac"),
    [
        ("ff02::1", "33:33:00:00:00:01"),
        ("ff02::2", "33:33:00:00:00:02"),
        ("ff02::1:ff00:10", "33:33:ff:00:00:10"),
        ("ff05::1:3", "33:33:00:01:00:03"),
    ],
)
def test_multicast_mac_known_answers(group: str, mac: str) -> None:
    """RFC 2464 §7: 33:33 and the group's low 32 bits."""
    assert _calc.format_mac(_calc.multicast_mac(parse_address(group))) == mac


@given(st.integers(0xFF00 << 112, (1 << 128) - 1))
def test_multicast_mac_agrees_with_ipaddress(group: int) -> None:
    assert ipaddress.IPv6Address(group).is_multicast
    mac = _calc.multicast_mac(group).to_bytes(6, "big")
    assert mac == b"\x33\x33" + ipaddress.IPv6Address(group).packed[-4:]
