"""Argon2id parameters: the floor and ceiling are enforced before any work is done."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

from itexit.domain.errors import KdfParamsRefused
from itexit.vault import argon2_native, kdf
from itexit.vault.kdf import KdfParams

SALT = bytes(range(16))


def params(m: int, t: int, p: int = 1, salt: bytes = SALT) -> KdfParams:
    return KdfParams(m, t, p, salt)


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
def test_derive_refuses_before_hashing(argon2_calls: list[object], m: int, t: int) -> None:
    started = time.perf_counter()
    with pytest.raises(KdfParamsRefused):
        kdf.derive("correct horse battery staple 42", params(m, t))
    assert argon2_calls == []
    # a 2 GiB / t=50 derivation would take far longer than this if it had started
    assert time.perf_counter() - started < 1.0


def test_derive_is_deterministic_and_salted(argon2_calls: list[dict[str, object]]) -> None:
    p = kdf.floor_params()
    a = kdf.derive("pass phrase one", p)
    assert a == kdf.derive("pass phrase one", p)
    assert len(a) == kdf.KEY_BYTES
    assert a != kdf.derive("pass phrase two", p)
    assert a != kdf.derive("pass phrase one", p.with_new_salt())
    assert len(argon2_calls) == 4
    from argon2.low_level import Type

    assert all(call["type"] == Type.ID for call in argon2_calls)


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


# --- threads: fewer than lanes, same key -----------------------------------------------------


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_fewer_threads_than_lanes_give_the_standard_key(threads: int) -> None:
    """Lanes decide the key; threads only how many compute at once."""
    from argon2.low_level import Type, hash_secret_raw

    p = params(kdf.FLOOR_MEMORY_KIB, 2, 4)
    standard = hash_secret_raw(
        secret=b"pass phrase", salt=SALT, time_cost=2, memory_cost=p.memory_kib,
        parallelism=4, hash_len=kdf.KEY_BYTES, type=Type.ID,
    )  # fmt: skip
    assert kdf._derive_on_threads(b"pass phrase", p, threads) == standard


def test_derive_runs_no_more_threads_than_the_process_has_cpus(
    monkeypatch: pytest.MonkeyPatch, argon2_calls: list[dict[str, object]]
) -> None:
    monkeypatch.setattr(argon2_native, "available", lambda: None)  # argon2-cffi's routes
    p = params(kdf.FLOOR_MEMORY_KIB, 2, 4)
    wide = kdf.derive("pass phrase", p)  # the standard call when there are cpus enough
    seen: list[int] = []
    real = kdf._derive_on_threads

    def on_threads(secret: bytes, q: KdfParams, threads: int) -> bytes | None:
        seen.append(threads)
        return real(secret, q, threads)

    monkeypatch.setattr(kdf, "usable_cpus", lambda: 2)
    monkeypatch.setattr(kdf, "_derive_on_threads", on_threads)
    assert kdf.derive("pass phrase", p) == wide
    assert seen == [2]
    monkeypatch.setattr(kdf, "usable_cpus", lambda: 8)
    assert kdf.derive("pass phrase", p) == wide
    assert seen == [2]  # four lanes on eight cpus: the standard call, one thread per lane


def test_an_unexpected_argon2_context_falls_back_to_the_standard_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If argon2-cffi ever lays its context out differently, the key is still derived."""
    monkeypatch.setattr(argon2_native, "available", lambda: None)
    p = params(kdf.FLOOR_MEMORY_KIB, 2, 4)
    expected = kdf.derive("pass phrase", p)
    import _argon2_cffi_bindings

    real_ffi = _argon2_cffi_bindings.ffi

    class Renamed:
        NULL = real_ffi.NULL
        error = real_ffi.error

        def new(self, ctype: str, init: object = None) -> object:
            if ctype == "argon2_context *":
                raise KeyError("threads")
            return real_ffi.new(ctype, init)

        def buffer(self, *args: object) -> object:
            return real_ffi.buffer(*args)

        def memmove(self, *args: object) -> object:
            return real_ffi.memmove(*args)

    monkeypatch.setattr(_argon2_cffi_bindings, "ffi", Renamed())
    monkeypatch.setattr(kdf, "usable_cpus", lambda: 1)
    assert kdf._derive_on_threads(b"pass phrase", p, 1) is None
    assert kdf.derive("pass phrase", p) == expected


def test_usable_cpus_counts_the_cpus_this_process_may_use() -> None:
    assert 1 <= kdf.usable_cpus() <= (os.cpu_count() or 1)


# --- calibration, against a model of a machine ------------------------------------------------


def machine(seconds_per_mib_pass: float, outliers: list[float] | None = None) -> Any:
    """A derivation's time grows with memory times passes; `outliers` are returned first."""
    queue = list(outliers or [])
    timed: list[tuple[int, int]] = []

    def measure(p: KdfParams) -> float:
        timed.append((p.memory_kib, p.time_cost))
        if queue:
            return queue.pop(0)
        return p.memory_kib / 1024 * p.time_cost * seconds_per_mib_pass

    measure.timed = timed  # type: ignore[attr-defined]
    return measure


def test_calibration_raises_memory_then_picks_the_passes_nearest_the_target() -> None:
    measure = machine(0.0005)  # 64 MiB x 3 passes: 0.096 s
    result = kdf.calibrate(0.5, measure)
    p = result.params
    assert (p.memory_kib, p.time_cost, p.parallelism) == (kdf.CALIBRATION_MEMORY_KIB, 4, 4)
    assert result.seconds == pytest.approx(0.512)  # 3 passes 0.384, 4 passes 0.512, 5 0.640
    assert measure.timed[-1] == (kdf.CALIBRATION_MEMORY_KIB, 4)
    assert p.salt != kdf.default_params().salt and len(p.salt) == kdf.SALT_BYTES


def test_a_slow_first_measurement_does_not_lower_the_memory() -> None:
    """The defaults are timed twice and the quicker counts."""
    measure = machine(0.0005, outliers=[0.3])
    assert kdf.calibrate(0.5, measure).params.memory_kib == kdf.CALIBRATION_MEMORY_KIB


def test_a_slow_machine_keeps_the_defaults() -> None:
    p = kdf.calibrate(0.5, machine(0.003)).params  # defaults already take 0.576 s
    assert (p.memory_kib, p.time_cost, p.parallelism) == (
        kdf.DEFAULT_MEMORY_KIB,
        kdf.DEFAULT_TIME,
        kdf.DEFAULT_PARALLELISM,
    )


def test_a_fast_machine_stops_at_256_mib_and_4_passes() -> None:
    measure = machine(0.00001)
    p = kdf.calibrate(0.5, measure).params
    assert (p.memory_kib, p.time_cost) == (kdf.CALIBRATION_MEMORY_KIB, kdf.CALIBRATION_PASSES)
    assert max(t for _, t in measure.timed) == kdf.CALIBRATION_PASSES  # no pass beyond timed
    p.check()


def test_passes_stop_at_4_even_when_5_would_lie_nearer_the_target() -> None:
    p = kdf.calibrate(0.5, machine(0.0004)).params  # 4 passes 0.41 s, 5 passes 0.51 s
    assert (p.memory_kib, p.time_cost) == (kdf.CALIBRATION_MEMORY_KIB, 4)


def test_a_fourth_pass_is_left_out_when_it_overshoots_more_than_three_fall_short() -> None:
    p = kdf.calibrate(0.5, machine(0.0006)).params  # 3 passes 0.46 s, 4 passes 0.61 s
    assert (p.memory_kib, p.time_cost) == (kdf.CALIBRATION_MEMORY_KIB, 3)


def test_a_middling_machine_gets_memory_between_the_defaults_and_the_cap() -> None:
    p = kdf.calibrate(0.5, machine(0.0018)).params  # defaults 0.346 s
    assert kdf.DEFAULT_MEMORY_KIB < p.memory_kib < kdf.CALIBRATION_MEMORY_KIB
    assert p.memory_kib % 1024 == 0 and p.time_cost == kdf.DEFAULT_TIME


def test_this_machine_is_calibrated_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[float] = []
    chosen = kdf.KdfParams(kdf.DEFAULT_MEMORY_KIB, kdf.DEFAULT_TIME, 1, b"\0" * 16)

    def calibrate(target_seconds: float = kdf.TARGET_SECONDS) -> kdf.Calibration:
        calls.append(target_seconds)
        return kdf.Calibration(chosen, 0.5)

    monkeypatch.setattr(kdf, "calibrate", calibrate)
    monkeypatch.setattr(kdf, "_CALIBRATED", {})
    first, second = kdf.profile_params("standard"), kdf.profile_params("standard")
    assert len(calls) == 1  # a vault and its first people: one half-second measurement
    assert (first.memory_kib, first.time_cost) == (chosen.memory_kib, chosen.time_cost)
    assert first.salt != second.salt and chosen.salt not in (first.salt, second.salt)
