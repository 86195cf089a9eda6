"""The sweep area: findings on the practice's own servers, as use cases and as ledger entries."""

from __future__ import annotations

from itexit.services.sweep.findings import open_findings, record, reminders, tiles
from itexit.services.sweep.identity import departing_identity, known_key
from itexit.services.sweep.service import SweepService

__all__ = [
    "SweepService",
    "departing_identity",
    "known_key",
    "open_findings",
    "record",
    "reminders",
    "tiles",
]
