"""Contracts, licences, domains, certificates and subscriptions that renew."""

from __future__ import annotations

from itexit.store.models import Base, Encrypted, Versioned, utcnow  # noqa: F401
