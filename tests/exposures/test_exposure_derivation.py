"""Deriving exposures holds the cycle collector off only while it builds them."""

from __future__ import annotations

import gc

import pytest

from itexit.services.exposures import deriving


def test_the_collector_is_off_while_deriving_and_back_on_after() -> None:
    assert gc.isenabled()
    with deriving():
        assert not gc.isenabled()
        with deriving():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer derivation is still under way
    assert gc.isenabled()


def test_a_failed_derivation_turns_the_collector_back_on() -> None:
    with pytest.raises(RuntimeError), deriving():
        raise RuntimeError("a record did not open")
    assert gc.isenabled()


def test_a_collector_turned_off_elsewhere_stays_off() -> None:
    gc.disable()
    try:
        with deriving():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
