"""Protocol checks of a credential: does this secret log in to that server, right now?

``get_verifier(name)`` returns one of :data:`VERIFIER_NAMES`; ``run_with_timeout`` runs a
check in a worker thread with a hard deadline, which is how the services call them. Every
check reports a :class:`~itexit.domain.verify.VerifyResult` and never raises for a refusal
or a network failure; its detail never holds the secret. See ``docs/verifiers.md``.
"""

from __future__ import annotations

import queue
import threading
import time

from itexit.domain.errors import BadInput
from itexit.domain.verify import Endpoint, TlsMode, VerifyOutcome, VerifyResult
from itexit.verifiers import http, imap, ldap, manual, mariadb, postgresql, smtp, ssh
from itexit.verifiers.base import DEFAULT_TIMEOUT, Stopwatch, Verifier, unexpected, where

__all__ = [
    "DEFAULT_PORTS",
    "DEFAULT_TIMEOUT",
    "VERIFIER_NAMES",
    "Verifier",
    "default_port",
    "get_verifier",
    "run_with_timeout",
    "verify",
]

_VERIFIERS: dict[str, Verifier] = {
    "imap": imap.ImapVerifier(),
    "smtp": smtp.SmtpVerifier(),
    "ssh": ssh.SshVerifier(),
    "http": http.HttpBasicVerifier(),
    "postgresql": postgresql.PostgresqlVerifier(),
    "ldap": ldap.LdapVerifier(),
    "mariadb": mariadb.MariadbVerifier(),
    "manual": manual.ManualVerifier(),
}

VERIFIER_NAMES: tuple[str, ...] = tuple(_VERIFIERS)
"""Every verifier, in the order a form lists them."""

DEFAULT_PORTS: dict[str, dict[TlsMode, int]] = {
    "imap": imap.DEFAULT_PORTS,
    "smtp": smtp.DEFAULT_PORTS,
    "ssh": ssh.DEFAULT_PORTS,
    "http": http.DEFAULT_PORTS,
    "postgresql": postgresql.DEFAULT_PORTS,
    "ldap": ldap.DEFAULT_PORTS,
    "mariadb": mariadb.DEFAULT_PORTS,
}
"""The port each verifier connects to when the endpoint names none, by TLS mode."""

GRACE = 2.0
"""Seconds a check may overrun its own timeout before :func:`run_with_timeout` gives up."""


def get_verifier(name: str) -> Verifier:
    """The verifier called ``name``; ``BadInput`` naming the choices for anything else."""
    try:
        return _VERIFIERS[name.strip().lower()]
    except KeyError:
        choices = ", ".join(VERIFIER_NAMES)
        raise BadInput(f"There is no verifier called {name!r}; choose one of {choices}.") from None


def default_port(name: str, tls: TlsMode | str = TlsMode.TLS) -> int | None:
    """The usual port for ``name`` over ``tls``; None for ``manual`` (nothing to connect to)."""
    ports = DEFAULT_PORTS.get(name.strip().lower())
    return None if ports is None else ports[TlsMode(tls)]


def run_with_timeout(
    verifier: Verifier,
    endpoint: Endpoint,
    username: str,
    secret: str,
    timeout: float = DEFAULT_TIMEOUT,
) -> VerifyResult:
    """Run ``verifier.check`` in a daemon thread; UNREACHABLE if it overruns ``timeout``.

    The verifier gets ``timeout`` for its own sockets; this wrapper waits a little longer
    (:data:`GRACE`) and then answers for it, so a stuck DNS lookup or a server that trickles
    bytes cannot hang the caller. An overrunning thread is left to finish on its own.
    """
    if timeout <= 0:
        raise BadInput("A verification timeout must be more than zero seconds.")
    results: queue.SimpleQueue[VerifyResult] = queue.SimpleQueue()
    watch = Stopwatch(verifier.name, secret)

    def work() -> None:
        try:
            results.put(verifier.check(endpoint, username, secret, timeout))
        except Exception as exc:  # a verifier must not raise; report it if one does
            results.put(unexpected(watch, exc))

    started = time.monotonic()
    thread = threading.Thread(target=work, name=f"verify-{verifier.name}", daemon=True)
    thread.start()
    try:
        return results.get(timeout=timeout + GRACE)
    except queue.Empty:
        port = (
            endpoint.port
            if endpoint.port is not None
            else default_port(verifier.name, endpoint.tls)
        )
        at = where(endpoint, port) if port is not None else endpoint.host
        waited = time.monotonic() - started
        return VerifyResult(
            verifier=verifier.name,
            outcome=VerifyOutcome.UNREACHABLE,
            detail=f"{at} gave no verdict within {timeout:g} s; the check was abandoned.",
            seconds=round(waited, 3),
        )


def verify(
    name: str, endpoint: Endpoint, username: str, secret: str, timeout: float = DEFAULT_TIMEOUT
) -> VerifyResult:
    """``run_with_timeout`` with the verifier called ``name``."""
    return run_with_timeout(get_verifier(name), endpoint, username, secret, timeout)
