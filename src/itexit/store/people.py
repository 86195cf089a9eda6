"""The departing person of each case, and the risks someone chose to accept for a while."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from itexit.store.models import Base, Encrypted, utcnow


class PersonRow(Base, Encrypted):
    """A departing party: name, kind and vault account plain; e-mails and phones sealed.

    The identifiers are sealed in the `cred` scope when the person opening the case holds it
    (vendor contacts, renewal contacts and recovery channels they are matched against live
    there), else in `hr`.
    """

    __tablename__ = "people"
    LABELS = ("case_id", "full_name", "kind", "user_id")

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="employee")
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AcceptanceRow(Base, Encrypted):
    """An accepted risk: which exposure, who, until when (plain, in the AAD); why, sealed."""

    __tablename__ = "exposure_acceptances"
    LABELS = ("exposure_id", "accepted_by", "until")

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    exposure_id: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    accepted_by: Mapped[str] = mapped_column(String(80), nullable=False)
    until: Mapped[str] = mapped_column(String(10), nullable=False)
    """The last day the acceptance holds, YYYY-MM-DD (a string, so it binds into the AAD)."""
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
