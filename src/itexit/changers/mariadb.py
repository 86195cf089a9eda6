"""MariaDB / MySQL: ``ALTER USER`` for every host variant of the account, then ``KILL`` its other
sessions.

``'clinic'@'%'`` and ``'clinic'@'localhost'`` are two accounts with two passwords: an admin
change reads every host the user name has in ``mysql.user`` and changes each one; a self-change
can only reach the account it logged in as (``CURRENT_USER()``), and says so when that is all it
did. The password goes as its ``mysql_native_password`` hash (``IDENTIFIED BY PASSWORD
'*…'``), computed here, so the general log and the binary log never hold it in the clear. A
server that checks password quality itself (``strict_password_validation`` with a validation
plugin) refuses a hash it cannot check; that is reported as its refusal.
"""

from __future__ import annotations

import contextlib
import hashlib
from typing import Any

import pymysql

from itexit.changers.base import (
    AuthRefused,
    CannotChange,
    LoginChanger,
    SecretRefused,
    Unreachable,
)
from itexit.domain.verify import Endpoint
from itexit.verifiers.mariadb import (
    ACCESS_DENIED,
    DEFAULT_PORTS,
    UNREACHABLE_CODES,
    connect,
    error_code,
    error_text,
    unreachable_reason,
)

#: the server refused the password itself: too weak (1819), a hash it cannot check (1290), or
#: used before (password_reuse_check also answers 1819)
REFUSAL_CODES = (1819, 1290, 1372, 1827)
NO_RIGHT_CODES = (1044, 1142, 1227, 1396)


def native_hash(password: str) -> str:
    """The ``mysql_native_password`` hash: ``*`` and SHA1(SHA1(password)) in upper-case hex."""
    inner = hashlib.sha1(password.encode("utf-8")).digest()  # noqa: S324 (the server's format)
    return "*" + hashlib.sha1(inner).hexdigest().upper()  # noqa: S324


class MariadbChanger(LoginChanger):
    name = "mariadb"
    default_ports = DEFAULT_PORTS

    def connect(self, endpoint: Endpoint, username: str, secret: str, timeout: float) -> Any:
        try:
            return connect(endpoint, username, secret, timeout)
        except pymysql.err.MySQLError as exc:
            code = error_code(exc)
            if code == ACCESS_DENIED:
                raise AuthRefused(error_text(exc)) from None
            if code in UNREACHABLE_CODES:
                raise Unreachable(unreachable_reason(exc)) from None
            raise CannotChange(f"The login did not complete ({error_text(exc)})") from None

    def set_secret(
        self, conn: Any, username: str, old: str, new: str, as_admin: bool, timeout: float
    ) -> str:
        hashed = native_hash(new)
        with conn.cursor() as cur:
            try:
                if as_admin:
                    cur.execute(
                        "SELECT Host FROM mysql.user WHERE User = %s ORDER BY Host", (username,)
                    )
                    hosts = [str(r[0]) for r in cur.fetchall()]
                    if not hosts:
                        raise CannotChange(f"There is no MariaDB account called {username}")
                    for host in hosts:
                        cur.execute(
                            "ALTER USER %s@%s IDENTIFIED BY PASSWORD %s", (username, host, hashed)
                        )
                    listed = ", ".join(f"'{username}'@'{h}'" for h in hosts)
                    return f"the password of {listed} was changed"
                cur.execute("SELECT CURRENT_USER()")
                row = cur.fetchone()
                me = str(row[0]) if row else username
                cur.execute("SET PASSWORD = %s", (hashed,))
                return (
                    f"the password of {me} was changed (a self-change reaches only this host "
                    "variant; link an admin credential to change every one)"
                )
            except pymysql.err.MySQLError as exc:
                code = error_code(exc)
                reason = _refusal(cur) if code == 1396 else ""
                if reason:
                    raise SecretRefused(reason) from None
                if code in REFUSAL_CODES:
                    raise SecretRefused(_plain(code, error_text(exc))) from None
                if code in NO_RIGHT_CODES:
                    raise CannotChange(
                        f"{username} may not be changed with this login ({error_text(exc)})"
                    ) from None
                raise

    def end_sessions(self, conn: Any, username: str, as_admin: bool) -> int:
        ended = 0
        with conn.cursor() as cur:
            try:
                cur.execute(
                    "SELECT ID FROM information_schema.PROCESSLIST "
                    "WHERE USER = %s AND ID <> CONNECTION_ID()",
                    (username,),
                )
                ids = [int(r[0]) for r in cur.fetchall()]
            except pymysql.err.MySQLError:
                return 0
            for session_id in ids:
                with contextlib.suppress(pymysql.err.MySQLError):
                    cur.execute("KILL CONNECTION %s", (session_id,))
                    ended += 1
        return ended

    def close(self, conn: Any) -> None:
        with contextlib.suppress(Exception):
            conn.close()


def _refusal(cur: Any) -> str:
    """The server's own reason for refusing a password, from the warnings of the failed ALTER."""
    try:
        cur.execute("SHOW WARNINGS")
        rows = [(int(r[1]), str(r[2])) for r in cur.fetchall()]
    except pymysql.err.MySQLError:
        return ""
    reasons = [_plain(c, m) for c, m in rows if c in REFUSAL_CODES]
    return "; ".join(dict.fromkeys(reasons))[:200]


def _plain(code: int, message: str) -> str:
    if code == 1290 and "strict-password-validation" in message:
        return (
            "it checks password quality itself and so will not take a password sent as a hash; "
            "set this one by hand"
        )
    return message.split(": ", 1)[-1]
