"""Monitored mailboxes, their synced message headers and the review log.

Plaintext is what lists sort and filter on without a key: dates, classes, folder names, UIDs
and the mailbox's own address and server. Subjects, senders, recipients, List-Unsubscribe
targets, findings and notes live in each row's AEAD document (`cred` scope).
"""

from __future__ import annotations

import operator
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from itexit.store.models import Base, Encrypted, utcnow


class MonitoredMailbox(Base, Encrypted):
    """The departing person's mailbox kept open and reviewed; notes are sealed."""

    __tablename__ = "mailboxes"
    LABELS = ("name", "address")
    BOUND = ("imap_host", "imap_port", "tls", "credential_id")

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    address: Mapped[str] = mapped_column(String(254), nullable=False)
    imap_host: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    imap_port: Mapped[int] = mapped_column(Integer, nullable=False, default=993)
    tls: Mapped[str] = mapped_column(String(12), nullable=False, default="ssl")
    credential_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("credentials.id", ondelete="SET NULL"), nullable=True
    )
    left_on: Mapped[date] = mapped_column(Date, nullable=False)
    keep_until: Mapped[date] = mapped_column(Date, nullable=False)
    daily_weeks: Mapped[int] = mapped_column(Integer, nullable=False, default=4)
    owner: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    folders: Mapped[str] = mapped_column(Text, nullable=False, default='["INBOX"]')
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MailFolderState(Base):
    """Where the incremental sync of one folder stands: its UIDVALIDITY and the highest UID."""

    __tablename__ = "mail_folders"
    __table_args__ = (UniqueConstraint("mailbox_id", "folder", name="uq_mail_folders_folder"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mailbox_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("mailboxes.id", ondelete="CASCADE"), nullable=False
    )
    folder: Mapped[str] = mapped_column(String(255), nullable=False)
    uidvalidity: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    last_uid: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MailMessage(Base, Encrypted):
    """One message's headers. Written in bulk: ids are allocated by the service, version 1."""

    __tablename__ = "mail_messages"
    LABELS = ("mailbox_id", "folder", "uidvalidity", "uid")
    __table_args__ = (
        UniqueConstraint("mailbox_id", "folder", "uidvalidity", "uid", name="uq_mail_messages_uid"),
        Index("ix_mail_messages_mailbox_date", "mailbox_id", "sent_at"),
        Index("ix_mail_messages_mailbox_fingerprint", "mailbox_id", "fingerprint"),
        # renewal notices not yet handled, counted without reading the messages themselves
        Index("ix_mail_messages_class", "msg_class", "mailbox_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    mailbox_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("mailboxes.id", ondelete="CASCADE"), nullable=False
    )
    folder: Mapped[str] = mapped_column(String(255), nullable=False)
    uidvalidity: Mapped[int] = mapped_column(BigInteger, nullable=False)
    uid: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    msg_class: Mapped[str] = mapped_column(String(16), nullable=False, default="other")
    manual_class: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    fingerprint: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    """A keyed hash of the Message-ID, so a re-import of the same export adds nothing."""


class MailReview(Base, Encrypted):
    """One review of the mailbox: who, when, how many messages; the findings are sealed."""

    __tablename__ = "mail_reviews"
    LABELS = ("mailbox_id", "reviewer")
    __table_args__ = (Index("ix_mail_reviews_mailbox_at", "mailbox_id", "reviewed_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    mailbox_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("mailboxes.id", ondelete="CASCADE"), nullable=False
    )
    reviewer: Mapped[str] = mapped_column(String(80), nullable=False)
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    messages_reviewed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    actions: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_message_id: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    """The highest message id seen by this review; the next counts what came after."""


class MailAction(Base, Encrypted):
    """Something done about a message: unsubscribed, renewal created, forwarded, noted."""

    __tablename__ = "mail_actions"
    LABELS = ("mailbox_id", "kind")
    __table_args__ = (
        Index("ix_mail_actions_mailbox_at", "mailbox_id", "at"),
        Index("ix_mail_actions_message", "message_id", "kind"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    mailbox_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("mailboxes.id", ondelete="CASCADE"), nullable=False
    )
    message_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("mail_messages.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    by: Mapped[str] = mapped_column(String(80), nullable=False)


class MailRule(Base, Encrypted):
    """A practice's own classification rule; its patterns may name people, so they are sealed."""

    __tablename__ = "mail_rules"
    LABELS = ()

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- bulk insert ------------------------------------------------------------------------------

MAIL_MESSAGES = cast(Table, MailMessage.__table__)
_UNSET = object()


def insert_messages(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert many message rows at the driver, in the transaction of `session`.

    The statement is compiled once for the dialect and each column's own bind conversion is
    applied (dates to text on SQLite, none on PostgreSQL), so the rows stored are the ones
    `session.execute(insert, rows)` would store, without its per-value bookkeeping, which
    was a tenth of an import's time.
    """
    connection = session.connection()
    dialect = connection.dialect
    keys = list(rows[0])
    compiled = MAIL_MESSAGES.insert().compile(dialect=dialect, column_keys=keys)
    converters = [
        (key, convert)
        for key in keys
        if (convert := MAIL_MESSAGES.c[key].type.bind_processor(dialect)) is not None
    ]
    for key, convert in converters:
        seen_in: Any = _UNSET
        seen_out: Any = None
        for row in rows:
            value = row[key]
            if value is not seen_in:  # a batch shares one `updated_at`: convert it once
                seen_in, seen_out = value, convert(value)
            row[key] = seen_out
    params: list[Any] = rows
    if compiled.positional:
        params = list(map(operator.itemgetter(*(compiled.positiontup or [])), rows))
    connection.exec_driver_sql(str(compiled), params)


def next_message_id(session: Session) -> int:
    return int(session.scalar(select(func.max(MailMessage.id))) or 0) + 1
