"""Real servers on loopback for verifier and mailbox tests, started by the tests themselves.

``tests/conftest.py`` star-imports this module, so every test can ask for these fixtures.
Servers are session-scoped and started on first use; users are function-scoped and fresh.
A server whose program is not installed (or, for sshd, a run without root) skips its tests
with the reason, unless ``ITEXIT_REQUIRE_SERVERS`` is set, which makes that a failure.
A program that is installed but does not start always fails.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from pgserver import MISSING_BINARIES, PgUnavailable

from .certs import TestCA
from .common import serve, started, unavailable
from .dovecot import DOVECOT_MISSING, DovecotServer, DovecotUnavailable
from .httpbasic import HttpBasicServer
from .linux import ShellSshServer
from .mariadb import MARIADB_MISSING, MariadbServer, MariadbUnavailable
from .pglogin import PgLoginServer
from .silent import SilentServer
from .slapd import SLAPD_MISSING, SlapdServer, SlapdUnavailable
from .smtpauth import SmtpAuthServer
from .sshd import NOT_ROOT, SSHD_MISSING, SshdUnavailable, SshServer

__all__ = [
    "dovecot_server",
    "http_server",
    "http_user",
    "imap_user",
    "ldap_user",
    "mariadb_server",
    "pg_login_server",
    "pg_role",
    "shell_sshd_server",
    "silent_server",
    "slapd_server",
    "smtp_server",
    "smtp_user",
    "ssh_login",
    "sshd_server",
    "tls_ca",
]

_counter = itertools.count(1)


def _password(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}"


def _listed_user(users: dict[str, str], name: str, prefix: str) -> Iterator[tuple[str, str]]:
    """A user with a fresh password in a Python server's user table, removed afterwards."""
    password = _password(prefix)
    users[name] = password
    try:
        yield name, password
    finally:
        users.pop(name, None)


@pytest.fixture(scope="session")
def tls_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    """A private CA, a server certificate for 127.0.0.1/localhost, and an unrelated CA."""
    return TestCA.make(Path(tmp_path_factory.mktemp("tls-ca")))


@pytest.fixture(scope="session")
def silent_server() -> Iterator[SilentServer]:
    """A port that accepts connections and never answers (for timeout tests)."""
    server = SilentServer()
    try:
        yield server
    finally:
        server.close()


# --- Dovecot (IMAP) ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def dovecot_server(tls_ca: TestCA) -> Iterator[DovecotServer]:
    """One real Dovecot (IMAP with STARTTLS, and IMAPS) for the session, on 127.0.0.1."""
    yield from serve(
        started(
            lambda: DovecotServer.start(tls_ca), DovecotUnavailable, [DOVECOT_MISSING], "Dovecot"
        )
    )


@pytest.fixture
def imap_user(dovecot_server: DovecotServer) -> Iterator[tuple[str, str]]:
    """A fresh IMAP user with an empty INBOX: ``(name, password)``; removed afterwards."""
    name = f"user{next(_counter)}"
    password = _password("imap")
    dovecot_server.add_user(name, password)
    try:
        yield name, password
    finally:
        dovecot_server.remove_user(name)


# --- OpenSSH ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sshd_server() -> Iterator[SshServer]:
    """A real sshd on 127.0.0.1 with one dedicated account (created and removed; needs root)."""
    yield from serve(
        started(
            lambda: SshServer.start(_password("ssh")),
            SshdUnavailable,
            [SSHD_MISSING, NOT_ROOT],
            "sshd",
        )
    )


@pytest.fixture
def ssh_login(sshd_server: SshServer) -> tuple[str, str]:
    """The sshd account with a fresh password: ``(name, password)``."""
    password = _password("ssh")
    sshd_server.set_password(password)
    return sshd_server.username, password


# --- SMTP (aiosmtpd) --------------------------------------------------------------------


@pytest.fixture(scope="session")
def smtp_server(tls_ca: TestCA) -> Iterator[SmtpAuthServer]:
    """SMTP with AUTH: ``starttls_port`` (STARTTLS) and ``tls_port`` (implicit TLS)."""
    yield from serve(SmtpAuthServer(tls_ca))


@pytest.fixture
def smtp_user(smtp_server: SmtpAuthServer) -> Iterator[tuple[str, str]]:
    yield from _listed_user(smtp_server.users, f"mailer{next(_counter)}@example.test", "smtp")


# --- HTTP Basic -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def http_server(tls_ca: TestCA) -> Iterator[HttpBasicServer]:
    """HTTPS with Basic authentication on ``/admin`` (see :mod:`servers.httpbasic`)."""
    yield from serve(HttpBasicServer(tls_ca))


@pytest.fixture
def http_user(http_server: HttpBasicServer) -> Iterator[tuple[str, str]]:
    yield from _listed_user(http_server.users, f"admin{next(_counter)}", "http")


# --- OpenLDAP ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def slapd_server(tls_ca: TestCA) -> Iterator[SlapdServer]:
    """A real slapd: ``ldap_port`` (StartTLS) and ``ldaps_port``, suffix dc=itexit,dc=test."""
    yield from serve(
        started(lambda: SlapdServer.start(tls_ca), SlapdUnavailable, [SLAPD_MISSING], "slapd")
    )


@pytest.fixture
def ldap_user(slapd_server: SlapdServer) -> tuple[str, str]:
    """A fresh person under ou=people: ``(uid, password)``."""
    uid = f"person{next(_counter)}"
    password = _password("ldap")
    slapd_server.add_user(uid, password)
    return uid, password


# --- PostgreSQL -------------------------------------------------------------------------


def _pg_required() -> bool:
    return os.environ.get("ITEXIT_REQUIRE_PG", "").strip() not in ("", "0")


@pytest.fixture(scope="session")
def pg_login_server(tls_ca: TestCA) -> Iterator[PgLoginServer]:
    """PostgreSQL asking for passwords (scram-sha-256) and offering TLS; see :mod:`pglogin`."""
    try:
        server = PgLoginServer.start(tls_ca)
    except PgUnavailable as exc:
        if _pg_required():
            pytest.fail(f"ITEXIT_REQUIRE_PG is set but PostgreSQL cannot run: {exc}")
        if str(exc) == MISSING_BINARIES:
            unavailable("PostgreSQL binaries (initdb, pg_ctl) are not installed")
        unavailable(str(exc))
    yield from serve(server)


@pytest.fixture
def pg_role(pg_login_server: PgLoginServer) -> tuple[str, str]:
    """A fresh login role: ``(name, password)``."""
    password = _password("pg")
    return pg_login_server.add_role(password), password


# --- MariaDB, and Linux accounts with a shell (for changing passwords) -----------------------


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[MariadbServer]:
    """A throwaway MariaDB on 127.0.0.1, run as the ``mysql`` user when the tests run as root."""
    yield from serve(started(MariadbServer.start, MariadbUnavailable, [MARIADB_MISSING], "MariaDB"))


@pytest.fixture(scope="session")
def shell_sshd_server() -> Iterator[ShellSshServer]:
    """sshd with accounts that may run passwd, and an admin that may sudo chpasswd (root only)."""
    yield from serve(
        started(
            ShellSshServer.start_shell,
            SshdUnavailable,
            [SSHD_MISSING, NOT_ROOT, "sudo is not installed (Debian package sudo)"],
            "sshd",
        )
    )
