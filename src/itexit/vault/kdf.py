"""Argon2id key derivation with a floor and a ceiling checked before any work is done."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw

from itexit.domain.errors import KdfParamsRefused

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


def derive(passphrase: str, params: KdfParams) -> bytes:
    """Derive a 256-bit key-encryption key; the parameters are checked first."""
    params.check()
    return hash_secret_raw(
        secret=passphrase.encode("utf-8"),
        salt=params.salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


class Prederivation:
    """A derivation started early in a thread, so it runs while the rest of the program loads.

    Argon2 releases the interpreter lock, so the program can meanwhile import the store and
    open the database on whatever core the derivation leaves free. `key_for` hands the key over
    only for exactly the parameters (salt included) it was started with; a refused or failed
    derivation gives None and the caller derives as usual, meeting the same error there.
    """

    def __init__(self, passphrase: str, params: KdfParams) -> None:
        self._params = params
        self._key: bytes | None = None
        self._thread = threading.Thread(
            target=self._run, args=(passphrase,), name="itexit-kdf", daemon=True
        )
        self._thread.start()

    def _run(self, passphrase: str) -> None:
        try:
            self._key = derive(passphrase, self._params)
        except Exception:  # the caller derives again and meets the error itself
            self._key = None

    def key_for(self, params: KdfParams) -> bytes | None:
        """The derived key if it was derived with `params`; it is handed over once."""
        if params != self._params:
            return None
        self._thread.join()
        key, self._key = self._key, None
        return key


def floor_params() -> KdfParams:
    """The cheapest parameters still accepted: used by the test profile."""
    return KdfParams(FLOOR_MEMORY_KIB, FLOOR_TIME, 1, os.urandom(SALT_BYTES))


def default_params() -> KdfParams:
    return KdfParams(DEFAULT_MEMORY_KIB, DEFAULT_TIME, DEFAULT_PARALLELISM, os.urandom(SALT_BYTES))


@dataclass(frozen=True)
class Calibration:
    params: KdfParams
    seconds: float


def calibrate(target_seconds: float = TARGET_SECONDS) -> Calibration:
    """Raise memory (up to 256 MiB), then time cost, from the defaults until a derivation takes
    about the target; memory first because it is what makes guessing expensive on a GPU."""
    params = default_params()
    started = time.perf_counter()
    derive("calibration", params)
    elapsed = time.perf_counter() - started
    if elapsed < target_seconds * 0.8:
        factor = target_seconds / max(elapsed, 1e-3)
        memory = min(int(params.memory_kib * factor) // 1024 * 1024, CALIBRATION_MEMORY_KIB)
        factor /= memory / params.memory_kib
        time_cost = min(max(params.time_cost, round(params.time_cost * factor)), CEILING_TIME)
        params = KdfParams(memory, time_cost, params.parallelism, params.salt)
        started = time.perf_counter()
        derive("calibration", params)
        elapsed = time.perf_counter() - started
    return Calibration(params.with_new_salt(), elapsed)


def profile_params(profile: str | None = None) -> KdfParams:
    """Parameters for a new key: `test` uses the floor, anything else calibrates on this machine."""
    chosen = profile if profile is not None else os.environ.get("ITEXIT_KDF_PROFILE", "")
    if chosen == "test":
        return floor_params()
    return calibrate().params
