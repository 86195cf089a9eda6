"""Small helpers shared by the loopback servers: ports, readiness, skip-or-fail."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Protocol, TypeVar

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


def find_program(name: str) -> str | None:
    """A server program on PATH, or in /usr/sbin (often not on a normal user's PATH)."""
    found = shutil.which(name)
    if found:
        return found
    return f"/usr/sbin/{name}" if os.access(f"/usr/sbin/{name}", os.X_OK) else None


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


def spawn(argv: list[str], log: Path, *, stdout: bool = True) -> subprocess.Popen[bytes]:
    """Start a server program in its own session, its stderr (and stdout) going to ``log``."""
    with open(log, "wb") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=handle if stdout else subprocess.DEVNULL,
            stderr=handle,
            start_new_session=True,
        )


def listening(
    proc: subprocess.Popen[bytes],
    port: int,
    *,
    banner: bytes | None = None,
    also: int | None = None,
    failed: Callable[[], bool] = lambda: False,
    seconds: float = 15.0,
) -> bool:
    """Wait until ``proc`` listens on ``port`` (then on ``also``); False if it exits or fails."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        if failed():
            return False
        if wait_for_port(port, timeout=0.5, banner=banner):
            return also is None or wait_for_port(also, timeout=5)
    return False


def stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    """Terminate a server's whole process group; kill it if it does not go within 10 s."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def read_tail(path: Path, chars: int = 4000) -> str:
    """The end of a log file, or "" when there is none."""
    with contextlib.suppress(OSError):
        return path.read_text(errors="replace")[-chars:]
    return ""


class Stoppable(Protocol):
    def stop(self) -> None: ...


S = TypeVar("S", bound=Stoppable)


def started(
    start: Callable[[], S], failure: type[Exception], missing: Iterable[str], what: str
) -> S:
    """Start a server for a fixture: skip (or fail) when the program is missing, else fail."""
    try:
        return start()
    except failure as exc:
        if str(exc) in set(missing):
            unavailable(str(exc))
        pytest.fail(f"{what} is installed but did not start: {exc}")


def serve(server: S) -> Iterator[S]:
    """Yield a started server from a fixture and stop it afterwards, whatever the tests did."""
    try:
        yield server
    finally:
        server.stop()
