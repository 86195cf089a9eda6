"""Small helpers shared by the loopback servers: ports, readiness, skip-or-fail."""

from __future__ import annotations

import os
import socket
import time

import pytest

HOST = "127.0.0.1"


def servers_required() -> bool:
    """True when ``ITEXIT_REQUIRE_SERVERS`` says a missing server is an error, not a skip."""
    return os.environ.get("ITEXIT_REQUIRE_SERVERS", "").strip() not in ("", "0")


def unavailable(reason: str) -> None:
    """Skip the test with ``reason``, or fail it when real servers are required."""
    if servers_required():
        pytest.fail(f"ITEXIT_REQUIRE_SERVERS is set but {reason}")
    pytest.skip(f"{reason}; set ITEXIT_REQUIRE_SERVERS=1 to make this an error")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def closed_port() -> int:
    """A port that refuses connections (nothing listens; the kernel answers RST)."""
    return free_port()


def wait_for_port(port: int, timeout: float = 20.0, banner: bytes | None = None) -> bool:
    """Poll until 127.0.0.1:``port`` accepts a connection (and sends ``banner``, if given)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1.0) as s:
                if banner is None:
                    return True
                s.settimeout(2.0)
                if s.recv(256).startswith(banner):
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False
