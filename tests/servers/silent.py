"""A TCP port that accepts connections and never says a word: for timeout tests.

The socket listens but never calls ``accept()``; the kernel completes each handshake and
queues the connection, so a client connects fine and then waits forever for a banner.
"""

from __future__ import annotations

import socket

from .common import HOST


class SilentServer:
    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((HOST, 0))
        self._sock.listen(128)
        self.host = HOST
        self.port = int(self._sock.getsockname()[1])

    def close(self) -> None:
        self._sock.close()
