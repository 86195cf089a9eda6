"""One key derivation in a new interpreter each time, as a command meets it when it unlocks.

A derivation repeated in one process reuses memory the process already holds; a command's
single derivation takes fresh memory, which costs more, and more again after a pause on a
virtual machine that hands free memory back to its host.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from itexit.vault.kdf import KdfParams


def kdf_seconds(params: KdfParams, runs: int, pause: float = 0.0) -> float:
    """The median time of `runs` derivations with `params`, each in a new process, each after
    `pause` seconds."""
    code = (
        "import time\n"
        "from itexit.vault import kdf\n"
        f"p = kdf.KdfParams({params.memory_kib}, {params.time_cost}, {params.parallelism}, "
        f"bytes.fromhex({params.salt.hex()!r}))\n"
        "started = time.perf_counter()\n"
        "kdf.derive('benchmark passphrase', p)\n"
        "print(time.perf_counter() - started)\n"
    )
    samples = []
    for _ in range(runs):
        time.sleep(pause)
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        samples.append(float(result.stdout))
    return statistics.median(samples)
