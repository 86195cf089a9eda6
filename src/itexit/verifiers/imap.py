"""IMAP: log in over implicit TLS (993) or STARTTLS (143), then log out."""

from __future__ import annotations

import contextlib
import imaplib
import re

from itexit.domain.verify import Endpoint, TlsMode, VerifyResult
from itexit.verifiers.base import LoginVerifier, Stopwatch, no_starttls, one_line, tls_context

DEFAULT_PORTS = {TlsMode.TLS: 993, TlsMode.STARTTLS: 143, TlsMode.NONE: 143}

# RFC 5530 response codes that mean the server could not judge the secret right now.
_NOT_A_VERDICT = ("UNAVAILABLE", "PRIVACYREQUIRED", "CONTACTADMIN", "EXPIRED", "SERVERBUG")
_CODE = re.compile(r"^\s*\[([A-Z-]+)")


class ImapVerifier(LoginVerifier):
    name = "imap"

    default_ports = DEFAULT_PORTS

    def login(
        self,
        watch: Stopwatch,
        endpoint: Endpoint,
        port: int,
        username: str,
        secret: str,
        timeout: float,
    ) -> VerifyResult:
        imap: imaplib.IMAP4
        if endpoint.tls is TlsMode.TLS:
            imap = imaplib.IMAP4_SSL(
                endpoint.host, port, ssl_context=tls_context(endpoint), timeout=timeout
            )
        else:
            imap = imaplib.IMAP4(endpoint.host, port, timeout=timeout)
        try:
            if endpoint.tls is TlsMode.STARTTLS:
                if "STARTTLS" not in imap.capabilities:
                    return no_starttls(watch, "IMAP")
                imap.starttls(tls_context(endpoint))
            try:
                if secret.isascii() and username.isascii():
                    imap.login(username, secret)
                else:
                    token = f"\0{username}\0{secret}".encode()
                    imap.authenticate("PLAIN", lambda _challenge: token)
            except imaplib.IMAP4.abort as exc:
                return watch.unreachable(
                    f"The IMAP server dropped the connection during login ({one_line(str(exc))})."
                )
            except imaplib.IMAP4.error as exc:
                return self._refusal(watch, exc)
            return watch.accepted(f"The IMAP server accepted the login for {username}.")
        finally:
            with contextlib.suppress(Exception):  # the verdict is known; closing is best effort
                imap.logout()

    @staticmethod
    def _refusal(watch: Stopwatch, exc: imaplib.IMAP4.error) -> VerifyResult:
        message = exc.args[0] if exc.args else ""
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
        text = one_line(text)
        if "LOGIN command disabled" in text or "LOGINDISABLED" in text:
            return watch.error(
                "The IMAP server refuses logins on an unencrypted connection; use TLS or STARTTLS."
            )
        if "command error" in text:
            return watch.error(f"The IMAP server did not understand the login ({text}).")
        code = _CODE.match(text)
        if code and code.group(1) in _NOT_A_VERDICT:
            return watch.error(f"The IMAP server could not check the login now ({text}).")
        return watch.rejected(f"The IMAP server refused the login ({text}).")
