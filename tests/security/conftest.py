"""The populated practice most security checks start from: on each backend, or on SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from vaulthelpers import Vault, opened, populated


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    """A consultant, an HR officer, a viewer and two credentials, on SQLite and PostgreSQL."""
    yield from opened(populated(db_url, credentials=2))


@pytest.fixture
def file_vault(tmp_path: Path) -> Iterator[Vault]:
    """For checks that do not depend on the backend: SQLite only, to keep the suite quick."""
    yield from opened(populated(tmp_path / "vault.sqlite", credentials=2))
