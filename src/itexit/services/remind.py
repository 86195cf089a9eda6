"""Everything due or overdue across the vault: the checklist, renewals and mailbox reviews."""

from __future__ import annotations

from datetime import date

from itexit.domain.reminders import Reminder
from itexit.services import backups, checklist, mailbox, renewals, statements, watch
from itexit.services.context import VaultContext

AREAS = (watch, checklist, statements, renewals, mailbox, backups)


def collect(ctx: VaultContext, today: date) -> list[Reminder]:
    """Overdue first, critical first within that, then by due date."""
    items: list[Reminder] = []
    for area in AREAS:
        items.extend(area.reminders(ctx, today))
    return sorted(
        items,
        key=lambda r: (not r.overdue, not r.critical, r.due or date.max, r.area.value, r.title),
    )
