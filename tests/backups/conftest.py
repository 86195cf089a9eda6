"""Fixtures for backups: a second database to restore into, and a fresh workstation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def other_db_url(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as `db_url`, to restore into."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/restored.sqlite"
        return
    server = request.getfixturevalue("pg_server")
    name = f"itexit_restore_{uuid.uuid4().hex[:16]}"
    url = server.create_database(name)
    try:
        yield url
    finally:
        try:
            server.drop_database(name)
        except Exception as exc:  # cleanup must not fail the test
            print(f"warning: could not drop test database {name}: {exc}")


@pytest.fixture
def new_workstation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Another machine: an app home that has never seen the vault (no witness)."""
    home = tmp_path / "new-machine"
    home.mkdir()
    monkeypatch.setenv("ITEXIT_HOME", str(home))
    return home
