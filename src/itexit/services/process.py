"""What the process does for its secrets before anything else: never dump core."""

from __future__ import annotations

from itexit.vault.memory import dumpable, no_core_dumps

__all__ = ["dumpable", "harden_process"]


def harden_process() -> None:
    """Called first by the app and the command line (`vault.memory.no_core_dumps`)."""
    no_core_dumps()
