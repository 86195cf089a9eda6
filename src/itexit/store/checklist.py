"""Cases and their tasks: the termination checklist."""

from __future__ import annotations

from itexit.store.models import Base, Encrypted, Versioned, utcnow  # noqa: F401
