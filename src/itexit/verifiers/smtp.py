"""SMTP AUTH: EHLO, STARTTLS (587) or implicit TLS (465), AUTH, QUIT. No mail is sent."""

from __future__ import annotations

import base64
import smtplib

from itexit.domain.verify import Endpoint, TlsMode, VerifyResult
from itexit.verifiers.base import LoginVerifier, Stopwatch, no_starttls, one_line, tls_context

DEFAULT_PORTS = {TlsMode.TLS: 465, TlsMode.STARTTLS: 587, TlsMode.NONE: 25}

# 535: authentication credentials invalid (RFC 4954); 534/538 say the mechanism or the
# channel is not good enough, 454 is a temporary failure: none of those judge the secret.
_REJECTED_CODES = {535}


def _text(message: bytes | str) -> str:
    raw = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return one_line(raw)


class SmtpVerifier(LoginVerifier):
    name = "smtp"

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
        smtp: smtplib.SMTP
        if endpoint.tls is TlsMode.TLS:
            smtp = smtplib.SMTP_SSL(
                endpoint.host, port, timeout=timeout, context=tls_context(endpoint)
            )
        else:
            smtp = smtplib.SMTP(endpoint.host, port, timeout=timeout)
        try:
            smtp.ehlo()
            if endpoint.tls is TlsMode.STARTTLS:
                if not smtp.has_extn("starttls"):
                    return no_starttls(watch, "SMTP")
                smtp.starttls(context=tls_context(endpoint))
                smtp.ehlo()
            if not smtp.has_extn("auth"):
                return watch.error(
                    "The SMTP server offers no AUTH on this connection, so the secret "
                    "cannot be checked here (is TLS required, or is this the wrong port?)."
                )
            try:
                if secret.isascii() and username.isascii():
                    smtp.login(username, secret)
                else:
                    self._auth_plain_utf8(smtp, username, secret)
            except smtplib.SMTPAuthenticationError as exc:
                if exc.smtp_code in _REJECTED_CODES:
                    said = f"{exc.smtp_code} {_text(exc.smtp_error)}"
                    return watch.rejected(f"The SMTP server refused the login ({said}).")
                return watch.error(
                    "The SMTP server could not check the login "
                    f"({exc.smtp_code} {_text(exc.smtp_error)})."
                )
            except smtplib.SMTPNotSupportedError:
                return watch.error("The SMTP server offers no login method this check can use.")
            except smtplib.SMTPException as exc:
                return watch.error(f"The SMTP login failed ({one_line(str(exc))}).")
            return watch.accepted(f"The SMTP server accepted the login for {username}.")
        finally:
            try:
                smtp.quit()
            except Exception:  # the verdict is known; closing is best effort
                smtp.close()

    @staticmethod
    def _auth_plain_utf8(smtp: smtplib.SMTP, username: str, secret: str) -> None:
        """AUTH PLAIN with UTF-8 (RFC 4616); smtplib itself only encodes ASCII."""
        token = base64.b64encode(f"\0{username}\0{secret}".encode()).decode("ascii")
        code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply)
