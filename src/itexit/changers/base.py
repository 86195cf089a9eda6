"""What every changer shares: the order secrets are tried in, timing, and one-sentence results.

A changer gets the account (endpoint, user name), the new secret, the secrets it may log in
with as the account itself (pending first, then current, then previous, so that a run after a
crash finds whichever one the system has now), or else an admin login. It never raises for a
refusal or a network failure: it reports a :class:`~itexit.domain.changing.ChangeResult` whose
detail has passed through ``scrub`` for every secret it was given.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from itexit.domain.changing import ChangeOutcome, ChangeResult
from itexit.domain.verify import Endpoint, TlsMode
from itexit.domain.wording import count
from itexit.verifiers.base import Stopwatch, network_failure, one_line, port_for, scrub, where


@dataclass(frozen=True)
class Login:
    """Where and as whom to log in to make the change; the secret stays in memory only."""

    endpoint: Endpoint
    username: str
    secret: str = ""

    def __repr__(self) -> str:  # never print the secret in a traceback or a log
        return f"Login({self.endpoint.host!r}, {self.username!r})"


class Changer(Protocol):
    name: str

    def change(
        self,
        target: Endpoint,
        username: str,
        new: str,
        tries: Sequence[tuple[str, str]],
        admin: Login | None,
        timeout: float,
    ) -> ChangeResult:
        """Set ``new`` on the account; never raise for a refusal or a network failure."""
        ...


class AuthRefused(Exception):
    """The system refused the login (this secret does not open the account)."""


class SecretRefused(Exception):
    """The system refused the new secret; the message is the system's reason."""


class CannotChange(Exception):
    """The login worked but the change cannot be made (no right to, no such account…)."""


class Unreachable(Exception):
    """The system could not be reached; the message says how (no secret in it)."""


class Trusting(Exception):
    """The system let the account in without asking for the secret: nothing can be proven."""


class Report:
    """Builds results with timings, scrubbing every secret the changer was given."""

    def __init__(self, changer: str, secrets: Sequence[str]) -> None:
        self.changer = changer
        self._secrets = [s for s in secrets if s]
        self.connect_seconds = 0.0
        self.set_seconds = 0.0
        self.logged_in_with = ""
        self.sessions_ended = 0

    def clean(self, text: str) -> str:
        for secret in self._secrets:
            text = scrub(text, secret)
        return text

    def result(self, outcome: ChangeOutcome, detail: str) -> ChangeResult:
        return ChangeResult(
            changer=self.changer,
            outcome=outcome,
            detail=self.clean(detail),
            logged_in_with=self.logged_in_with,
            sessions_ended=self.sessions_ended,
            connect_seconds=round(self.connect_seconds, 3),
            set_seconds=round(self.set_seconds, 3),
        )


class LoginChanger:
    """The algorithm every changer follows; subclasses open a connection and set the secret.

    Self-change: try each secret in ``tries`` until one logs in; if it was the pending one, the
    system has the new secret already (ALREADY). Admin change: log in with the admin credential.
    Then set the secret, end the account's other sessions, and close.
    """

    name: str = ""
    default_ports: ClassVar[dict[TlsMode, int]] = {}

    def change(
        self,
        target: Endpoint,
        username: str,
        new: str,
        tries: Sequence[tuple[str, str]],
        admin: Login | None,
        timeout: float,
    ) -> ChangeResult:
        username = self.account_name(target, username)
        secrets = [new, *(s for _, s in tries), admin.secret if admin else ""]
        report = Report(self.name, secrets)
        if not new:
            return report.result(ChangeOutcome.ERROR, "The new secret is empty; nothing was sent.")
        if not username:
            return report.result(ChangeOutcome.ERROR, "No user name is set on this credential.")
        if any("\x00" in s or "\n" in s or "\r" in s for s in secrets if s):
            return report.result(
                ChangeOutcome.ERROR,
                "A secret holds a line break or NUL character, which this system cannot take.",
            )
        endpoint = admin.endpoint if admin else target
        port = port_for(endpoint, self.default_ports)
        try:
            return self._run(report, target, username, new, tries, admin, timeout)
        except CannotChange as exc:
            return report.result(ChangeOutcome.ERROR, f"{one_line(str(exc), 200)}.")
        except Unreachable as exc:
            at = where(endpoint, port)
            return report.result(
                ChangeOutcome.UNREACHABLE, f"{at} cannot be reached: {one_line(str(exc), 160)}."
            )
        except Exception as exc:
            watch = Stopwatch(self.name, new)
            failed = network_failure(watch, exc, endpoint, port, timeout)
            if failed is not None:
                return report.result(ChangeOutcome.UNREACHABLE, failed.detail)
            return report.result(
                ChangeOutcome.ERROR,
                f"The change failed unexpectedly ({type(exc).__name__}: {one_line(str(exc))}).",
            )

    def _run(
        self,
        report: Report,
        target: Endpoint,
        username: str,
        new: str,
        tries: Sequence[tuple[str, str]],
        admin: Login | None,
        timeout: float,
    ) -> ChangeResult:
        at = where(target, port_for(target, self.default_ports))
        conn: Any = None
        started = time.monotonic()
        try:
            if admin is not None:
                try:
                    conn = self.connect(admin.endpoint, admin.username, admin.secret, timeout)
                except AuthRefused:
                    report.connect_seconds = time.monotonic() - started
                    return report.result(
                        ChangeOutcome.NO_LOGIN,
                        f"{where(admin.endpoint, port_for(admin.endpoint, self.default_ports))} "
                        f"refused the admin credential ({admin.username}): fix that one first.",
                    )
                report.logged_in_with = "admin"
            else:
                for stage, secret in tries:
                    if not secret:
                        continue
                    try:
                        conn = self.connect(target, username, secret, timeout)
                    except AuthRefused:
                        continue
                    report.logged_in_with = stage
                    break
                if conn is None:
                    report.connect_seconds = time.monotonic() - started
                    return report.result(
                        ChangeOutcome.NO_LOGIN,
                        f"{at} refused every stored secret for {username}, so itexit cannot "
                        "log in to change it: reset it on the system, then find which works.",
                    )
            report.connect_seconds = time.monotonic() - started
            started = time.monotonic()
            if report.logged_in_with == "pending":
                report.sessions_ended = self.end_sessions(conn, username, admin is not None)
                report.set_seconds = time.monotonic() - started
                return report.result(
                    ChangeOutcome.ALREADY, f"{at} already takes the new secret for {username}."
                )
            old = "" if admin else dict(tries).get(report.logged_in_with, "")
            try:
                done = self.set_secret(conn, username, old, new, admin is not None, timeout)
            except SecretRefused as exc:
                report.set_seconds = time.monotonic() - started
                return report.result(
                    ChangeOutcome.REFUSED,
                    f"{at} refused the new secret for {username} "
                    f"({one_line(str(exc), 160)}); nothing was changed.",
                )
            report.sessions_ended = self.end_sessions(conn, username, admin is not None)
            report.set_seconds = time.monotonic() - started
            ended = (
                f"; {count(report.sessions_ended, 'other session')} ended"
                if report.sessions_ended
                else ""
            )
            return report.result(ChangeOutcome.CHANGED, f"{at}: {done}{ended}.")
        except Trusting:
            return report.result(
                ChangeOutcome.ERROR,
                f"{at} let {username} in without asking for a password, so itexit cannot tell "
                "which secret works there (the server trusts this connection).",
            )
        finally:
            if conn is not None:
                self.close(conn)

    # --- what each system does ---------------------------------------------------------------

    def account_name(self, target: Endpoint, username: str) -> str:
        """The name the system knows the account by; the user name itself unless it differs."""
        return username

    def connect(self, endpoint: Endpoint, username: str, secret: str, timeout: float) -> Any:
        """An open, logged-in connection; AuthRefused when the system refuses the secret."""
        raise NotImplementedError

    def set_secret(
        self, conn: Any, username: str, old: str, new: str, as_admin: bool, timeout: float
    ) -> str:
        """Set the new secret; returns what was done; SecretRefused with the system's reason."""
        raise NotImplementedError

    def end_sessions(self, conn: Any, username: str, as_admin: bool) -> int:
        """End the account's other live sessions (they survive a password change); how many."""
        return 0

    def close(self, conn: Any) -> None:
        raise NotImplementedError
