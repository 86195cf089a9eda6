"""An SMTP server with AUTH (aiosmtpd): STARTTLS on one port, implicit TLS on another.

Logins are checked against :attr:`SmtpAuthServer.users`, a dict the test changes (the
password "changed on the server"). AUTH is only offered once the connection is encrypted,
as on a real submission server. Mail is accepted and dropped.
"""

from __future__ import annotations

from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from .certs import TestCA
from .common import HOST, free_port


class _Sink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


class SmtpAuthServer:
    def __init__(self, ca: TestCA) -> None:
        self.users: dict[str, str] = {}
        self.attempts = 0
        self.host = HOST
        common: dict[str, Any] = {
            "hostname": HOST,
            "authenticator": self._authenticate,
            "server_hostname": "localhost",
            "ready_timeout": 10.0,
        }
        self._starttls = Controller(
            _Sink(),
            port=free_port(),
            tls_context=ca.server_context(),
            auth_require_tls=True,
            **common,
        )
        # aiosmtpd only counts STARTTLS as "TLS" for AUTH; the implicit-TLS port is
        # encrypted from the first byte, so AUTH needs no further condition there.
        self._implicit = Controller(
            _Sink(),
            port=free_port(),
            ssl_context=ca.server_context(),
            auth_require_tls=False,
            **common,
        )
        self._starttls.start()
        try:
            self._implicit.start()
        except BaseException:
            self._starttls.stop()
            raise
        self.starttls_port = int(self._starttls.port)
        self.tls_port = int(self._implicit.port)

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        self.attempts += 1
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        name = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        ok = name in self.users and self.users[name] == password
        return AuthResult(success=ok, handled=False)

    def stop(self) -> None:
        self._starttls.stop()
        self._implicit.stop()
