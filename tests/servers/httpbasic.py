"""An HTTP server with Basic authentication (stdlib ``http.server`` in a thread).

``/admin`` asks for Basic credentials checked against :attr:`HttpBasicServer.users` (a dict
the test changes); ``/open`` answers 200 without any; ``/forbidden`` always answers 403;
``/redirect`` answers 302 to ``/admin``. It serves HTTPS with the test CA's certificate, or
plain HTTP with ``tls=False``.
"""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .certs import TestCA
from .common import HOST


class HttpBasicServer:
    def __init__(self, ca: TestCA | None) -> None:
        self.users: dict[str, str] = {}
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

            def _send(self, status: int, headers: dict[str, str] | None = None) -> None:
                body = f"{status}\n".encode()
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                owner.requests.append(self.path)
                if self.path == "/open":
                    self._send(200)
                elif self.path == "/forbidden":
                    self._send(403)
                elif self.path == "/redirect":
                    self._send(302, {"Location": "/admin"})
                elif self.path == "/admin":
                    if owner._authorised(self.headers.get("Authorization", "")):
                        self._send(200)
                    else:
                        self._send(401, {"WWW-Authenticate": 'Basic realm="itexit test"'})
                else:
                    self._send(404)

        self._httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self._httpd.daemon_threads = True
        if ca is not None:
            self._httpd.socket = ca.server_context().wrap_socket(
                self._httpd.socket, server_side=True
            )
        self.host = HOST
        self.port = int(self._httpd.server_address[1])
        self.tls = ca is not None
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def _authorised(self, header: str) -> bool:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            name, _, password = base64.b64decode(token).decode("utf-8").partition(":")
        except ValueError:
            return False
        return name in self.users and self.users[name] == password

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
