"""HR exit statements and the property returned (hr scope)."""

from __future__ import annotations

from itexit.store.models import Base, Encrypted, Versioned, utcnow  # noqa: F401
