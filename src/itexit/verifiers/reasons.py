"""Why a check could not reach a server, in one sentence a practice manager can act on.

Every verifier turns the socket, name-lookup, TLS and driver failures it meets into these
sentences, so the dialog and the history say "No server answers at db.example:5432", never
"[Errno 111] Connection refused" or a driver's message cut in half.
"""

from __future__ import annotations

import socket
import ssl

NAME_NOT_FOUND_HINTS = (
    "name or service not known",
    "nodename nor servname",
    "could not translate host name",
    "failed to resolve host",
    "invalid server address",
    "temporary failure in name resolution",
    "no address associated with hostname",
    "getaddrinfo failed",
    "name resolution",
    "unknown host",
)
REFUSED_HINTS = ("connection refused", "refused the connection", "errno 111", "[winerror 10061]")
TIMEOUT_HINTS = ("timed out", "timeout expired", "timeout", "did not answer")
UNROUTABLE_HINTS = ("no route to host", "network is unreachable", "host is unreachable")
CLOSED_HINTS = (
    "server closed the connection",
    "connection reset",
    "lost connection",
    "gone away",
    "unexpected eof",
    "eof occurred",
    "broken pipe",
)
NO_TLS_HINTS = (
    "does not support ssl",
    "server does not support tls",
    "ssl is not enabled",
    "server doesn't support",
)
UNTRUSTED_HINTS = (
    "certificate verify failed",
    "root certificate",
    "self-signed certificate",
    "self signed certificate",
    "unable to get local issuer",
)
WRONG_NAME_HINTS = ("does not match host name", "hostname mismatch", "doesn't match")


def name_not_found(host: str) -> str:
    return (
        f"The name {host} could not be found: check its spelling, or that this computer "
        "can look up names on that network."
    )


def no_answer(at: str) -> str:
    return f"No server answers at {at}: check the host and port, and that the server is running."


def timed_out(at: str, timeout: float) -> str:
    return f"{at} did not answer within {timeout:g} s: check the host, port and any firewall."


def unroutable(at: str) -> str:
    return f"{at} cannot be reached from this computer: check the network or VPN to it."


def closed(at: str) -> str:
    return f"{at} closed the connection before the login finished; nothing is known yet."


def no_tls(at: str) -> str:
    return (
        f"The server at {at} does not offer an encrypted connection (TLS), so the password "
        "was not sent: turn off 'Check the server's certificate' only if the network is trusted."
    )


def untrusted(at: str, reason: str = "", has_ca_file: bool = False) -> str:
    why = f" ({reason})" if reason else ""
    hint = (
        "check the CA file on the credential" if has_ca_file else "give the CA file that signed it"
    )
    return f"The TLS certificate of {at} is not trusted{why}; nothing was sent: {hint}."


def wrong_name(at: str) -> str:
    return (
        f"The TLS certificate of {at} is for another host name; nothing was sent: "
        "use the name on the certificate as the host."
    )


def tls_failed(at: str) -> str:
    return (
        f"The encrypted connection (TLS) with {at} could not be set up; nothing was sent: "
        "check the port and the encryption setting."
    )


def from_text(text: str, host: str, at: str, timeout: float) -> str | None:
    """The sentence for a driver's or library's failure message; None when none fits."""
    lower = text.lower()
    if any(h in lower for h in NAME_NOT_FOUND_HINTS):
        return name_not_found(host)
    if any(h in lower for h in NO_TLS_HINTS):
        return no_tls(at)
    if any(h in lower for h in WRONG_NAME_HINTS):
        return wrong_name(at)
    if any(h in lower for h in UNTRUSTED_HINTS):
        return untrusted(at)
    if any(h in lower for h in REFUSED_HINTS):
        return no_answer(at)
    if any(h in lower for h in UNROUTABLE_HINTS):
        return unroutable(at)
    if any(h in lower for h in TIMEOUT_HINTS):
        return timed_out(at, timeout)
    if any(h in lower for h in CLOSED_HINTS):
        return closed(at)
    return None


def from_exception(
    exc: BaseException, host: str, at: str, timeout: float, has_ca_file: bool = False
) -> str | None:
    """The sentence for a socket, name-lookup or TLS exception; None for anything else."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        message = exc.verify_message or ""
        if "hostname" in message.lower() or "ip address mismatch" in message.lower():
            return wrong_name(at)
        return untrusted(at, " ".join(message.split())[:120], has_ca_file)
    if isinstance(exc, ssl.SSLError):
        return from_text(str(exc), host, at, timeout) or tls_failed(at)
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return timed_out(at, timeout)
    if isinstance(exc, socket.gaierror):
        return name_not_found(host)
    if isinstance(exc, ConnectionRefusedError):
        return no_answer(at)
    if isinstance(exc, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, EOFError)):
        return closed(at)
    if isinstance(exc, OSError):
        return from_text(str(exc), host, at, timeout) or (
            f"{at} cannot be reached ({(exc.strerror or type(exc).__name__).lower()})."
        )
    return None
