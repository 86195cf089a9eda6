"""Everything due or overdue across the vault, from each area of the registry."""

from __future__ import annotations

from datetime import date

from itexit.domain.reminders import Reminder
from itexit.services.areas import AREAS
from itexit.services.context import VaultContext


def collect(ctx: VaultContext, today: date) -> list[Reminder]:
    """Overdue first, critical first within that, then by due date."""
    items: list[Reminder] = []
    for area in AREAS:
        items.extend(area.reminders(ctx, today))
    return sorted(
        items,
        key=lambda r: (not r.overdue, not r.critical, r.due or date.max, r.area.value, r.title),
    )
