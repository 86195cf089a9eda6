"""What every sweep reader shares: where it connects, with which admin account, and limits.

A reader gets a :class:`Target` (an admin credential from the inventory, its secret already
read for this use) and the departing person's identity, and returns a
:class:`~itexit.domain.sweep.HostReport`. It never raises for what a server holds or how it
behaves: hostile or broken content and unreachable hosts become one sentence in ``problems``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from itexit.domain.sweep import DepartingIdentity, Finding, HostReport
from itexit.domain.verify import Endpoint
from itexit.verifiers.base import one_line, scrub, where

DEFAULT_TIMEOUT = 15.0
"""Seconds one host may take (connect, log in and read) before the sweep moves on."""

READ_LIMIT = 1024 * 1024
"""Bytes read from any one file or script; a larger one is read up to this and named."""

MAX_ENTRIES = 20_000
"""Lines looked at in any one file; the rest are named as skipped."""


@dataclass(frozen=True)
class Target:
    """One host to sweep, through one admin credential of the inventory."""

    credential_id: str
    system: str
    protocol: str
    endpoint: Endpoint
    username: str
    secret: str = field(repr=False)
    mailboxes: tuple[str, ...] = ()
    """For mail: the practice's mailboxes on that server (from the inventory)."""

    @property
    def host(self) -> str:
        port = (
            self.endpoint.port if self.endpoint.port is not None else DEFAULT_PORTS[self.protocol]
        )
        return f"{self.protocol}://{where(self.endpoint, port)}"

    @property
    def port(self) -> int:
        return (
            self.endpoint.port if self.endpoint.port is not None else DEFAULT_PORTS[self.protocol]
        )


DEFAULT_PORTS = {"ssh": 22, "sieve": 4190, "postgresql": 5432, "mariadb": 3306, "ldap": 389}


class SweepProblem(Exception):
    """Something on this host stopped the reading: the message is one sentence for a person."""


def report(target: Target) -> HostReport:
    return HostReport(host=target.host, system=target.system, protocol=target.protocol)


def sentence(target: Target, exc: BaseException) -> str:
    """One sentence for a failure on a host, with the secret masked whatever the library said."""
    if isinstance(exc, SweepProblem):
        text = str(exc)
    elif isinstance(exc, TimeoutError):
        text = f"{target.host} did not answer in time; it was skipped."
    elif isinstance(exc, ConnectionRefusedError):
        text = f"{target.host} refused the connection (nothing is listening there)."
    elif isinstance(exc, OSError):
        text = f"{target.host} cannot be reached ({exc.strerror or type(exc).__name__})."
    else:
        text = f"{target.host} could not be read ({type(exc).__name__}: {one_line(str(exc))})."
    return scrub(text, target.secret)


Reader = Callable[[Target, DepartingIdentity, float], HostReport]


def bounded(
    reader: Reader, target: Target, identity: DepartingIdentity, timeout: float
) -> HostReport:
    """Run ``reader`` with a hard deadline: a host that hangs is named, and the sweep goes on."""
    box: dict[str, HostReport | BaseException] = {}
    started = time.monotonic()

    def work() -> None:
        try:
            box["out"] = reader(target, identity, timeout)
        except BaseException as exc:  # reported below as one sentence
            box["out"] = exc

    thread = threading.Thread(target=work, daemon=True, name=f"sweep {target.host}")
    thread.start()
    thread.join(timeout + 5)
    out = box.get("out")
    seconds = round(time.monotonic() - started, 3)
    if isinstance(out, HostReport):
        return out.model_copy(update={"seconds": seconds})
    problem = (
        f"{target.host} gave no answer within {timeout + 5:g} s; it was skipped."
        if out is None
        else sentence(target, out)
    )
    return report(target).model_copy(
        update={"reached": False, "problems": [problem], "seconds": seconds}
    )


def finding(target: Target, **fields: object) -> Finding:
    """A finding on this target's host, with its stable ident."""
    return Finding.model_validate(
        {"host": target.host, "system": target.system, **fields}
    ).with_ident()
