"""Reading the synced message headers: lists, filters, one message, counts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput, NotFound
from itexit.domain.mailbox import (
    ActionKind,
    MessageClass,
    MessageRow,
    Progress,
)
from itexit.domain.roles import Permission, Scope
from itexit.services.mailbox.common import (
    ProgressFn,
    aware,
    message_sealer,
)
from itexit.services.mailbox.editing import MailboxEditing
from itexit.store.mailbox import (
    MailAction,
    MailMessage,
)
from itexit.vault.scope_keys import MessageSealer

_EMPTY_DEFAULTS: dict[str, Any] = {}
_SEALED_DEFAULTS: dict[str, Any] = {
    "sender": "",
    "to": "",
    "subject": "",
    "list_id": "",
    "list_unsubscribe": "",
    "precedence": "",
    "message_id": "",
}


class Messages(MailboxEditing):
    """Message headers, opened with the bulk sealer when the key allows."""

    def _message_rows(self, session: Session, mailbox_id: str) -> Iterator[MailMessage]:
        stmt = (
            select(MailMessage)
            .where(MailMessage.mailbox_id == mailbox_id)
            .order_by(MailMessage.sent_at.desc(), MailMessage.id.desc())
            .execution_options(yield_per=5000)
        )
        yield from session.scalars(stmt)

    def _open(self, cipher: MessageSealer, row: MailMessage) -> dict[str, Any]:
        if row.epoch != cipher.epoch or row.version != 1:
            return self.ctx.unseal(row)
        aad = cipher.aad(row.id, row.mailbox_id, row.folder, row.uidvalidity, row.uid)
        return cipher.open(row.doc, aad)

    def _message(self, session: Session, mailbox_id: str, message_id: int) -> MailMessage:
        row = session.get(MailMessage, message_id)
        if row is None or row.mailbox_id != mailbox_id:
            raise NotFound(f"There is no message {message_id} in this mailbox.")
        return row

    def _to_row(
        self, row: MailMessage, doc: dict[str, Any] | None, unsubscribed: bool
    ) -> MessageRow:
        base: dict[str, Any] = {
            "id": row.id,
            "folder": row.folder,
            "date": aware(row.sent_at),
            "msg_class": MessageClass(row.msg_class),
            "manual": row.manual_class,
            "unsubscribed": unsubscribed,
        }
        if doc is None:
            return MessageRow.model_construct(**{**_SEALED_DEFAULTS, **base, "sealed": True})
        return MessageRow.model_construct(
            **_EMPTY_DEFAULTS,
            **base,
            sealed=False,
            sender=doc.get("f", ""),
            to=doc.get("t", ""),
            subject=doc.get("s", ""),
            list_id=doc.get("li", ""),
            list_unsubscribe=doc.get("lu", ""),
            precedence=doc.get("p", ""),
            message_id=doc.get("m", ""),
        )

    def messages(
        self,
        ref: str,
        search: str = "",
        msg_class: MessageClass | None = None,
        limit: int | None = None,
        progress: ProgressFn | None = None,
    ) -> list[MessageRow]:
        """Newest first, decrypted in memory; without the `cred` key only dates and classes."""
        self.ctx.require(Permission.MAILBOX_READ)
        needle = search.strip().lower()
        readable = self.ctx.holds(Scope.CRED)
        if needle and not readable:
            raise BadInput(
                "Searching subjects and senders needs the cred key, which your role lacks."
            )
        cipher = message_sealer(self.ctx) if readable else None
        out: list[MessageRow] = []
        with self.ctx.reading() as session:
            box = self._find(session, ref)
            total = self._count(session, box.id)
            unsubscribed = set(
                session.scalars(
                    select(MailAction.message_id).where(
                        MailAction.mailbox_id == box.id,
                        MailAction.kind == ActionKind.UNSUBSCRIBED.value,
                    )
                )
            )
            for done, row in enumerate(self._message_rows(session, box.id), start=1):
                if msg_class is not None and row.msg_class != msg_class.value:
                    continue
                doc = self._open(cipher, row) if cipher is not None else None
                item = self._to_row(row, doc, row.id in unsubscribed)
                if needle and needle not in item.haystack():
                    continue
                out.append(item)
                if limit is not None and len(out) >= limit:
                    break
                if progress is not None and done % 5000 == 0:
                    progress(Progress(done, total, "reading"))
        # leaving a list covers every message it sent, not only the one it was logged on
        left = {m.list_id for m in out if m.unsubscribed and m.list_id}
        if left:
            out = [
                m.model_copy(update={"unsubscribed": True})
                if not m.unsubscribed and m.list_id in left
                else m
                for m in out
            ]
        return out

    def message(self, ref: str, message_id: int) -> MessageRow:
        self.ctx.require(Permission.MAILBOX_READ)
        with self.ctx.reading() as session:
            box = self._find(session, ref)
            row = self._message(session, box.id, message_id)
            doc = self.ctx.unseal(row) if self.ctx.holds(Scope.CRED) else None
            unsubscribed = bool(
                session.scalar(
                    select(func.count())
                    .select_from(MailAction)
                    .where(
                        MailAction.message_id == row.id,
                        MailAction.kind == ActionKind.UNSUBSCRIBED.value,
                    )
                )
            )
            return self._to_row(row, doc, unsubscribed)

    def counts(self, ref: str) -> dict[str, int]:
        """How many messages of each class, without decrypting anything."""
        self.ctx.require(Permission.MAILBOX_READ)
        with self.ctx.reading() as session:
            box = self._find(session, ref)
            return {
                str(cls): int(n)
                for cls, n in session.execute(
                    select(MailMessage.msg_class, func.count())
                    .where(MailMessage.mailbox_id == box.id)
                    .group_by(MailMessage.msg_class)
                ).all()
            }
