"""Vendors, their services and authorised contacts.

Name, services, linked credential ids and the tied-to-departing flags are plaintext so every
role can list them; support details, the account number, notes and the contacts live in the
row's AEAD document in the `cred` scope.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from itexit.store.models import Base, Encrypted, utcnow


class Vendor(Base, Encrypted):
    __tablename__ = "vendors"
    LABELS = ("name",)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    services: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    """The services supplied, as a JSON list of names."""
    credential_ids: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    """Ids of the credentials of these services, as a JSON list."""
    contact_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    only_contact_departing: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    owner_departing: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    billing_departing: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
