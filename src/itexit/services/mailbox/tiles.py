"""The dashboard tile and the reminders of the monitored mailboxes, read live."""

from __future__ import annotations

from datetime import date, timedelta

from itexit.domain.models import Tile
from itexit.domain.reminders import Reminder, ReminderArea
from itexit.domain.roles import Permission
from itexit.domain.wording import count, day
from itexit.services.context import VaultContext
from itexit.services.mailbox.reviews import MailboxService


def tiles(ctx: VaultContext, today: date) -> list[Tile]:
    """Reviews overdue across the monitored mailboxes, read live."""
    if not ctx.can(Permission.MAILBOX_READ):
        return []
    statuses = MailboxService(ctx).statuses(today)
    if not statuses:
        return [
            Tile(
                key="mailbox",
                title="Mailbox reviews overdue",
                count=None,
                caption="no mailbox monitored yet",
                severity="idle",
                screen="mailbox",
            )
        ]
    overdue = [s for s in statuses if s.overdue]
    if overdue:
        worst = max(overdue, key=lambda s: s.days_overdue)
        caption = f"{worst.mailbox}: was due {day(worst.next_due, today)}" if worst.next_due else ""
    else:
        upcoming = min((s.next_due for s in statuses if s.next_due), default=None)
        caption = f"next review {day(upcoming, today)}" if upcoming else "past keep-until"
    return [
        Tile(
            key="mailbox",
            title="Mailbox reviews overdue",
            count=len(overdue),
            caption=caption,
            severity="alert" if overdue else "ok",
            screen="mailbox",
        )
    ]


def reminders(ctx: VaultContext, today: date) -> list[Reminder]:
    """The next review of each monitored mailbox: overdue, or due today or tomorrow."""
    if not ctx.can(Permission.MAILBOX_READ):
        return []
    out: list[Reminder] = []
    for status in MailboxService(ctx).statuses(today):
        if status.next_due is None or status.next_due > today + timedelta(days=1):
            continue
        detail = f"{count(status.new_messages, 'new message')}; reviewer {status.owner}"
        out.append(
            Reminder(
                area=ReminderArea.MAILBOX,
                title=f"Review the mailbox {status.address}",
                due=status.next_due,
                overdue=status.overdue,
                ref=status.mailbox,
                detail=detail,
            )
        )
    return out
