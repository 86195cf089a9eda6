"""Accounts on the real loopback servers, and the credentials that describe them in a vault.

Each ``make_*`` creates a fresh account with ``password`` on a running server and returns the
:class:`NewCredential` for it (and, with ``admin=True``, an admin account's credential too),
so a test or the bench adds them to a vault and lets itexit change them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql
from pydantic import SecretStr

from itexit.domain.credentials import Category, NewCredential
from servers.pglogin import GROUP

KINDS = ("postgresql", "mariadb", "ldap", "ssh")


def password(prefix: str = "Old") -> str:
    return f"{prefix}-{secrets.token_hex(6)}-Aa1!"


@dataclass
class Account:
    """One account on a server: its credential, and how a test reads or resets it there."""

    kind: str
    username: str
    credential: NewCredential
    server: Any
    extra: dict[str, str] = field(default_factory=dict)

    def reset(self, value: str) -> None:
        """Set the password on the server behind itexit's back (as a person might)."""
        if self.kind == "postgresql":
            self.server.set_password(self.username, value)
        elif self.kind == "mariadb":
            for host in ("%", "localhost"):
                self.server.set_password(self.username, value, host)
        elif self.kind == "ldap":
            self.server.set_password(self.username, value)
        else:
            self.server.set_account_password(self.username, value)


def _cred(kind: str, system: str, username: str, secret: str, **kw: Any) -> NewCredential:
    return NewCredential(
        system=system,
        category=Category.SERVER,
        username=username,
        secret=SecretStr(secret),
        known_to_departing=True,
        verifier=kind,
        **kw,
    )


def make_postgresql(server: Any, secret: str, *, admin: bool = False, n: int = 0) -> Account:
    role = server.add_role(secret)
    if admin:
        with server.server.connect() as conn:
            conn.execute(sql.SQL("ALTER ROLE {} SUPERUSER").format(sql.Identifier(role)))
    common = {
        "host": server.host,
        "port": server.port,
        "tls": "tls",
        "path": "postgres",
        "endpoint_options": {"ca_file": server.ca_file},
    }
    label = "admin" if admin else "role"
    cred = _cred("postgresql", f"PostgreSQL {label} {n} {role}", role, secret, **common)
    return Account("postgresql", role, cred, server, {"group": GROUP})


def make_mariadb(server: Any, secret: str, *, admin: bool = False, n: int = 0) -> Account:
    hosts = ("%",) if admin else ("%", "localhost")
    name = server.add_user(secret, hosts=hosts)
    if admin:
        server.grant_admin(name)
    label = "admin" if admin else "account"
    cred = _cred(
        "mariadb",
        f"MariaDB {label} {n} {name}",
        name,
        secret,
        host=server.host,
        port=server.port,
        tls="none",
    )
    return Account("mariadb", name, cred, server)


def make_ldap(server: Any, secret: str, *, admin: bool = False, n: int = 0) -> Account:
    common = {
        "host": server.host,
        "port": server.ldaps_port,
        "tls": "tls",
        "endpoint_options": {"ca_file": server.ca_file},
    }
    if admin:
        cred = _cred("ldap", f"LDAP directory admin {n}", server.root_dn, server._root_pw, **common)
        return Account("ldap", server.root_dn, cred, server)
    uid = f"user{secrets.token_hex(4)}"
    server.add_user(uid, secret)
    cred = _cred(
        "ldap",
        f"LDAP person {n} {uid}",
        uid,
        secret,
        path=f"uid={{username}},{server.people}",
        **common,
    )
    return Account("ldap", uid, cred, server)


def make_ssh(server: Any, secret: str, *, admin: bool = False, n: int = 0) -> Account:
    name = server.add_account(secret, sudo_chpasswd=admin)
    label = "admin" if admin else "account"
    cred = _cred(
        "ssh",
        f"Linux {label} {n} {name}",
        name,
        secret,
        host=server.host,
        port=server.port,
        endpoint_options={"host_key": server.host_key_fingerprint},
    )
    return Account("ssh", name, cred, server)


MAKERS = {
    "postgresql": make_postgresql,
    "mariadb": make_mariadb,
    "ldap": make_ldap,
    "ssh": make_ssh,
}
