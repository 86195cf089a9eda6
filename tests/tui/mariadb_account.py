"""A due MariaDB login that itexit changes itself, on the loopback test server: what the
rotation campaign's screen tests rotate."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from itexit.domain.changing import ChangeMethod
from itexit.domain.credentials import NewCredential
from itexit.services.session import UnlockedVault


def self_changed_account(session: UnlockedVault, mariadb_server: Any, old: str) -> tuple[str, str]:
    """A new account on the server with the secret `old`, listed as known to the departing
    person and changed by itexit itself; its credential's id and the account's name."""
    account = str(mariadb_server.add_user(old))
    cid = session.credentials.add(
        NewCredential(
            system="Practice database",
            host=mariadb_server.host,
            port=mariadb_server.port,
            tls="none",
            username=account,
            secret=SecretStr(old),
            verifier="mariadb",
            known_to_departing=True,
        )
    ).id
    session.changing.set_method(cid, ChangeMethod.SELF)
    return cid, account
