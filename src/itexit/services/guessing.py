"""Slowing down someone guessing passphrases at this workstation.

Failures are counted per vault and user name (names nobody has included, so a wait says nothing
about who exists) in a small private file in the data directory. From the fifth failure in a
row each further attempt must wait, doubling from 2 seconds up to 5 minutes; a success clears
the count. Someone with the database file can still guess offline at Argon2's cost: this only
makes the app and the command line a poor place to do it.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from itexit import locations
from itexit.domain.errors import AuthenticationFailed

FREE_FAILURES = 5
FIRST_WAIT_SECONDS = 2.0
LONGEST_WAIT_SECONDS = 300.0


def _path() -> Path:
    return locations.home() / "unlock-failures.json"


@contextmanager
def _locked() -> Iterator[dict[str, Any]]:
    """The failure counts, read and written back under a lock (several processes may fail)."""
    locations.ensure_home()
    path = _path()
    lock_fd = os.open(path.with_name(".unlock-failures.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        before = json.dumps(data, sort_keys=True)
        yield data
        if json.dumps(data, sort_keys=True) != before:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".unlock-failures-")
            with os.fdopen(fd, "w") as handle:
                json.dump(data, handle)
            os.replace(tmp, path)
    finally:
        os.close(lock_fd)


def _key(vault_id: str, name: str) -> str:
    return f"{vault_id}/{name.strip().casefold()}"


def wait_seconds(failures: int) -> float:
    """How long after the last failure the next attempt must wait."""
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(FIRST_WAIT_SECONDS * 2.0 ** (failures - FREE_FAILURES), LONGEST_WAIT_SECONDS))


def check(vault_id: str, name: str) -> None:
    """Refuse an attempt made too soon after repeated failures, saying how long to wait."""
    try:
        with _locked() as data:
            entry = data.get(_key(vault_id, name))
    except OSError:
        return  # an unwritable data directory must not stop an unlock
    if not isinstance(entry, dict):
        return
    failures, last = int(entry.get("failures", 0)), float(entry.get("last", 0.0))
    remaining = last + wait_seconds(failures) - time.time()
    if remaining > 0:
        seconds = max(1, round(remaining))
        raise AuthenticationFailed(
            f"Too many wrong passphrases for {name.strip()} in a row on this computer: "
            f"wait {seconds} second{'s' if seconds != 1 else ''}, then try again."
        )


def failed(vault_id: str, name: str) -> None:
    try:
        with _locked() as data:
            entry = data.get(_key(vault_id, name))
            failures = int(entry.get("failures", 0)) if isinstance(entry, dict) else 0
            data[_key(vault_id, name)] = {"failures": failures + 1, "last": time.time()}
    except OSError:
        return


def succeeded(vault_id: str, name: str) -> None:
    try:
        with _locked() as data:
            data.pop(_key(vault_id, name), None)
    except OSError:
        return
