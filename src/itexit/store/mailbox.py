"""Monitored mailboxes, their synced message headers and the review log."""

from __future__ import annotations

from itexit.store.models import Base, Encrypted, Versioned, utcnow  # noqa: F401
