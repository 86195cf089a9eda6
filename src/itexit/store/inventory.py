"""The credential history: every verification, attestation and rotation step, sealed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from itexit.store.models import Base, Encrypted, utcnow


class CredentialEvent(Base, Encrypted):
    """One step in a credential's life; the server's words and attestation text are sealed."""

    __tablename__ = "credential_events"
    LABELS = ("credential_id", "kind", "outcome")

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    credential_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("credentials.id", ondelete="CASCADE"), nullable=False, index=True
    )
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    actor_name: Mapped[str] = mapped_column(String(80), nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    stage: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    status_after: Mapped[str] = mapped_column(String(24), nullable=False)


class WatchCheck(Base, Encrypted):
    """One re-test, after a rotation, that the old secret still fails and the new one works.

    The latest check of a credential is what the dashboard and reminders read: a finding of
    ``old_works`` is the old secret working again. The finding is bound into the sealed
    document's address, so relabelling it in SQL breaks decryption; the servers' words are sealed.
    """

    __tablename__ = "watch_checks"
    LABELS = ("credential_id", "finding", "old_outcome", "new_outcome")

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    credential_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("credentials.id", ondelete="CASCADE"), nullable=False, index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    actor_name: Mapped[str] = mapped_column(String(80), nullable=False)
    old_outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    new_outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    finding: Mapped[str] = mapped_column(String(16), nullable=False)
