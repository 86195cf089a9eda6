"""The core never pulls in the UI toolkit, and the domain stays free of storage and crypto."""

from __future__ import annotations

from loaded_modules import loaded_after_import

CORE_MODULES = [
    "itexit.services.gateway",
    "itexit.services.session",
    "itexit.services.users.service",
    "itexit.services.credentials.service",
    "itexit.services.audit",
    "itexit.domain.models",
    "itexit.store.models",
    "itexit.vault.keys",
]


def top_level(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_services_and_domain_do_not_import_textual() -> None:
    loaded = loaded_after_import(CORE_MODULES)
    assert "itexit.services.gateway" in loaded  # the import really happened
    assert "textual" not in top_level(loaded)
    assert not {m for m in loaded if m.startswith(("itexit.screens", "itexit.widgets"))}
    assert "itexit.app" not in loaded


def test_domain_imports_only_stdlib_and_pydantic() -> None:
    loaded = top_level(loaded_after_import(["itexit.domain.models", "itexit.domain.credentials"]))
    for forbidden in ("sqlalchemy", "cryptography", "argon2", "alembic", "textual", "keyring"):
        assert forbidden not in loaded, forbidden
    assert "pydantic" in loaded
