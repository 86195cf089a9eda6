"""Changing a monitored mailbox after it was added: its IMAP server and login, its departure
and keep-until dates, how long reviews stay daily."""

from __future__ import annotations

from datetime import date

from itexit.domain.mailbox import Frozen, Tls


class MailboxChanges(Frozen):
    """The whole editable part of a mailbox, as the form or `mailbox edit` leaves it."""

    imap_host: str = ""
    imap_port: int = 0
    """0 picks the usual port for the TLS mode (993 or 143)."""
    tls: Tls = Tls.SSL
    credential_id: str | None = None
    """The credential (by id or system name) holding the login; None for none."""
    left_on: date
    keep_until: date
    daily_weeks: int


class CaseDeparture(Frozen):
    """The open case whose departing person has a mailbox's address."""

    case_name: str
    termination_date: date
