"""Every table of the vault, so migrations, wipes and the re-key see the whole schema."""

from __future__ import annotations

from itexit.store import checklist, inventory, mailbox, models, renewals, statements, vendors
from itexit.store.models import Base, Encrypted

AREA_MODULES = (models, inventory, checklist, statements, vendors, renewals, mailbox)


def encrypted_models() -> list[type[Encrypted]]:
    """Every mapped class whose rows carry an AEAD document, in a stable order."""
    classes = [
        mapper.class_ for mapper in Base.registry.mappers if issubclass(mapper.class_, Encrypted)
    ]
    return sorted(classes, key=lambda cls: str(cls.__tablename__))  # type: ignore[attr-defined]


__all__ = ["AREA_MODULES", "Base", "encrypted_models"]
