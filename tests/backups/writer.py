"""Another process writing to the vault: adds credentials until told to stop.

Run as `python writer.py URL STOPFILE` with the tests folder on the path; prints `ready`
once unlocked, then the count written.
"""

from __future__ import annotations

import sys
from pathlib import Path

from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation
from vaulthelpers import MANAGER, MANAGER_PASS, add_credential


def main() -> None:
    url, stop = sys.argv[1], Path(sys.argv[2])
    gateway = Gateway.open(VaultLocation(url=url))
    session = gateway.unlock(MANAGER, MANAGER_PASS)
    print("ready", flush=True)
    written = 0
    while not stop.exists():
        add_credential(session, f"Busy{written:05d}", secret=f"busy-secret-{written}")
        written += 1
    print(written, flush=True)
    gateway.close()


if __name__ == "__main__":
    main()
