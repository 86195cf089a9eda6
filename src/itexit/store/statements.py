"""HR exit statements (hr scope) and the hand-over inbox that carries listed passwords to `cred`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from itexit.store.models import Base, Encrypted, utcnow


class ExitStatement(Base, Encrypted):
    """One statement per case; person, property, practice text and signing are in the document.

    Only the status is plain, so a consultant or auditor can see that a statement exists and
    how far it got. The status is bound into the AAD: relabelling a signed statement as a draft
    in SQL makes it fail to decrypt.
    """

    __tablename__ = "exit_statements"
    LABELS = ("case_id", "status")

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id"), nullable=False, unique=True
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="drafted")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HandoverKey(Base, Encrypted):
    """The inbox key pair of one epoch: the public half plain, the private half sealed (cred).

    Being an encrypted row, it is re-sealed under the new `cred` key when a person is removed,
    so hand-overs sealed to an older epoch's inbox still open afterwards.
    """

    __tablename__ = "handover_keys"
    LABELS = ("key_epoch", "public_key")

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key_epoch: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    public_key: Mapped[str] = mapped_column(String(64), nullable=False)
    signer_key: Mapped[str] = mapped_column(String(64), nullable=False)
    signature: Mapped[str] = mapped_column(String(128), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HandoverEntry(Base):
    """A password listed in an exit statement, sealed (HPKE) to an inbox key; opened once."""

    __tablename__ = "handover_entries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("handover_keys.id"), nullable=False, index=True
    )
    statement_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("exit_statements.id"), nullable=False, index=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80), nullable=False, default="")
