"""Backups proven to restore, and the export that leaves itexit: the dashboard tile and the
reminder of this area (`tiles`, `reminders`), the service in `service`, the KeePass export in
`export`. Restoring replaces the whole vault before anyone is signed in, beside the gateway
(`services/restore.py`)."""

from __future__ import annotations

from datetime import date, timedelta

from itexit.domain.models import Tile
from itexit.domain.reminders import Reminder, ReminderArea
from itexit.domain.roles import Permission
from itexit.domain.wording import count
from itexit.services.context import VaultContext


def tiles(ctx: VaultContext, today: date) -> list[Tile]:
    """How old the last verified backup is, against the practice's limit."""
    if not ctx.can(Permission.VAULT_BACKUP):
        return []
    from itexit.services.backups.service import BackupService

    status = BackupService(ctx).status(today)
    age = status.age_days(today)
    limit = f"limit {count(status.max_age_days, 'day')}"
    if age is None:
        caption = f"none yet · {limit}"
    elif age == 0:
        caption = f"made today · {limit}"
    else:
        caption = f"{count(age, 'day')} old · {limit}"
    return [
        Tile(
            key="backups",
            title="Last verified backup",
            count=age,
            caption=caption,
            severity="alert" if status.overdue else ("warn" if age is None else "ok"),
            screen=None,
        )
    ]


def reminders(ctx: VaultContext, today: date) -> list[Reminder]:
    """A backup to make when the last verified one is at or past the limit (or there is none)."""
    if not ctx.can(Permission.VAULT_BACKUP):
        return []
    from itexit.services.backups.service import BackupService

    status = BackupService(ctx).status(today)
    if status.due > today + timedelta(days=1):
        return []
    age = status.age_days(today)
    detail = (
        "no backup has been verified yet"
        if age is None
        else f"the last verified backup is {count(age, 'day')} old"
    ) + f" (the practice's limit is {count(status.max_age_days, 'day')})"
    return [
        Reminder(
            area=ReminderArea.BACKUPS,
            title="Make a backup of the vault and keep it off this machine",
            due=status.due,
            overdue=status.overdue,
            ref="itexit backup",
            detail=detail,
        )
    ]
