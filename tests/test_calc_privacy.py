"""The core's RFC 8981 and path-MTU facts (v6plan._calc): what the simulator and the labs'
computed values take from it."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from v6plan._calc import echo_data_size, temporary_iid, temporary_lifetimes
from v6plan._errors import InputError
from v6plan._special import is_reserved_iid

LIFETIME = st.integers(min_value=0, max_value=0xFFFFFFFF)


def test_a_temporary_iid_is_never_reserved() -> None:
    draws = iter([0, 0x0200_5EFF_FE00_1234, 0xFDFF_FFFF_FFFF_FF80, 0x1234])
    assert temporary_iid(lambda: next(draws)) == 0x1234  # three reserved ones redrawn


@given(st.integers(min_value=0))
def test_temporary_iids_are_64_bits_and_usable(seed: int) -> None:
    rng = random.Random(seed)
    iid = temporary_iid(lambda: rng.getrandbits(64))
    assert 0 <= iid < 1 << 64 and not is_reserved_iid(iid)


@given(LIFETIME, LIFETIME, LIFETIME, LIFETIME, st.integers(min_value=0, max_value=600))
def test_temporary_lifetimes_never_outlive_the_public_address(
    pub_valid: int, pub_preferred: int, temp_valid: int, temp_preferred: int, desync: int
) -> None:
    valid, preferred = temporary_lifetimes(
        pub_valid, pub_preferred, temp_valid, temp_preferred, desync
    )
    assert valid == min(pub_valid, temp_valid)
    assert preferred <= min(pub_preferred, valid) and preferred <= temp_preferred - desync


def test_radvd_defaults_cap_the_temporary_address() -> None:
    # radvd's 86400/14400 under Linux's 604800/86400 and a desync of up to 600 s
    assert temporary_lifetimes(86400, 14400, 604800, 86400, 599) == (86400, 14400)


def test_echo_data_of_the_minimum_mtu() -> None:
    assert echo_data_size(1280) == 1232
    assert echo_data_size(1500) == 1452
    assert echo_data_size(1280, header=20) == 1252  # the IPv4 mistake
    with pytest.raises(InputError, match="holds no echo data"):
        echo_data_size(40)
