"""Contracts, licences, domains, certificates and subscriptions that renew."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from itexit.store.models import Base, Encrypted, utcnow


class Renewal(Base, Encrypted):
    """One renewing item; cost, owner, registrant and billing e-mails and notes are sealed.

    Vendor, item, kind and dates stay plaintext so the list sorts and filters without a key;
    the live-check target is a domain or host name (docs/security.md keeps host names in the clear).
    """

    __tablename__ = "renewals"
    LABELS = ("kind", "vendor", "item")
    BOUND = ("state",)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    vendor: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    item: Mapped[str] = mapped_column(String(200), nullable=False)
    renewal_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    auto_renew: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    notice_days: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    billing_cycle: Mapped[str] = mapped_column(String(16), nullable=False, default="annual")
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    departing_flag: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    departing_match: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    check_target: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    check_status: Mapped[str] = mapped_column(String(16), nullable=False, default="never")
    check_message: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
