"""Every table of the vault, so migrations, wipes and the re-key see the whole schema."""

from __future__ import annotations

# Imported for their tables: each area module registers its classes on `Base`.
from itexit.store import (  # noqa: F401
    checklist,
    inventory,
    mailbox,
    people,
    renewals,
    statements,
    sweep,
    vendors,
)
from itexit.store.models import Base, Encrypted


def encrypted_models() -> list[type[Encrypted]]:
    """Every mapped class whose rows carry an AEAD document, in a stable order."""
    classes = [
        mapper.class_ for mapper in Base.registry.mappers if issubclass(mapper.class_, Encrypted)
    ]
    return sorted(classes, key=lambda cls: str(cls.__tablename__))  # type: ignore[attr-defined]


__all__ = ["Base", "encrypted_models"]
