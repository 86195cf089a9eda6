"""A verifier logs in to one kind of server with a username and secret and reports the outcome.

Besides the :class:`Verifier` protocol this module holds what every verifier shares: the TLS
context (certificate verification always on; ``ca_file`` trusts a private CA), the mapping of
network and TLS failures to UNREACHABLE with one clear sentence, and :func:`scrub`, which keeps
the secret out of every detail string whatever a server or a library put in its message.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from typing import ClassVar, Protocol

from itexit.domain.verify import Endpoint, TlsMode, VerifyOutcome, VerifyResult
from itexit.verifiers.reasons import from_exception

DEFAULT_TIMEOUT = 10.0
"""Seconds a check may take by default (connect, handshake and login together)."""

MASK = "•••"


class Verifier(Protocol):
    name: str
    """The key stored on a credential: imap, smtp, ssh, http, postgresql, ldap, manual."""

    def check(self, endpoint: Endpoint, username: str, secret: str, timeout: float) -> VerifyResult:
        """Try the secret once; never raise for a refusal or a network failure, report it."""
        ...


class Stopwatch:
    """Builds results that carry the verifier's name and the seconds since the check began."""

    def __init__(self, verifier: str, secret: str) -> None:
        self.verifier = verifier
        self._secret = secret
        self._started = time.monotonic()

    def result(self, outcome: VerifyOutcome, detail: str) -> VerifyResult:
        return VerifyResult(
            verifier=self.verifier,
            outcome=outcome,
            detail=scrub(detail, self._secret),
            seconds=round(time.monotonic() - self._started, 3),
        )

    def accepted(self, detail: str) -> VerifyResult:
        return self.result(VerifyOutcome.ACCEPTED, detail)

    def rejected(self, detail: str) -> VerifyResult:
        return self.result(VerifyOutcome.REJECTED, detail)

    def unreachable(self, detail: str) -> VerifyResult:
        return self.result(VerifyOutcome.UNREACHABLE, detail)

    def error(self, detail: str) -> VerifyResult:
        return self.result(VerifyOutcome.ERROR, detail)


def scrub(text: str, secret: str) -> str:
    """``text`` with every occurrence of ``secret`` (and its common encodings) masked."""
    if not secret:
        return text
    import base64
    import urllib.parse

    variants = {secret, urllib.parse.quote(secret, safe=""), repr(secret)[1:-1]}
    raw = secret.encode("utf-8", "surrogatepass")
    variants.add(base64.b64encode(raw).decode("ascii"))
    for variant in sorted((v for v in variants if v), key=len, reverse=True):
        text = text.replace(variant, MASK)
    return text


def one_line(text: str, limit: int = 200) -> str:
    """A server's message squeezed to one short line for a detail sentence."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def where(endpoint: Endpoint, port: int) -> str:
    host = endpoint.host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def tls_context(endpoint: Endpoint) -> ssl.SSLContext:
    """A client context that verifies the certificate and host name; ``ca_file`` if given.

    There is deliberately no switch to turn verification off: a practice with its own CA
    gives that CA's file instead.
    """
    return client_context(endpoint.ca_file)


def client_context(ca_file: str | None = None) -> ssl.SSLContext:
    """A context that verifies the certificate and host name, against `ca_file` (the
    practice's own certificate authority) when given, else the system's; TLS 1.2 at least."""
    ctx = ssl.create_default_context(cafile=ca_file or None)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def port_for(endpoint: Endpoint, defaults: dict[TlsMode, int]) -> int:
    return endpoint.port if endpoint.port is not None else defaults[endpoint.tls]


def precheck(
    watch: Stopwatch, endpoint: Endpoint, username: str, secret: str
) -> VerifyResult | None:
    """Refuse a check that could prove nothing: no host, no secret."""
    if not endpoint.host.strip():
        return watch.error("No host is set for this credential, so nothing was checked.")
    if not secret:
        return watch.error(
            "The secret is empty; an empty secret proves nothing, so nothing was sent."
        )
    if "\x00" in secret or "\x00" in username:
        return watch.error(
            "The user name or secret holds a NUL character, which no server accepts."
        )
    if endpoint.ca_file:
        try:
            ssl.create_default_context(cafile=endpoint.ca_file)
        except (OSError, ssl.SSLError) as exc:
            reason = (
                exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            )
            return watch.error(f"The CA file {endpoint.ca_file} cannot be used ({reason}).")
    return None


def network_failure(
    watch: Stopwatch, exc: BaseException, endpoint: Endpoint, port: int, timeout: float
) -> VerifyResult | None:
    """UNREACHABLE for a connection, DNS, timeout or TLS failure; None for anything else."""
    sentence = from_exception(
        exc, endpoint.host, where(endpoint, port), timeout, bool(endpoint.ca_file)
    )
    return None if sentence is None else watch.unreachable(sentence)


def unexpected(watch: Stopwatch, exc: BaseException) -> VerifyResult:
    """ERROR for an exception nothing else explains; the message is scrubbed by the stopwatch."""
    return watch.error(
        f"The check failed unexpectedly ({type(exc).__name__}: {one_line(str(exc))})."
    )


def guarded(
    watch: Stopwatch,
    endpoint: Endpoint,
    port: int,
    timeout: float,
    attempt: Callable[[], VerifyResult],
) -> VerifyResult:
    """Run ``attempt``; turn any exception into UNREACHABLE or ERROR, never a raise."""
    try:
        return attempt()
    except Exception as exc:
        failure = network_failure(watch, exc, endpoint, port, timeout)
        return failure if failure is not None else unexpected(watch, exc)


class LoginVerifier:
    """A verifier that tries one login on one port; subclasses give the ports and the login.

    ``check`` is the same for every such server: refuse what could prove nothing
    (:func:`precheck`, then :meth:`refuse`), pick the port, and run :meth:`login` so that
    any exception becomes UNREACHABLE or ERROR rather than a raise.
    """

    name: str = ""
    default_ports: ClassVar[dict[TlsMode, int]] = {}
    account: ClassVar[str] = ""
    """What the server calls the one who logs in ("SSH user name"), when one must be named."""

    def check(self, endpoint: Endpoint, username: str, secret: str, timeout: float) -> VerifyResult:
        watch = Stopwatch(self.name, secret)
        refused = precheck(watch, endpoint, username, secret)
        if refused is None:
            refused = self.refuse(watch, endpoint, username)
        if refused is not None:
            return refused
        port = port_for(endpoint, self.default_ports)
        return guarded(
            watch,
            endpoint,
            port,
            timeout,
            lambda: self.login(watch, endpoint, port, username, secret, timeout),
        )

    def refuse(self, watch: Stopwatch, endpoint: Endpoint, username: str) -> VerifyResult | None:
        """Why these settings cannot be checked on this kind of server; None to go on.

        By default, only that no account is named where the server needs one."""
        if self.account and not username:
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
        raise NotImplementedError


def no_starttls(watch: Stopwatch, protocol: str) -> VerifyResult:
    """The server offers no STARTTLS: the secret would travel in clear, so it is not sent."""
    return watch.unreachable(
        f"The {protocol} server does not offer an encrypted connection (STARTTLS), so the "
        "password was not sent."
    )
