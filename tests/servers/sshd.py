"""A throwaway OpenSSH ``sshd`` on a free loopback port, with one dedicated system account.

Password authentication needs a real account: the server creates one with ``useradd``
(no home, ``nologin`` shell, allowed in by ``AllowUsers`` only) and sets its password with
``chpasswd``; :meth:`SshServer.set_password` changes it, and :meth:`stop` deletes it. That
needs root, so the fixture skips (or fails under ``ITEXIT_REQUIRE_SERVERS``) otherwise.
PAM is off, so ``sshd`` reads the shadow file on every attempt and a change is seen at once.
The host key is a fresh Ed25519 key made with ``cryptography``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from .common import HOST, find_program, free_port, listening, read_tail, spawn, stop_process

SSHD_MISSING = "sshd is not installed (Debian package openssh-server)"
NOT_ROOT = "sshd password logins need a real account, which only root can create"


class SshdUnavailable(RuntimeError):
    """sshd cannot run here."""


def find_sshd() -> str | None:
    return find_program("sshd")


def _run(cmd: list[str], stdin: str | None = None) -> None:
    result = subprocess.run(
        cmd, input=stdin, capture_output=True, text=True, timeout=30, check=False
    )
    if result.returncode != 0:
        # The command line never holds a password (chpasswd reads it on stdin).
        raise SshdUnavailable(f"{cmd[0]} failed: {result.stderr.strip()}")


class SshServer:
    def __init__(self, binary: str, base: Path) -> None:
        self.binary = binary
        self.base = base
        self.host = HOST
        self.port = 0
        self.username = f"itexit-ssh-{secrets.token_hex(3)}"
        self.host_key_fingerprint = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._user_created = False

    @classmethod
    def start(cls, password: str) -> SshServer:
        binary = find_sshd()
        if binary is None:
            raise SshdUnavailable(SSHD_MISSING)
        if os.geteuid() != 0:
            raise SshdUnavailable(NOT_ROOT)
        server = cls(binary, Path(tempfile.mkdtemp(prefix="itexit-sshd-")))
        try:
            server._make_host_key()
            server._make_account(password)
            # Debian's sshd insists on its privilege separation directory.
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

    def _make_host_key(self) -> None:
        key = ed25519.Ed25519PrivateKey.generate()
        path = self.base / "ssh_host_ed25519_key"
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.OpenSSH,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
        public = key.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
        blob = base64.b64decode(public.split()[1])
        digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
        self.host_key_fingerprint = f"SHA256:{digest}"

    def _make_account(self, password: str) -> None:
        nologin = "/usr/sbin/nologin" if os.path.exists("/usr/sbin/nologin") else "/bin/false"
        _run(["useradd", "--system", "--no-create-home", "--shell", nologin, self.username])
        self._user_created = True
        self.set_password(password)

    def set_password(self, password: str) -> None:
        """Change the account's password; the next login sees it."""
        if any(c in password for c in ":\n\r"):
            raise ValueError("chpasswd cannot take ':' or a newline in a password")
        _run(["chpasswd"], stdin=f"{self.username}:{password}\n")

    def _write_config(self) -> None:
        (self.base / "sshd_config").write_text(
            f"""\
Port {self.port}
ListenAddress {HOST}
HostKey {self.base}/ssh_host_ed25519_key
PidFile {self.base}/sshd.pid
UsePAM no
PasswordAuthentication yes
PermitEmptyPasswords no
KbdInteractiveAuthentication no
PubkeyAuthentication no
PermitRootLogin no
AllowUsers {self.username}
AuthorizedKeysFile none
StrictModes no
UseDNS no
MaxAuthTries 20
MaxStartups 100
LoginGraceTime 30
LogLevel VERBOSE
"""
        )

    def _launch(self) -> bool:
        self._proc = spawn(
            [self.binary, "-D", "-e", "-f", str(self.base / "sshd_config")], self.base / "sshd.log"
        )
        return listening(self._proc, self.port, banner=b"SSH-")

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        stop_process(proc)

    def log_tail(self, chars: int = 4000) -> str:
        return read_tail(self.base / "sshd.log", chars)

    def stop(self) -> None:
        self._kill()
        if self._user_created:
            self._user_created = False
            try:
                _run(["userdel", self.username])
            except (SshdUnavailable, OSError, subprocess.SubprocessError):
                # A login's session process may still be winding down: remove it anyway.
                with contextlib.suppress(SshdUnavailable, OSError, subprocess.SubprocessError):
                    _run(["userdel", "--force", self.username])
        shutil.rmtree(self.base, ignore_errors=True)
