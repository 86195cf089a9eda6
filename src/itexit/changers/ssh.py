"""Linux accounts over SSH: ``passwd`` as the user, or ``chpasswd`` through ``sudo`` as an admin.

The SSH host key must match the fingerprint pinned on the credential (the admin credential's,
for an admin change) before any password is sent, as for the SSH verifier. Secrets go only
through the session's standard input (``chpasswd`` reads ``user:password`` lines; ``sudo -S``
reads the admin's password first; ``passwd`` answers its prompts on a terminal), never on a
command line, where ``ps`` or an audit log on the server would show them.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass
from typing import Any

import paramiko

from itexit.changers.base import AuthRefused, CannotChange, LoginChanger, SecretRefused, Unreachable
from itexit.domain.verify import Endpoint
from itexit.verifiers.base import one_line, where
from itexit.verifiers.ssh import DEFAULT_PORTS, HOST_KEY_OPTION, _normalise, _open, fingerprint

_POLICY_WORDS = (
    "bad password",
    "too short",
    "too simple",
    "longer",
    "similar",
    "palindrome",
    "unchanged",
    "dictionary",
    "history",
    "reused",
    "already used",
)


@dataclass
class _Shell:
    transport: paramiko.Transport
    username: str
    secret: str

    def __repr__(self) -> str:
        return f"_Shell({self.username!r})"


def _run(shell: _Shell, command: str, stdin: str, timeout: float) -> tuple[int, str]:
    """Run ``command`` (no secret in it) with ``stdin``; the exit status and its output."""
    channel = shell.transport.open_session(timeout=timeout)
    try:
        channel.settimeout(timeout)
        channel.exec_command(command)
        if stdin:
            channel.sendall(stdin.encode("utf-8"))
        channel.shutdown_write()
        out = b""
        deadline = time.monotonic() + timeout
        while (
            not channel.exit_status_ready() or channel.recv_ready() or channel.recv_stderr_ready()
        ):
            if time.monotonic() > deadline:
                raise TimeoutError("the command did not finish in time")
            if channel.recv_ready():
                out += channel.recv(4096)
            elif channel.recv_stderr_ready():
                out += channel.recv_stderr(4096)
            else:
                time.sleep(0.01)
        return channel.recv_exit_status(), out.decode("utf-8", "replace")
    finally:
        channel.close()


def _passwd(shell: _Shell, old: str, new: str, timeout: float) -> tuple[int, str]:
    """Answer ``passwd``'s prompts on a terminal: the current password, then the new one twice."""
    channel = shell.transport.open_session(timeout=timeout)
    try:
        channel.settimeout(timeout)
        channel.get_pty(term="dumb", width=200, height=24)
        channel.exec_command("LC_ALL=C passwd")
        seen = ""
        pending = ""
        deadline = time.monotonic() + timeout
        while not channel.exit_status_ready() or channel.recv_ready():
            if time.monotonic() > deadline:
                raise TimeoutError("passwd did not finish in time")
            if not channel.recv_ready():
                time.sleep(0.01)
                continue
            chunk = channel.recv(4096).decode("utf-8", "replace")
            seen += chunk
            pending += chunk
            prompt = pending.rstrip().lower()
            if prompt.endswith(":"):
                if "current" in prompt or "old" in prompt.rsplit("\n", 1)[-1]:
                    channel.sendall((old + "\n").encode("utf-8"))
                elif "new" in prompt.rsplit("\n", 1)[-1]:
                    channel.sendall((new + "\n").encode("utf-8"))
                pending = ""
        return channel.recv_exit_status(), seen
    finally:
        channel.close()


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in re.split(r"[\r\n]+", text) if ln.strip()]
    lines = [ln for ln in lines if not ln.lower().endswith(":")]
    return one_line(lines[-1] if lines else "no reason given", 160)


class SshChanger(LoginChanger):
    name = "ssh"
    default_ports = DEFAULT_PORTS

    def connect(self, endpoint: Endpoint, username: str, secret: str, timeout: float) -> Any:
        port = endpoint.port or DEFAULT_PORTS[endpoint.tls]
        at = where(endpoint, port)
        try:
            transport = _open(endpoint, port, timeout)
        except paramiko.SSHException as exc:
            raise Unreachable(f"the SSH handshake failed: {one_line(str(exc), 100)}") from None
        try:
            key = transport.get_remote_server_key()
            seen = fingerprint(key)
            pinned = endpoint.options.get(HOST_KEY_OPTION, "").strip()
            if not pinned:
                raise CannotChange(
                    f"The SSH host key of {at} is {seen} ({key.get_name()}); nothing was sent: "
                    "confirm it with the server's administrator and store it on the credential"
                )
            if _normalise(pinned) != seen:
                raise Unreachable(
                    f"its host key is {seen}, not the stored one; the server may be an impostor, "
                    "so nothing was sent"
                )
            try:
                transport.auth_password(username, secret)
            except paramiko.BadAuthenticationType as exc:
                offered = ", ".join(exc.allowed_types) or "none"
                raise CannotChange(
                    f"{at} does not accept passwords for {username} (it offers: {offered})"
                ) from None
            except paramiko.AuthenticationException:
                raise AuthRefused(username) from None
            if not transport.is_authenticated():
                raise AuthRefused(username)
        except BaseException:
            transport.close()
            raise
        return _Shell(transport, username, secret)

    def set_secret(
        self, conn: Any, username: str, old: str, new: str, as_admin: bool, timeout: float
    ) -> str:
        shell: _Shell = conn
        if as_admin:
            if ":" in username:
                raise CannotChange(f"{username!r} is not a Linux account name")
            line = f"{username}:{new}\n"
            if shell.username == "root":
                status, out = _run(shell, "chpasswd", line, timeout)
            else:
                free, _ = _run(shell, "sudo -n true", "", timeout)
                if free == 0:
                    status, out = _run(shell, "sudo -n chpasswd", line, timeout)
                else:
                    status, out = _run(
                        shell, "sudo -S -p '' chpasswd", f"{shell.secret}\n{line}", timeout
                    )
            how = "chpasswd"
        else:
            status, out = _passwd(shell, old, new, timeout)
            how = "passwd"
        if status == 0:
            return f"the password of {username} was changed ({how})"
        reason = _last_line(out)
        lower = out.lower()
        if "sudo" in lower and (
            "incorrect password" in lower or "not in the sudoers" in lower or "not allowed" in lower
        ):
            raise CannotChange(f"{shell.username} may not run chpasswd through sudo ({reason})")
        if "command not found" in lower or "no such file" in lower:
            raise CannotChange(f"{how} is not available on the server ({reason})")
        if any(word in lower for word in _POLICY_WORDS):
            raise SecretRefused(reason)
        raise CannotChange(f"{how} did not change the password of {username} ({reason})")

    def close(self, conn: Any) -> None:
        with contextlib.suppress(Exception):
            conn.transport.close()
