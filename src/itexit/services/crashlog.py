"""Unexpected failures go to a private log: the type and the traceback, never local values."""

from __future__ import annotations

import os
import traceback
from datetime import UTC, datetime

from itexit import locations


def record_crash(exc: BaseException) -> str:
    """Append the traceback (no locals, no arguments) to the log, readable by the owner only."""
    path = locations.log_path()
    try:
        locations.ensure_home()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as handle:
            handle.write(f"--- {datetime.now(UTC).isoformat()} {type(exc).__name__}\n")
            handle.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    except OSError:
        return "(the log could not be written)"
    return str(path)
