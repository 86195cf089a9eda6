"""What is due or overdue across the vault, as `itexit remind` and the dashboard report it."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import ConfigDict

from itexit.domain.base import Model


class ReminderArea(StrEnum):
    CHECKLIST = "checklist"
    RENEWALS = "renewals"
    MAILBOX = "mailbox"
    BACKUPS = "backups"
    CREDENTIALS = "credentials"


class Reminder(Model):
    """One thing someone must do, with the date it is due and whether it is already late."""

    model_config = ConfigDict(frozen=True)

    area: ReminderArea
    title: str
    due: date | None
    overdue: bool
    critical: bool = False
    ref: str = ""
    """The id a command takes to act on it (case/task, renewal, mailbox name)."""
    detail: str = ""
