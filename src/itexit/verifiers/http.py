"""HTTP Basic: GET the protected path without, then with, the credentials.

The first request, without credentials, must be answered ``401`` with a ``Basic`` challenge:
a page that opens without a password proves nothing about one. Then the same request with
``Authorization: Basic``: 2xx means the secret works, 401 means the server refused it. A
redirect, a 403 or a server error is reported as ERROR (nothing is known about the secret),
and redirects are never followed, so the secret only ever goes to the configured URL.
"""

from __future__ import annotations

import base64
import http.client

from itexit.domain.verify import Endpoint, TlsMode, VerifyResult
from itexit.verifiers.base import (
    LoginVerifier,
    Stopwatch,
    one_line,
    tls_context,
    where,
)

DEFAULT_PORTS = {TlsMode.TLS: 443, TlsMode.STARTTLS: 443, TlsMode.NONE: 80}


def _path(endpoint: Endpoint) -> str:
    path = endpoint.path.strip() or "/"
    return path if path.startswith("/") else "/" + path


class HttpBasicVerifier(LoginVerifier):
    name = "http"

    default_ports = DEFAULT_PORTS

    def refuse(self, watch: Stopwatch, endpoint: Endpoint, username: str) -> VerifyResult | None:
        if endpoint.tls is TlsMode.STARTTLS:
            return watch.error("HTTP has no STARTTLS; set the credential's TLS to tls or none.")
        if ":" in username:
            return watch.error("HTTP Basic cannot carry a user name that contains ':'.")
        if any(c in _path(endpoint) for c in "\r\n "):
            return watch.error("The HTTP path holds spaces or line breaks; encode them.")
        return None

    @staticmethod
    def _request(
        endpoint: Endpoint, port: int, timeout: float, authorization: str | None
    ) -> tuple[int, str, http.client.HTTPMessage]:
        conn: http.client.HTTPConnection
        if endpoint.tls is TlsMode.TLS:
            conn = http.client.HTTPSConnection(
                endpoint.host, port, timeout=timeout, context=tls_context(endpoint)
            )
        else:
            conn = http.client.HTTPConnection(endpoint.host, port, timeout=timeout)
        try:
            headers = {"User-Agent": "itexit-verifier", "Accept": "*/*", "Connection": "close"}
            if authorization is not None:
                headers["Authorization"] = authorization
            conn.request("GET", _path(endpoint), headers=headers)
            response = conn.getresponse()
            response.read(65536)  # drain a little; the body is never used
            return response.status, response.reason, response.headers
        finally:
            conn.close()

    def login(
        self,
        watch: Stopwatch,
        endpoint: Endpoint,
        port: int,
        username: str,
        secret: str,
        timeout: float,
    ) -> VerifyResult:
        url = f"{'https' if endpoint.tls is TlsMode.TLS else 'http'}://{where(endpoint, port)}"
        url += _path(endpoint)
        status, reason, headers = self._request(endpoint, port, timeout, None)
        challenge = " ".join(headers.get_all("WWW-Authenticate") or [])
        if 200 <= status < 300:
            return watch.error(
                f"{url} opens without any password ({status}), so it cannot prove one; "
                "point the check at the protected page."
            )
        if status != 401:
            return watch.error(
                f"{url} answered {status} {one_line(reason)} instead of asking for a password."
            )
        if "basic" not in challenge.lower():
            return watch.error(
                f"{url} asks for a password but not with HTTP Basic ({one_line(challenge)})."
            )
        token = base64.b64encode(f"{username}:{secret}".encode()).decode("ascii")
        status, reason, _headers = self._request(endpoint, port, timeout, f"Basic {token}")
        if 200 <= status < 300:
            return watch.accepted(f"{url} accepted the login for {username} ({status}).")
        if status == 401:
            return watch.rejected(f"{url} refused the login for {username} (401).")
        if 300 <= status < 400:
            return watch.error(
                f"{url} redirected after the login ({status}); the redirect was not followed, "
                "so nothing is known about the secret."
            )
        return watch.error(
            f"{url} answered {status} {one_line(reason)} to the login; "
            "nothing is known about the secret."
        )
