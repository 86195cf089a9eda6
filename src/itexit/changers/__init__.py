"""Change a secret on the system itself: PostgreSQL, MariaDB, OpenLDAP, Linux over SSH.

``get_changer(name)`` returns the changer for a credential's verifier name, or None when
itexit cannot change that kind of system (a person does, and itexit verifies).
``run_with_timeout`` runs one change in a worker thread with a hard deadline. A changer never
raises for a refusal or a network failure; its detail never holds a secret. See
``docs/rotation.md``.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence

from itexit.changers import ldap, mariadb, postgresql, ssh
from itexit.changers.base import Changer, Login
from itexit.domain.changing import ChangeOutcome, ChangeResult
from itexit.domain.verify import Endpoint

__all__ = ["CHANGER_NAMES", "Changer", "Login", "get_changer", "run_with_timeout"]

_CHANGERS: dict[str, Changer] = {
    "postgresql": postgresql.PostgresqlChanger(),
    "mariadb": mariadb.MariadbChanger(),
    "ldap": ldap.LdapChanger(),
    "ssh": ssh.SshChanger(),
}

CHANGER_NAMES: tuple[str, ...] = tuple(_CHANGERS)

GRACE = 5.0
"""Seconds a change may overrun its own timeout before :func:`run_with_timeout` gives up."""


def get_changer(name: str) -> Changer | None:
    return _CHANGERS.get(name.strip().lower())


def run_with_timeout(
    changer: Changer,
    target: Endpoint,
    username: str,
    new: str,
    tries: Sequence[tuple[str, str]],
    admin: Login | None,
    timeout: float,
) -> ChangeResult:
    """Run ``changer.change`` in a daemon thread; UNREACHABLE if it gives no answer in time.

    An abandoned change may still land on the system later: the pending secret stays saved,
    and the next run tries it first.
    """
    results: queue.SimpleQueue[ChangeResult] = queue.SimpleQueue()

    def work() -> None:
        try:
            results.put(changer.change(target, username, new, tries, admin, timeout))
        except Exception as exc:  # a changer must not raise; report it if one does
            results.put(
                ChangeResult(
                    changer=changer.name,
                    outcome=ChangeOutcome.ERROR,
                    detail=f"The change failed unexpectedly ({type(exc).__name__}).",
                )
            )

    started = time.monotonic()
    thread = threading.Thread(target=work, name=f"change-{changer.name}", daemon=True)
    thread.start()
    try:
        return results.get(timeout=timeout * 3 + GRACE)
    except queue.Empty:
        return ChangeResult(
            changer=changer.name,
            outcome=ChangeOutcome.UNREACHABLE,
            detail=(
                f"{target.host} gave no answer within {time.monotonic() - started:.0f} s; "
                "the change was abandoned (the pending secret is kept and tried first next time)."
            ),
        )
