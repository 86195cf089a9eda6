"""Unlock KDF: calibrate Argon2id on this machine and report the chosen parameters and time."""

from __future__ import annotations

import statistics
import time

from itexit.vault import kdf


def main() -> None:
    calibration = kdf.calibrate()
    params = calibration.params
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        kdf.derive("benchmark passphrase", params)
        samples.append(time.perf_counter() - started)
    print(f"kdf: calibrated {params.label()} (target {kdf.TARGET_SECONDS:.2f} s)")
    print(f"kdf: unlock derivation median {statistics.median(samples):.3f} s over 5 runs")
    floor = kdf.floor_params()
    started = time.perf_counter()
    kdf.derive("benchmark passphrase", floor)
    print(f"kdf: floor profile {floor.label()} takes {time.perf_counter() - started:.3f} s")


if __name__ == "__main__":
    main()
