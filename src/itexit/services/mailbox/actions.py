"""What was done about a message: unsubscribed, renewal created, forwarded, noted."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput
from itexit.domain.mailbox import (
    ActionEntry,
    ActionKind,
    NewAction,
    preferred_unsubscribe,
)
from itexit.domain.roles import Permission, Scope
from itexit.services.mailbox.common import (
    aware,
    now,
)
from itexit.services.mailbox.ingest import Ingest
from itexit.store.mailbox import (
    MailAction,
    MonitoredMailbox,
)

if TYPE_CHECKING:
    from itexit.domain.renewals import NewRenewal


class Actions(Ingest):
    """The action log."""

    def _to_action(self, row: MailAction) -> ActionEntry:
        doc = self.ctx.unseal(row) if self.ctx.holds(Scope.CRED) else None
        return ActionEntry(
            id=row.id,
            kind=ActionKind(row.kind),
            at=aware(row.at) or row.at,
            by=row.by,
            message_id=row.message_id,
            target=(doc or {}).get("target", ""),
            note=(doc or {}).get("note", ""),
            sealed=doc is None,
            renewal_id=(doc or {}).get("renewal_id") or "",
        )

    def _log(self, session: Session, box: MonitoredMailbox, action: NewAction) -> MailAction:
        if action.message_id is not None:
            self._message(session, box.id, action.message_id)
        row = MailAction(
            id=str(uuid.uuid4()),
            mailbox_id=box.id,
            message_id=action.message_id,
            kind=action.kind.value,
            at=now(),
            by=self.ctx.actor.name,
            version=1,
        )
        self.ctx.seal(
            row,
            {"target": action.target, "note": action.note, "renewal_id": action.renewal_id},
            Scope.CRED,
        )
        session.add(row)
        session.flush()
        self.ctx.record(
            session,
            f"mailbox.{action.kind.value}",
            box.name,
            action_id=row.id,
            message=action.message_id,
            renewal_id=action.renewal_id,
        )
        return row

    def log_action(self, ref: str, action: NewAction) -> ActionEntry:
        self.ctx.require(Permission.MAILBOX_REVIEW)
        if action.kind is ActionKind.FORWARDED and not action.target.strip():
            raise BadInput("Say who the message was forwarded to.")
        if action.kind is ActionKind.NOTED and not action.note.strip():
            raise BadInput("A note needs some text.")
        with self.ctx.transaction() as session:
            box = self._find(session, ref)
            return self._to_action(self._log(session, box, action))

    def log_unsubscribe(self, ref: str, message_id: int, note: str = "") -> ActionEntry:
        """Record that the list was left (itexit sends no mail): the target is kept with it."""
        self.ctx.require(Permission.MAILBOX_REVIEW)
        row = self.message(ref, message_id)
        target = preferred_unsubscribe(row.list_unsubscribe)
        if not target:
            raise BadInput(
                "This message has no List-Unsubscribe header: unsubscribe on the sender's site "
                "and log it as a note."
            )
        return self.log_action(
            ref,
            NewAction(
                kind=ActionKind.UNSUBSCRIBED, message_id=message_id, target=target, note=note
            ),
        )

    def create_renewal(self, ref: str, message_id: int, new: NewRenewal) -> ActionEntry:
        """Record the renewal a notice announces, and log it against the message."""
        from itexit.services.renewals.service import RenewalService

        self.ctx.require(Permission.MAILBOX_REVIEW)
        with self.ctx.transaction() as session:
            box = self._find(session, ref)
            self._message(session, box.id, message_id)  # before anything is written
            # the notice path checked for duplicates itself (--new, --link)
            renewal = RenewalService(self.ctx).add(new, even_if_listed=True)  # joins this one
            action = NewAction(
                kind=ActionKind.RENEWAL_CREATED,
                message_id=message_id,
                target=f"{new.vendor}: {new.item}",
                renewal_id=renewal.id,
            )
            return self._to_action(self._log(session, box, action))

    def actions(self, ref: str) -> list[ActionEntry]:
        self.ctx.require(Permission.MAILBOX_READ)
        with self.ctx.reading() as session:
            box = self._find(session, ref)
            rows = session.scalars(
                select(MailAction)
                .where(MailAction.mailbox_id == box.id)
                .order_by(MailAction.at.desc())
            )
            return [self._to_action(row) for row in rows]
