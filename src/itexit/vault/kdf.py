"""Argon2id key derivation with a floor and a ceiling checked before any work is done."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from itexit import settings
from itexit.domain.errors import KdfParamsRefused
from itexit.vault import argon2_native
from itexit.vault.memory import held_text, wipe

Passphrase = str | bytes | bytearray
"""A passphrase as typed, or its UTF-8 form in a buffer the caller wipes."""

FLOOR_MEMORY_KIB = 19 * 1024
FLOOR_TIME = 2
CEILING_MEMORY_KIB = 1024 * 1024
CEILING_TIME = 10
MAX_PARALLELISM = 16
DEFAULT_MEMORY_KIB = 64 * 1024
DEFAULT_TIME = 3
DEFAULT_PARALLELISM = 4
TARGET_SECONDS = 0.5
CALIBRATION_MEMORY_KIB = 256 * 1024
CALIBRATION_PASSES = 4
"""Calibration stops at 256 MiB and 4 passes, 5.3 times the defaults' work: every command and
every unlock pays for the derivation, and a machine that is faster than the target needs does
not make each of them slower for it. A slower machine stops at the target first."""
SALT_BYTES = 16
KEY_BYTES = 32


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters stored beside each user's wrapped keys."""

    memory_kib: int
    time_cost: int
    parallelism: int
    salt: bytes

    def check(self) -> None:
        """Refuse parameters an attacker could have lowered (or raised to stall us) in the file."""
        if self.memory_kib < FLOOR_MEMORY_KIB or self.time_cost < FLOOR_TIME:
            raise KdfParamsRefused(
                "The stored key-derivation settings are weaker than the allowed minimum "
                f"(m={self.memory_kib} KiB, t={self.time_cost}); "
                "the vault may have been tampered with."
            )
        if self.memory_kib > CEILING_MEMORY_KIB or self.time_cost > CEILING_TIME:
            raise KdfParamsRefused(
                "The stored key-derivation settings exceed the allowed maximum "
                f"(m={self.memory_kib} KiB, t={self.time_cost}); refusing to derive."
            )
        if not 1 <= self.parallelism <= MAX_PARALLELISM or len(self.salt) != SALT_BYTES:
            raise KdfParamsRefused("The stored key-derivation settings are malformed.")

    def label(self) -> str:
        return f"argon2id m={self.memory_kib} t={self.time_cost} p={self.parallelism}"

    def with_new_salt(self) -> KdfParams:
        return KdfParams(self.memory_kib, self.time_cost, self.parallelism, os.urandom(SALT_BYTES))


def derive(passphrase: Passphrase, params: KdfParams) -> bytes:
    """Derive a 256-bit key-encryption key; the parameters are checked first.

    Argon2's lanes are part of the parameters and decide the key; the threads that compute them
    are not. The standard call runs one thread per lane, so four lanes on a two-core machine
    keep four threads taking turns, each waiting at every one of the sixteen meeting points per
    pass for the slowest. With no more threads than the process can run at once the same key
    comes about 10% sooner (0.455 s against 0.50 s for m=256 MiB t=4 p=4 on two cores).

    Argon2 built for this CPU (`argon2_native`) computes the same key when the environment
    has it; argon2-cffi otherwise, and whenever the native build reports an error.

    The UTF-8 form of a `str` passphrase lives in a buffer zeroed before this returns; a
    `bytes`-like one is the caller's, used as it is and never copied into a `bytes`.
    """
    params.check()
    if isinstance(passphrase, str):
        secret = held_text(passphrase)
        try:
            return _derive(secret, params)
        finally:
            wipe(secret)
    return _derive(passphrase, params)


def _derive(secret: bytes | bytearray, params: KdfParams) -> bytes:
    threads = min(params.parallelism, usable_cpus())
    native = argon2_native.available()
    if native is not None:
        key = native.derive(
            secret,
            params.salt,
            time_cost=params.time_cost,
            memory_kib=params.memory_kib,
            lanes=params.parallelism,
            threads=threads,
            length=KEY_BYTES,
        )
        if key is not None:
            return key
    return _derive_with_argon2_cffi(secret, params, threads)


def _derive_with_argon2_cffi(secret: bytes | bytearray, params: KdfParams, threads: int) -> bytes:
    """argon2-cffi's derivation: its context on `threads` threads, else its standard call.
    Imported here, as commands that use the native build never need it."""
    from argon2.low_level import Type, hash_secret_raw

    if threads < params.parallelism:
        key = _derive_on_threads(secret, params, threads)
        if key is not None:
            return key
    return hash_secret_raw(
        secret=bytes(secret),  # argon2-cffi's own call takes bytes only: a last resort
        salt=params.salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def usable_cpus() -> int:
    """How many threads this process can run at the same time."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def _derive_on_threads(secret: bytes | bytearray, params: KdfParams, threads: int) -> bytes | None:
    """What `hash_secret_raw` computes (argon2's own `argon2_hash` fills the same context, with
    one thread per lane), on `threads` threads. None if argon2-cffi's context is not laid out
    as expected or the derivation fails: the standard call then runs and reports any error."""
    from _argon2_cffi_bindings import ffi, lib
    from argon2.low_level import ARGON2_VERSION, Type, core

    out = ffi.new("uint8_t[]", KEY_BYTES)
    pwd = ffi.new("uint8_t[]", max(len(secret), 1))
    ffi.memmove(pwd, secret, len(secret))  # no `bytes` copy of a bytearray
    salt = ffi.new("uint8_t[]", params.salt)
    fields = {
        "out": out,
        "outlen": KEY_BYTES,
        "pwd": pwd,
        "pwdlen": len(secret),
        "salt": salt,
        "saltlen": len(params.salt),
        "secret": ffi.NULL,
        "secretlen": 0,
        "ad": ffi.NULL,
        "adlen": 0,
        "t_cost": params.time_cost,
        "m_cost": params.memory_kib,
        "lanes": params.parallelism,
        "threads": threads,
        "version": ARGON2_VERSION,
        "allocate_cbk": ffi.NULL,
        "free_cbk": ffi.NULL,
        "flags": lib.ARGON2_DEFAULT_FLAGS,
    }
    try:
        try:
            context = ffi.new("argon2_context *", fields)
        except (ffi.error, KeyError, TypeError, AttributeError):
            return None
        if core(context, Type.ID.value) != lib.ARGON2_OK:
            return None
        return bytes(ffi.buffer(out, KEY_BYTES))
    finally:
        wipe(ffi.buffer(pwd))
        wipe(ffi.buffer(out))


def floor_params() -> KdfParams:
    """The cheapest parameters still accepted: used by the test profile."""
    return KdfParams(FLOOR_MEMORY_KIB, FLOOR_TIME, 1, os.urandom(SALT_BYTES))


def default_params() -> KdfParams:
    return KdfParams(DEFAULT_MEMORY_KIB, DEFAULT_TIME, DEFAULT_PARALLELISM, os.urandom(SALT_BYTES))


@dataclass(frozen=True)
class Calibration:
    params: KdfParams
    seconds: float


def calibrate(
    target_seconds: float = TARGET_SECONDS, measure: Callable[[KdfParams], float] | None = None
) -> Calibration:
    """Raise memory (up to 256 MiB), then passes (up to 4), from the defaults until a
    derivation takes about the target; memory first because it is what makes guessing
    expensive on a GPU.

    Every choice rests on a measurement, not on a guess from a smaller one: the defaults are
    timed twice after a first run that only pays for fresh memory (the quicker time counts, as
    a slow outlier would otherwise lower the memory chosen), then the memory chosen is timed,
    and a pass is added while the measured time with it would lie nearer the target.
    """
    timed = measure if measure is not None else _timed
    params = default_params()
    if measure is None:
        derive("calibration", params)
    elapsed = min(timed(params), timed(params))
    if elapsed < target_seconds * 0.8:
        memory = int(params.memory_kib * target_seconds / max(elapsed, 1e-3)) // 1024 * 1024
        memory = max(params.memory_kib, min(memory, CALIBRATION_MEMORY_KIB))
        params = KdfParams(memory, params.time_cost, params.parallelism, params.salt)
        elapsed = timed(params)
        while params.time_cost < CALIBRATION_PASSES:
            one_more = elapsed * (params.time_cost + 1) / params.time_cost
            if abs(one_more - target_seconds) >= abs(elapsed - target_seconds):
                break
            params = KdfParams(memory, params.time_cost + 1, params.parallelism, params.salt)
            elapsed = timed(params)
    return Calibration(params.with_new_salt(), elapsed)


def _timed(params: KdfParams) -> float:
    started = time.perf_counter()
    derive("calibration", params)
    return time.perf_counter() - started


_CALIBRATED: dict[str, KdfParams] = {}
"""This machine's calibration, measured once per process (about half a second)."""


def profile_params(profile: str | None = None) -> KdfParams:
    """Parameters for a new key, each with its own salt: `test` uses the floor, anything else
    calibrates on this machine, once per process (a vault and its first people share it)."""
    chosen = profile if profile is not None else settings.current().kdf_profile
    if chosen == "test":
        return floor_params()
    found = _CALIBRATED.get(chosen)
    if found is None:
        found = _CALIBRATED[chosen] = calibrate().params
    return found.with_new_salt()
