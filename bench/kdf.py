"""Unlock KDF: calibrate Argon2id on this machine, report the parameters and the time, and set
the Argon2 built for this CPU (when the environment has it) against argon2-cffi's."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from fresh_process import kdf_seconds

from itexit.vault import argon2_native, kdf

RUNS = 5


def median_seconds(derive: Callable[[], object]) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        derive()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    native = argon2_native.available()
    built = f"native build ({native.path})" if native is not None else "argon2-cffi"
    print(f"kdf: Argon2 in use: {built}")
    calibration = kdf.calibrate()
    params = calibration.params
    print(f"kdf: calibrated {params.label()} (target {kdf.TARGET_SECONDS:.2f} s)")
    unlock = median_seconds(lambda: kdf.derive("benchmark passphrase", params))
    print(f"kdf: unlock derivation median {unlock:.3f} s over {RUNS} runs")
    print(
        "kdf: first derivation in a fresh process (as a command unlocks), median of "
        f"{RUNS}: {kdf_seconds(params, RUNS):.3f} s"
    )
    if native is not None and native.huge_pages:
        native.huge_pages = False  # Argon2's own malloc, 4 KiB pages
        try:
            small_pages = median_seconds(lambda: kdf.derive("benchmark passphrase", params))
        finally:
            native.huge_pages = True
        print(
            f"kdf: the same with malloc's 4 KiB pages {small_pages:.3f} s; "
            f"2 MiB pages / 4 KiB pages = {unlock / small_pages:.2f}"
        )
    if native is not None:
        real = argon2_native.available
        argon2_native.available = lambda: None  # type: ignore[assignment]
        try:
            portable = median_seconds(lambda: kdf.derive("benchmark passphrase", params))
        finally:
            argon2_native.available = real  # type: ignore[assignment]
        print(
            f"kdf: the same derivation with argon2-cffi {portable:.3f} s; "
            f"native / argon2-cffi = {unlock / portable:.2f}"
        )
    floor = kdf.floor_params()
    started = time.perf_counter()
    kdf.derive("benchmark passphrase", floor)
    print(f"kdf: floor profile {floor.label()} takes {time.perf_counter() - started:.3f} s")


if __name__ == "__main__":
    main()
