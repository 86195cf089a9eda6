"""An sshd on loopback for Linux accounts that run commands (``passwd``, ``sudo chpasswd``).

Unlike :class:`~servers.sshd.SshServer` (one account with a ``nologin`` shell, enough to test a
login), these accounts have ``/bin/sh`` so the SSH changer can run ``passwd`` as the user, and
an admin account may run ``chpasswd`` through ``sudo`` (with its password) by a file in
``/etc/sudoers.d``. Everything is created by the fixture and removed afterwards; it needs root.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from .common import HOST, free_port
from .sshd import NOT_ROOT, SSHD_MISSING, SshdUnavailable, SshServer, _run, find_sshd

PREFIX = "itexit-chg-"


class ShellSshServer(SshServer):
    """sshd admitting every ``itexit-chg-*`` account, each with a shell."""

    def __init__(self, binary: str, base: Path) -> None:
        super().__init__(binary, base)
        self.username = f"{PREFIX}{secrets.token_hex(3)}"
        self.accounts: list[str] = []
        self.sudoers: list[Path] = []

    @classmethod
    def start_shell(cls) -> ShellSshServer:
        binary = find_sshd()
        if binary is None:
            raise SshdUnavailable(SSHD_MISSING)
        if os.geteuid() != 0:
            raise SshdUnavailable(NOT_ROOT)
        if shutil.which("sudo") is None:
            raise SshdUnavailable("sudo is not installed (Debian package sudo)")
        server = cls(binary, Path(tempfile.mkdtemp(prefix="itexit-sshd-shell-")))
        try:
            server._make_host_key()
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
            for _ in range(3):
                server.port = free_port()
                server._write_config()
                if server._launch():
                    return server
                server._kill()
            raise SshdUnavailable(f"sshd did not start:\n{server.log_tail()}")
        except BaseException:
            server.stop()
            raise

    def _write_config(self) -> None:
        super()._write_config()
        config = self.base / "sshd_config"
        text = config.read_text().replace(f"AllowUsers {self.username}", f"AllowUsers {PREFIX}*")
        config.write_text(text)

    def add_account(self, password: str, *, sudo_chpasswd: bool = False) -> str:
        """A new account with a shell and ``password``; with ``sudo_chpasswd`` it may run
        ``chpasswd`` as root through sudo after giving its own password."""
        name = f"{PREFIX}{secrets.token_hex(4)}"
        _run(["useradd", "--no-create-home", "--shell", "/bin/sh", name])
        self.accounts.append(name)
        _run(["chpasswd"], stdin=f"{name}:{password}\n")
        if sudo_chpasswd:
            rule = Path("/etc/sudoers.d") / name.replace("-", "_")
            rule.write_text(f"{name} ALL=(root) /usr/sbin/chpasswd\n")
            rule.chmod(0o440)
            self.sudoers.append(rule)
        return name

    def set_account_password(self, name: str, password: str) -> None:
        _run(["chpasswd"], stdin=f"{name}:{password}\n")

    def stop(self) -> None:
        self._kill()
        for rule in self.sudoers:
            with contextlib.suppress(OSError):
                rule.unlink()
        self.sudoers = []
        for name in self.accounts:
            with contextlib.suppress(SshdUnavailable, OSError, subprocess.SubprocessError):
                _run(["userdel", "--force", name])
        self.accounts = []
        shutil.rmtree(self.base, ignore_errors=True)


__all__ = ["HOST", "ShellSshServer"]
