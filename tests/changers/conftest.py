"""Fixtures for rotation carried out by itexit: a vault, and a way to reach each kind of server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from changer_systems import KINDS, MAKERS, Account, password

from vaulthelpers import Vault, new_vault

_SERVER_FIXTURE = {
    "postgresql": "pg_login_server",
    "mariadb": "mariadb_server",
    "ldap": "slapd_server",
    "ssh": "shell_sshd_server",
}


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    v = new_vault(tmp_path / "vault.sqlite")
    yield v
    v.close()


@pytest.fixture
def make_account(request: pytest.FixtureRequest) -> Callable[..., Account]:
    """``make_account(kind, admin=False)``: a fresh account on that kind's loopback server."""

    def make(kind: str, *, admin: bool = False, secret: str | None = None, n: int = 0) -> Account:
        server: Any = request.getfixturevalue(_SERVER_FIXTURE[kind])
        return MAKERS[kind](server, secret or password(), admin=admin, n=n)

    return make


__all__ = ["KINDS"]
