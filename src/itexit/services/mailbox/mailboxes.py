"""Starting to monitor a mailbox, listing and finding them, choosing folders."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itexit.domain.duplicates import mailbox_described, mailbox_duplicates
from itexit.domain.errors import BadInput, Blocked, NotFound
from itexit.domain.mailbox import (
    Mailbox,
    NewMailbox,
    Tls,
    check_keep_until,
    default_keep_until,
)
from itexit.domain.roles import Permission, Scope
from itexit.services.context import VaultContext, check_version
from itexit.services.mailbox.common import (
    DEFAULT_PORTS,
    to_mailbox,
)
from itexit.store.mailbox import (
    MailMessage,
    MonitoredMailbox,
)
from itexit.store.models import Credential


class Mailboxes:
    """The monitored mailboxes themselves; the groups of use cases below build on it."""

    def __init__(self, ctx: VaultContext) -> None:
        self.ctx = ctx

    # --- mailboxes ------------------------------------------------------------------------

    def _find(self, session: Session, ref: str) -> MonitoredMailbox:
        ref = ref.strip()
        row = session.scalars(
            select(MonitoredMailbox).where(
                (MonitoredMailbox.name == ref)
                | (MonitoredMailbox.address == ref)
                | (MonitoredMailbox.id == ref)
            )
        ).first()
        if row is None:
            raise NotFound(f"There is no monitored mailbox {ref!r}.")
        return row

    def _count(self, session: Session, mailbox_id: str) -> int:
        return int(
            session.scalar(
                select(func.count())
                .select_from(MailMessage)
                .where(MailMessage.mailbox_id == mailbox_id)
            )
            or 0
        )

    def _system(self, session: Session, credential_id: str | None) -> str:
        if not credential_id:
            return ""
        cred = session.get(Credential, credential_id)
        return cred.system if cred is not None else ""

    def duplicates(self, address: str) -> list[Mailbox]:
        """Mailboxes already monitored at `address`."""
        return mailbox_duplicates(address, self.list_mailboxes())

    def add(self, new: NewMailbox, *, even_if_listed: bool = False) -> Mailbox:
        """Start monitoring a mailbox; refuses a keep-until less than a year after leaving,
        and an address already monitored unless the person says so (`even_if_listed`)."""
        self.ctx.require(Permission.MAILBOX_REVIEW)
        address = new.address.strip().lower()
        if "@" not in address or address.startswith("@") or address.endswith("@"):
            raise BadInput(f"{new.address!r} is not an e-mail address.")
        found = [] if even_if_listed else self.duplicates(address)
        if found:
            raise Blocked(
                f"This looks like {mailbox_described(found[0])} already listed; add --new "
                "to monitor it again."
            )
        name = (new.name.strip() or address)[:120]
        keep_until = new.keep_until or default_keep_until(new.left_on)
        check_keep_until(new.left_on, keep_until)
        if not 0 <= new.daily_weeks <= 52:
            raise BadInput("Daily reviews last between 0 and 52 weeks after the departure.")
        folders = [f.strip() for f in new.folders if f.strip()]
        if not folders:
            raise BadInput("Choose at least one folder to monitor (INBOX at least).")
        port = new.imap_port or DEFAULT_PORTS[new.tls]
        if not 0 < port < 65536:
            raise BadInput(f"{port} is not a port number.")
        host = new.imap_host.strip()
        if new.tls is Tls.NONE and host not in ("", "localhost", "127.0.0.1", "::1"):
            raise BadInput(
                "An IMAP login without TLS would send the password in the clear; "
                "use ssl or starttls."
            )
        row = MonitoredMailbox(
            id=str(uuid.uuid4()),
            name=name,
            address=address,
            imap_host=host[:255],
            imap_port=port,
            tls=new.tls.value,
            credential_id=new.credential_id or None,
            left_on=new.left_on,
            keep_until=keep_until,
            daily_weeks=new.daily_weeks,
            owner=(new.owner.strip() or self.ctx.actor.name)[:80],
            folders=json.dumps(folders),
            version=1,
        )
        with self.ctx.transaction() as session:
            if session.scalars(
                select(MonitoredMailbox.id).where(MonitoredMailbox.name == name)
            ).first():
                raise BadInput(f"A monitored mailbox is already called {name!r}.")
            system = ""
            if row.credential_id:
                cred = (
                    session.get(Credential, row.credential_id)
                    or session.scalars(
                        select(Credential).where(Credential.system == row.credential_id)
                    ).first()
                )
                if cred is None:
                    raise NotFound(f"There is no credential {row.credential_id!r} to link.")
                row.credential_id, system = cred.id, cred.system
            self.ctx.seal(row, {"notes": new.notes}, Scope.CRED)
            session.add(row)
            session.flush()
            self.ctx.record(
                session,
                "mailbox.add",
                name,
                mailbox_id=row.id,
                address=address,
                keep_until=keep_until.isoformat(),
                credential_id=row.credential_id or "",
            )
            return to_mailbox(row, 0, system)

    def list_mailboxes(self) -> list[Mailbox]:
        self.ctx.require(Permission.MAILBOX_READ)
        with self.ctx.reading() as session:
            counts = dict(
                session.execute(
                    select(MailMessage.mailbox_id, func.count()).group_by(MailMessage.mailbox_id)
                ).all()
            )
            return [
                to_mailbox(
                    row, int(counts.get(row.id, 0)), self._system(session, row.credential_id)
                )
                for row in session.scalars(select(MonitoredMailbox).order_by(MonitoredMailbox.name))
            ]

    def get(self, ref: str) -> Mailbox:
        self.ctx.require(Permission.MAILBOX_READ)
        with self.ctx.reading() as session:
            row = self._find(session, ref)
            return to_mailbox(
                row, self._count(session, row.id), self._system(session, row.credential_id)
            )

    def set_folders(
        self, ref: str, folders: list[str], expected_version: int | None = None
    ) -> Mailbox:
        self.ctx.require(Permission.MAILBOX_REVIEW)
        chosen = [f.strip() for f in folders if f.strip()]
        if not chosen:
            raise BadInput("Choose at least one folder to monitor (INBOX at least).")
        with self.ctx.transaction() as session:
            row = self._find(session, ref)
            check_version(row, expected_version)
            row.folders = json.dumps(chosen)
            self.ctx.touch(row)
            self.ctx.record(session, "mailbox.folders", row.name, folders=chosen)
            return to_mailbox(row, self._count(session, row.id))
