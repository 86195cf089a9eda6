"""Changing a monitored mailbox later (its server, login, dates and review cadence), and the
departure date of the case whose person owns an address."""

from __future__ import annotations

from sqlalchemy import select

from itexit.domain.errors import BadInput, NotFound
from itexit.domain.mailbox import Mailbox, Tls, check_keep_until
from itexit.domain.mailbox_edit import CaseDeparture, MailboxChanges
from itexit.domain.people import norm_email
from itexit.domain.roles import Permission, Scope
from itexit.services.context import check_version
from itexit.services.mailbox.common import DEFAULT_PORTS, to_mailbox
from itexit.services.mailbox.mailboxes import Mailboxes
from itexit.services.people import load as load_people
from itexit.store.models import Credential

_LOCAL = ("", "localhost", "127.0.0.1", "::1")


class MailboxEditing(Mailboxes):
    """`Mailboxes` plus changing one and finding its departure date from the case."""

    def departures(self) -> dict[str, CaseDeparture]:
        """Each open case's departing person's addresses, with the case and its date; empty
        for a role that cannot read who is leaving."""
        self.ctx.require(Permission.MAILBOX_READ)
        if not self.ctx.holds(Scope.CRED) and not self.ctx.holds(Scope.HR):
            return {}
        with self.ctx.reading() as session:
            people = load_people(self.ctx, session, include_closed=False)
        found: dict[str, CaseDeparture] = {}
        for person in people:
            for email in person.emails:
                key = norm_email(email)
                if key and key not in found:
                    found[key] = CaseDeparture(
                        case_name=person.case_name, termination_date=person.termination_date
                    )
        return found

    def departure_of(self, address: str) -> CaseDeparture | None:
        """The open case whose departing person has `address`, if any."""
        return self.departures().get(norm_email(address))

    def edit(
        self, ref: str, changes: MailboxChanges, expected_version: int | None = None
    ) -> Mailbox:
        """Change a mailbox's server, login, dates or cadence; the same rules as adding it."""
        self.ctx.require(Permission.MAILBOX_REVIEW)
        host = changes.imap_host.strip()
        port = changes.imap_port or DEFAULT_PORTS[changes.tls]
        if not 0 < port < 65536:
            raise BadInput(f"{port} is not a port number.")
        if changes.tls is Tls.NONE and host not in _LOCAL:
            raise BadInput(
                "An IMAP login without TLS would send the password in the clear; "
                "use ssl or starttls."
            )
        if not 0 <= changes.daily_weeks <= 52:
            raise BadInput("Daily reviews last between 0 and 52 weeks after the departure.")
        check_keep_until(changes.left_on, changes.keep_until)
        with self.ctx.transaction() as session:
            row = self._find(session, ref)
            check_version(row, expected_version)
            credential_id, system = None, ""
            if changes.credential_id:
                cred = (
                    session.get(Credential, changes.credential_id)
                    or session.scalars(
                        select(Credential).where(Credential.system == changes.credential_id)
                    ).first()
                )
                if cred is None:
                    raise NotFound(f"There is no credential {changes.credential_id!r} to link.")
                credential_id, system = cred.id, cred.system
            before = {
                "server": row.imap_host,
                "port": row.imap_port,
                "tls": row.tls,
                "login": row.credential_id or "",
                "left_on": row.left_on.isoformat(),
                "keep_until": row.keep_until.isoformat(),
                "daily_weeks": row.daily_weeks,
            }
            row.imap_host = host[:255]
            row.imap_port = port
            row.tls = changes.tls.value
            row.credential_id = credential_id
            row.left_on = changes.left_on
            row.keep_until = changes.keep_until
            row.daily_weeks = changes.daily_weeks
            after = {
                "server": row.imap_host,
                "port": row.imap_port,
                "tls": row.tls,
                "login": row.credential_id or "",
                "left_on": row.left_on.isoformat(),
                "keep_until": row.keep_until.isoformat(),
                "daily_weeks": row.daily_weeks,
            }
            changed = {key: value for key, value in after.items() if before[key] != value}
            if not changed:
                return to_mailbox(row, self._count(session, row.id), system)
            if "login" in changed:
                changed["login"] = system or "none"
            self.ctx.touch(row)
            self.ctx.record(session, "mailbox.edit", row.name, mailbox_id=row.id, **changed)
            return to_mailbox(row, self._count(session, row.id), system)
