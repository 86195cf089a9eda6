"""PostgreSQL: open a connection as the role with the password (libpq through psycopg).

TLS (``tls`` or ``starttls``: PostgreSQL negotiates TLS inside its own protocol) uses
``sslmode=verify-full``: the certificate must chain to ``ca_file`` (or the system store) and
name the host. ``none`` sends the password without TLS (``sslmode=disable``). A server that
lets the role in without asking for a password (``trust``) proves nothing: that is an ERROR,
not an ACCEPTED. ``Endpoint.path`` is the database name (default ``postgres``).
"""

from __future__ import annotations

import ssl

import psycopg

from itexit.domain.verify import Endpoint, TlsMode, VerifyResult
from itexit.verifiers.base import LoginVerifier, Stopwatch, one_line, where
from itexit.verifiers.reasons import from_text

DEFAULT_PORTS = {TlsMode.TLS: 5432, TlsMode.STARTTLS: 5432, TlsMode.NONE: 5432}

_UNREACHABLE_HINTS = (
    "connection refused",
    "could not connect",
    "timeout expired",
    "could not translate host name",
    "no route to host",
    "network is unreachable",
    "server closed the connection",
    "the database system is starting up",
    "the database system is shutting down",
)


def _root_cert(endpoint: Endpoint) -> str:
    if endpoint.ca_file:
        return endpoint.ca_file
    if psycopg.pq.version() >= 160000:
        return "system"
    return ssl.get_default_verify_paths().cafile or "system"


class PostgresqlVerifier(LoginVerifier):
    name = "postgresql"
    default_ports = DEFAULT_PORTS
    account = "PostgreSQL role"

    def login(
        self,
        watch: Stopwatch,
        endpoint: Endpoint,
        port: int,
        username: str,
        secret: str,
        timeout: float,
    ) -> VerifyResult:
        at = where(endpoint, port)
        dbname = endpoint.path.strip() or "postgres"
        params: dict[str, str | int] = {
            "host": endpoint.host,
            "port": port,
            "user": username,
            "password": secret,
            "dbname": dbname,
            "connect_timeout": max(2, round(timeout)),
            "application_name": "itexit-verifier",
            "gssencmode": "disable",
        }
        if endpoint.tls is TlsMode.NONE:
            params["sslmode"] = "disable"
        else:
            params["sslmode"] = "verify-full"
            params["sslrootcert"] = _root_cert(endpoint)
        try:
            with psycopg.connect(**params) as conn:  # type: ignore[arg-type]
                asked = bool(conn.pgconn.used_password)
        except psycopg.Error as exc:
            return _failure(watch, exc, at, endpoint, dbname, timeout)
        if not asked:
            return watch.error(
                f"{at} let {username} in without asking for a password, so this proves "
                "nothing about the secret (the server trusts this connection)."
            )
        return watch.accepted(f"{at} accepted the login for role {username}.")


def _failure(
    watch: Stopwatch, exc: psycopg.Error, at: str, endpoint: Endpoint, dbname: str, timeout: float
) -> VerifyResult:
    """What the driver's error says: REJECTED, UNREACHABLE or ERROR."""
    text = str(exc)
    lower = text.lower()
    server_said = one_line(text.rsplit("FATAL:", 1)[-1]) if "FATAL:" in text else ""
    if "password authentication failed" in lower:
        return watch.rejected(f"{at} refused the password ({server_said}).")
    if "role" in lower and "does not exist" in lower:
        return watch.rejected(f"{at} has no such role ({server_said}).")
    sentence = from_text(text, endpoint.host, at, timeout)
    if sentence is not None:
        return watch.unreachable(sentence)
    if any(hint in lower for hint in _UNREACHABLE_HINTS):
        return watch.unreachable(f"{at} cannot be reached ({one_line(text, 160)}).")
    if "no pg_hba.conf entry" in lower and "no encryption" in lower:
        return watch.error(
            f"{at} accepts only encrypted connections: turn on checking the server's "
            "certificate for this credential."
        )
    if f'database "{dbname}" does not exist' in text:
        return watch.error(
            f"{at} has no database named {dbname}; set the database on the credential."
        )
    return watch.error(f"{at} did not complete the login ({server_said or one_line(text)}).")
