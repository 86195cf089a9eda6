"""Search is done in SQL, so it must find exactly what type-to-filter finds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from itexit.domain.credentials import Category
from vaulthelpers import Vault, add_credential, new_vault


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    v = new_vault(db_url)
    yield v
    v.close()


def test_search_matches_system_host_and_category_and_treats_wildcards_literally(
    vault: Vault,
) -> None:
    session = vault.manager
    add_credential(session, "EHR Admin", category=Category.EHR)
    add_credential(session, "Registrar", category=Category.DOMAIN_REGISTRAR)
    add_credential(session, "Wi-Fi 100%", category=Category.WIFI)
    add_credential(session, "Backup_key", category=Category.BACKUP)
    add_credential(session, "UPSK router", category=Category.FIREWALL)

    def systems(text: str) -> list[str]:
        return [c.system for c in session.credentials.list(search=text)]

    assert systems("ehr") == ["EHR Admin"]
    assert systems("registrar.example") == ["Registrar"]  # the host add_credential gives it
    assert systems("EHR admin") == ["EHR Admin"]  # every word must match, any case
    assert systems("100%") == ["Wi-Fi 100%"]
    assert systems("%") == ["Wi-Fi 100%"]  # a wildcard in SQL would match everything
    assert systems("p_k") == ["Backup_key"]  # as a wildcard it would match "upsk" too
    assert systems("nothing-like-this") == []
    assert len(systems("")) == 5
