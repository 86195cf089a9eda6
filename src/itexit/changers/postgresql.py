"""PostgreSQL: ``ALTER ROLE … PASSWORD`` with a SCRAM-SHA-256 verifier made here, then end the
role's other sessions.

The server receives only the verifier (``SCRAM-SHA-256$4096:salt$StoredKey:ServerKey``, RFC
5803), never the password, so ``log_statement`` or an error report cannot write it to the
server's logs. Open sessions survive a password change, so the role's other backends are ended
with ``pg_terminate_backend`` (a role may end its own; an admin needs the right to).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import secrets
import stringprep
import unicodedata
from typing import Any

import psycopg
from psycopg import sql

from itexit.changers.base import (
    AuthRefused,
    CannotChange,
    LoginChanger,
    SecretRefused,
    Trusting,
    Unreachable,
)
from itexit.domain.verify import Endpoint, TlsMode
from itexit.verifiers.postgresql import DEFAULT_PORTS, _root_cert

ITERATIONS = 4096
"""PostgreSQL's own default for ``scram_iterations``."""


def saslprep(password: str) -> bytes:
    """RFC 4013 SASLprep as PostgreSQL applies it; a password it cannot prepare is used raw.

    PostgreSQL does the same (``pg_saslprep``): prohibited or unassigned characters, or broken
    bidirectional text, mean the UTF-8 bytes are hashed as they are.
    """
    raw = password.encode("utf-8")
    if password.isascii():
        return raw
    mapped = "".join(
        " " if stringprep.in_table_c12(c) else "" if stringprep.in_table_b1(c) else c
        for c in password
    )
    text = unicodedata.normalize("NFKC", mapped)
    if not text:
        return raw
    prohibited = (
        stringprep.in_table_c12,
        stringprep.in_table_c21_c22,
        stringprep.in_table_c3,
        stringprep.in_table_c4,
        stringprep.in_table_c5,
        stringprep.in_table_c6,
        stringprep.in_table_c7,
        stringprep.in_table_c8,
        stringprep.in_table_c9,
        stringprep.in_table_a1,
    )
    if any(check(c) for c in text for check in prohibited):
        return raw
    if any(stringprep.in_table_d1(c) for c in text) and (
        any(stringprep.in_table_d2(c) for c in text)
        or not stringprep.in_table_d1(text[0])
        or not stringprep.in_table_d1(text[-1])
    ):
        return raw
    return text.encode("utf-8")


def scram_verifier(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (rolpassword's format)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", saslprep(password), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


_AUTH_FAILED = ("password authentication failed", "does not exist")


class PostgresqlChanger(LoginChanger):
    name = "postgresql"
    default_ports = DEFAULT_PORTS

    def connect(self, endpoint: Endpoint, username: str, secret: str, timeout: float) -> Any:
        params: dict[str, str | int] = {
            "host": endpoint.host,
            "port": endpoint.port or DEFAULT_PORTS[endpoint.tls],
            "user": username,
            "password": secret,
            "dbname": endpoint.path.strip() or "postgres",
            "connect_timeout": max(2, round(timeout)),
            "application_name": "itexit-changer",
            "gssencmode": "disable",
            "autocommit": 1,
        }
        if endpoint.tls is TlsMode.NONE:
            params["sslmode"] = "disable"
        else:
            params["sslmode"] = "verify-full"
            params["sslrootcert"] = _root_cert(endpoint)
        autocommit = bool(params.pop("autocommit"))
        try:
            conn = psycopg.connect(autocommit=autocommit, **params)  # type: ignore[arg-type]
        except psycopg.OperationalError as exc:
            text = str(exc).lower()
            if any(hint in text for hint in _AUTH_FAILED):
                raise AuthRefused(str(exc)) from None
            if "connection refused" in text:
                raise Unreachable(
                    "it refused the connection (nothing is listening there)"
                ) from None
            if "timeout" in text:
                raise Unreachable("it did not answer in time") from None
            if "certificate" in text or "ssl" in text:
                raise Unreachable("its TLS certificate is not trusted; nothing was sent") from None
            raise Unreachable(_reason(exc)) from None
        if not conn.pgconn.used_password:
            conn.close()
            raise Trusting
        return conn

    def set_secret(
        self, conn: Any, username: str, old: str, new: str, as_admin: bool, timeout: float
    ) -> str:
        statement = sql.SQL("ALTER ROLE {} PASSWORD {}").format(
            sql.Identifier(username), sql.Literal(scram_verifier(new))
        )
        try:
            conn.execute(statement)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise CannotChange(
                f"Role {username} may not be changed with this login ({_reason(exc)})"
            ) from None
        except psycopg.errors.UndefinedObject as exc:
            raise CannotChange(f"There is no role {username} ({_reason(exc)})") from None
        except psycopg.Error as exc:
            state = exc.sqlstate or ""
            if state.startswith(("22", "28")):
                raise SecretRefused(_reason(exc)) from None
            raise
        return f"the password of role {username} was changed (sent as a SCRAM verifier)"

    def end_sessions(self, conn: Any, username: str, as_admin: bool) -> int:
        try:
            row = conn.execute(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE usename = %s AND pid <> pg_backend_pid()",
                (username,),
            ).fetchone()
        except psycopg.Error:
            return 0
        return int(row[0]) if row else 0

    def close(self, conn: Any) -> None:
        with contextlib.suppress(Exception):
            conn.close()


def _reason(exc: psycopg.Error) -> str:
    primary = exc.diag.message_primary if getattr(exc, "diag", None) else None
    text = primary or str(exc)
    return text.rsplit("FATAL:", 1)[-1].strip()
