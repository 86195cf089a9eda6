"""Sweep findings and the departing person's identifiers the sweep matches against.

Plaintext is what lists, counts and the dashboard need without a key: the case, kind, host,
status, severity and dates. What was found (subject, why, what closes it, the evidence such as
a key fingerprint) and the person's accounts, addresses and keys live in sealed documents
(``cred`` scope).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from itexit.store.models import Base, Encrypted, utcnow


class SweepFinding(Base, Encrypted):
    """One way in found on a server, open until a re-check proves it gone (or risk accepted)."""

    __tablename__ = "sweep_findings"
    __table_args__ = (UniqueConstraint("case_id", "ident", name="uq_sweep_findings_case_ident"),)
    LABELS = ("case_id", "ident", "kind", "host", "status", "severity")

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    ident: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    host: Mapped[str] = mapped_column(String(300), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="open")
    severity: Mapped[str] = mapped_column(String(8), nullable=False, default="alert")
    found_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SweepIdentity(Base, Encrypted):
    """The departing person's accounts, addresses and public keys for one case (sealed)."""

    __tablename__ = "sweep_identities"
    LABELS = ("case_id",)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, unique=True
    )
