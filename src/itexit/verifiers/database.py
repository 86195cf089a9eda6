"""Database servers: log in as the account with the password and out again.

PostgreSQL and MariaDB share the shape: no account named is an ERROR before anything is sent;
the driver's error says why a login failed (each server's module reads its own errors); a
server that let the account in without asking for the password proves nothing.
"""

from __future__ import annotations

from typing import ClassVar

from itexit.domain.verify import Endpoint, VerifyResult
from itexit.verifiers.base import LoginVerifier, Stopwatch, where


class DatabaseVerifier(LoginVerifier):
    """A login verifier whose login is a database connection opened and closed."""

    account: ClassVar[str] = "account"
    """What the server calls the one who logs in, for messages ("PostgreSQL role")."""
    accepted_as: ClassVar[str] = "{username}"
    """How the accepted message names them."""
    driver_error: ClassVar[type[Exception]] = Exception
    """The driver's error for a login that did not happen; read by :meth:`failure`."""

    def connect(
        self, endpoint: Endpoint, port: int, username: str, secret: str, timeout: float
    ) -> bool:
        """Log in and close the connection; whether the server asked for the password."""
        raise NotImplementedError

    def failure(
        self,
        watch: Stopwatch,
        exc: Exception,
        at: str,
        endpoint: Endpoint,
        username: str,
        timeout: float,
    ) -> VerifyResult:
        """What the driver's error says: REJECTED, UNREACHABLE or ERROR."""
        raise NotImplementedError

    def refuse(self, watch: Stopwatch, endpoint: Endpoint, username: str) -> VerifyResult | None:
        if not username:
            return watch.error(f"No {self.account} is set on this credential.")
        return None

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
            asked = self.connect(endpoint, port, username, secret, timeout)
        except self.driver_error as exc:
            return self.failure(watch, exc, at, endpoint, username, timeout)
        if not asked:
            return watch.error(
                f"{at} let {username} in without asking for a password, so this proves "
                "nothing about the secret (the server trusts this connection)."
            )
        name = self.accepted_as.format(username=username)
        return watch.accepted(f"{at} accepted the login for {name}.")
