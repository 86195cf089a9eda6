"""MariaDB / MySQL: log in as the account with the password (PyMySQL, pure Python).

TLS (``tls`` or ``starttls``: MariaDB negotiates TLS inside its own protocol) verifies the
certificate against ``ca_file`` (or the system store) and the host name; ``none`` sends the
password's scramble without TLS. Access denied (1045) is REJECTED; ``Endpoint.path`` is
ignored (no database is needed to log in).
"""

from __future__ import annotations

import contextlib
import ssl
from typing import Any

import pymysql

from itexit.domain.verify import Endpoint, TlsMode, VerifyResult
from itexit.verifiers.base import LoginVerifier, Stopwatch, one_line, tls_context, where
from itexit.verifiers.reasons import from_text

DEFAULT_PORTS = {TlsMode.TLS: 3306, TlsMode.STARTTLS: 3306, TlsMode.NONE: 3306}

ACCESS_DENIED = 1045
UNREACHABLE_CODES = (2002, 2003, 2005, 2006, 2013)


def connect(endpoint: Endpoint, username: str, secret: str, timeout: float) -> Any:
    """An open PyMySQL connection (autocommit) or the driver's exception."""
    ssl_context: ssl.SSLContext | None = None
    if endpoint.tls is not TlsMode.NONE:
        ssl_context = tls_context(endpoint)
    return pymysql.connect(
        host=endpoint.host,
        port=endpoint.port or DEFAULT_PORTS[endpoint.tls],
        user=username,
        password=secret,
        connect_timeout=max(1, round(timeout)),
        read_timeout=max(1, round(timeout)),
        write_timeout=max(1, round(timeout)),
        ssl=ssl_context,
        autocommit=True,
        program_name="itexit",
    )


def error_code(exc: BaseException) -> int:
    args = getattr(exc, "args", ())
    return int(args[0]) if args and isinstance(args[0], int) else 0


def error_text(exc: BaseException) -> str:
    args: tuple[object, ...] = tuple(getattr(exc, "args", ()))
    return one_line(str(args[1]) if len(args) > 1 else str(exc))


def unreachable_reason(exc: BaseException) -> str:
    """Why the server could not be reached, in words a person reads (no driver jargon)."""
    text = error_text(exc).lower()
    if "refused" in text:
        return "it refused the connection (nothing is listening there)"
    if "timed out" in text or "timeout" in text:
        return "it did not answer in time"
    if "name or service not known" in text or "nodename" in text:
        return "its host name cannot be resolved"
    if "lost connection" in text or "gone away" in text:
        return "it closed the connection before the login finished"
    return error_text(exc)


class MariadbVerifier(LoginVerifier):
    name = "mariadb"
    default_ports = DEFAULT_PORTS
    account = "MariaDB account"

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
        try:
            conn = connect(endpoint, username, secret, timeout)
        except pymysql.err.MySQLError as exc:
            code = error_code(exc)
            if code == ACCESS_DENIED:
                return watch.rejected(f"{at} refused the password for {username}.")
            sentence = from_text(error_text(exc), endpoint.host, at, timeout)
            if sentence is not None:
                return watch.unreachable(sentence)
            if code in UNREACHABLE_CODES:
                return watch.unreachable(f"{at} cannot be reached: {unreachable_reason(exc)}.")
            return watch.error(f"{at} did not complete the login ({error_text(exc)}).")
        with contextlib.suppress(Exception):
            conn.close()
        # MariaDB always asks for the password: there is no passwordless trust to rule out.
        return watch.accepted(f"{at} accepted the login for {username}.")
