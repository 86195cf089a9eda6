"""Argon2id parameters: the floor and ceiling are enforced before any work is done."""

from __future__ import annotations

import os
import time

import pytest

from itexit.domain.errors import KdfParamsRefused
from itexit.vault import kdf
from itexit.vault.kdf import KdfParams

SALT = bytes(range(16))


def params(m: int, t: int, p: int = 1, salt: bytes = SALT) -> KdfParams:
    return KdfParams(m, t, p, salt)


@pytest.fixture
def hash_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Count every call into Argon2, however it is reached."""
    import argon2.low_level

    calls: list[dict[str, object]] = []
    real = argon2.low_level.hash_secret_raw

    def counting(**kwargs: object) -> bytes:
        calls.append(kwargs)
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(argon2.low_level, "hash_secret_raw", counting)
    monkeypatch.setattr(kdf, "hash_secret_raw", counting)
    return calls


def test_floor_and_defaults_are_the_documented_numbers() -> None:
    assert (kdf.FLOOR_MEMORY_KIB, kdf.FLOOR_TIME) == (19 * 1024, 2)
    assert (kdf.CEILING_MEMORY_KIB, kdf.CEILING_TIME) == (1024 * 1024, 10)
    assert (kdf.DEFAULT_MEMORY_KIB, kdf.DEFAULT_TIME, kdf.DEFAULT_PARALLELISM) == (64 * 1024, 3, 4)


@pytest.mark.parametrize(
    "m,t,p",
    [
        (kdf.FLOOR_MEMORY_KIB, kdf.FLOOR_TIME, 1),
        (kdf.CEILING_MEMORY_KIB, kdf.CEILING_TIME, kdf.MAX_PARALLELISM),
        (kdf.DEFAULT_MEMORY_KIB, kdf.DEFAULT_TIME, kdf.DEFAULT_PARALLELISM),
    ],
    ids=["floor", "ceiling", "default"],
)
def test_check_accepts_the_boundaries(m: int, t: int, p: int) -> None:
    params(m, t, p).check()


@pytest.mark.parametrize(
    "m,t,p,salt,words",
    [
        (8 * 1024, 1, 1, SALT, "minimum"),
        (kdf.FLOOR_MEMORY_KIB - 1, kdf.FLOOR_TIME, 1, SALT, "minimum"),
        (kdf.FLOOR_MEMORY_KIB, kdf.FLOOR_TIME - 1, 1, SALT, "minimum"),
        (0, 0, 1, SALT, "minimum"),
        (-1, 3, 1, SALT, "minimum"),
        (2 * 1024 * 1024, 50, 1, SALT, "maximum"),
        (kdf.CEILING_MEMORY_KIB + 1, kdf.CEILING_TIME, 1, SALT, "maximum"),
        (kdf.CEILING_MEMORY_KIB, kdf.CEILING_TIME + 1, 1, SALT, "maximum"),
        (kdf.DEFAULT_MEMORY_KIB, 10**9, 1, SALT, "maximum"),
        (kdf.DEFAULT_MEMORY_KIB, 3, 0, SALT, "malformed"),
        (kdf.DEFAULT_MEMORY_KIB, 3, kdf.MAX_PARALLELISM + 1, SALT, "malformed"),
        (kdf.DEFAULT_MEMORY_KIB, 3, 1, b"", "malformed"),
        (kdf.DEFAULT_MEMORY_KIB, 3, 1, SALT[:15], "malformed"),
        (kdf.DEFAULT_MEMORY_KIB, 3, 1, SALT + b"x", "malformed"),
    ],
)
def test_check_refuses_out_of_range(m: int, t: int, p: int, salt: bytes, words: str) -> None:
    with pytest.raises(KdfParamsRefused, match=words):
        KdfParams(m, t, p, salt).check()


@pytest.mark.parametrize(
    "m,t", [(8 * 1024, 1), (2 * 1024 * 1024, 50), (kdf.CEILING_MEMORY_KIB * 4, 3)]
)
def test_derive_refuses_before_hashing(hash_calls: list[object], m: int, t: int) -> None:
    started = time.perf_counter()
    with pytest.raises(KdfParamsRefused):
        kdf.derive("correct horse battery staple 42", params(m, t))
    assert hash_calls == []
    # a 2 GiB / t=50 derivation would take far longer than this if it had started
    assert time.perf_counter() - started < 1.0


def test_derive_is_deterministic_and_salted(hash_calls: list[dict[str, object]]) -> None:
    p = kdf.floor_params()
    a = kdf.derive("pass phrase one", p)
    assert a == kdf.derive("pass phrase one", p)
    assert len(a) == kdf.KEY_BYTES
    assert a != kdf.derive("pass phrase two", p)
    assert a != kdf.derive("pass phrase one", p.with_new_salt())
    assert len(hash_calls) == 4
    from argon2.low_level import Type

    assert all(call["type"] == Type.ID for call in hash_calls)


def test_profile_params_test_profile_is_the_floor() -> None:
    p = kdf.profile_params("test")
    p.check()
    assert (p.memory_kib, p.time_cost, p.parallelism) == (kdf.FLOOR_MEMORY_KIB, kdf.FLOOR_TIME, 1)
    assert p.salt != kdf.profile_params("test").salt


def test_with_new_salt_keeps_costs() -> None:
    p = kdf.default_params()
    q = p.with_new_salt()
    assert (q.memory_kib, q.time_cost, q.parallelism) == (p.memory_kib, p.time_cost, p.parallelism)
    assert q.salt != p.salt and len(q.salt) == kdf.SALT_BYTES


@pytest.mark.slow
def test_real_parameters_meet_the_defaults_and_derive(monkeypatch: pytest.MonkeyPatch) -> None:
    """The calibrated (non-test) profile never goes below m=64 MiB t=3 p=4."""
    monkeypatch.delenv("ITEXIT_KDF_PROFILE", raising=False)
    assert os.environ.get("ITEXIT_KDF_PROFILE") is None
    result = kdf.calibrate()
    p = result.params
    p.check()
    assert p.memory_kib >= kdf.DEFAULT_MEMORY_KIB
    assert p.time_cost >= kdf.DEFAULT_TIME
    assert p.parallelism >= kdf.DEFAULT_PARALLELISM
    assert p.time_cost <= kdf.CEILING_TIME
    assert result.seconds > 0
    key = kdf.derive("correct horse battery staple 42", p)
    assert len(key) == kdf.KEY_BYTES
    assert key == kdf.derive("correct horse battery staple 42", p)
    chosen = kdf.profile_params("")
    assert chosen.memory_kib >= kdf.DEFAULT_MEMORY_KIB
    assert chosen.time_cost >= kdf.DEFAULT_TIME
    assert chosen.parallelism >= kdf.DEFAULT_PARALLELISM
