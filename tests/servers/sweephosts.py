"""SSH hosts with leftovers planted for the sweep: keys, a sudo rule, a cron job, an account.

Each :class:`SweepSshd` is a real ``sshd`` on its own loopback port whose
``AuthorizedKeysFile`` points into its own directory, so every host carries its own keys.
The Linux accounts are real (``useradd``, removed in :meth:`stop`): an admin account with
uid 0 that the sweep logs in with by password, and the departing person's account, which
logs in with its key. Accounts, groups and processes belong to the machine, so every host
started here shows the person's account and open sessions alike. Needs root.
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
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from .common import HOST, free_port, listening, read_tail, spawn, stop_process
from .sshd import NOT_ROOT, SSHD_MISSING, SshdUnavailable, _run, find_sshd


@dataclass
class KeyPair:
    private_pem: bytes
    public_line: str
    fingerprint: str

    @classmethod
    def make(cls, comment: str) -> KeyPair:
        key = ed25519.Ed25519PrivateKey.generate()
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
        blob = base64.b64decode(public.split()[1])
        digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
        return cls(private, f"{public.decode()} {comment}", f"SHA256:{digest}")


@dataclass
class Accounts:
    """The machine-wide accounts every planted host shares (created once, removed once)."""

    admin: str
    admin_password: str
    person: str
    person_key: KeyPair
    created: list[str] = field(default_factory=list)

    @classmethod
    def make(cls) -> Accounts:
        if find_sshd() is None:
            raise SshdUnavailable(SSHD_MISSING)
        if os.geteuid() != 0:
            raise SshdUnavailable(NOT_ROOT)
        tag = secrets.token_hex(3)
        accounts = cls(
            admin=f"itexit-adm-{tag}",
            admin_password=f"adm-{secrets.token_hex(8)}",
            person=f"itexit-gary-{tag}",
            person_key=KeyPair.make("gary@laptop"),
        )
        try:
            _run(
                [
                    "useradd",
                    "-o",
                    "-u",
                    "0",
                    "-g",
                    "0",
                    "-M",
                    "-d",
                    "/root",
                    "-s",
                    "/bin/sh",
                    accounts.admin,
                ]
            )
            accounts.created.append(accounts.admin)
            _run(["chpasswd"], stdin=f"{accounts.admin}:{accounts.admin_password}\n")
            _run(["useradd", "-M", "-d", "/nonexistent", "-s", "/bin/sh", accounts.person])
            accounts.created.append(accounts.person)
            _run(["chpasswd"], stdin=f"{accounts.person}:p-{secrets.token_hex(8)}\n")
            _run(["usermod", "-aG", "adm", accounts.person])
        except BaseException:
            accounts.remove()
            raise
        return accounts

    def remove(self) -> None:
        for name in reversed(self.created):
            if name == self.person:  # its open sessions first, or userdel refuses
                subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True, check=False)
            with contextlib.suppress(SshdUnavailable, OSError, subprocess.SubprocessError):
                _run(["userdel", "--force", name])
        self.created.clear()


class SweepSshd:
    """One sshd whose keys, sudoers and cron files live in its own directory."""

    def __init__(self, accounts: Accounts, base: Path) -> None:
        self.accounts = accounts
        self.base = base
        self.port = 0
        self.host = HOST
        self.host_key_fingerprint = ""
        self._proc: subprocess.Popen[bytes] | None = None
        base.chmod(0o755)  # sshd reads a user's keys file as that user
        (base / "keys").mkdir()
        (base / "keys").chmod(0o755)  # not masked by the umask the tests run under
        (base / "sudoers.d").mkdir()
        (base / "cron.d").mkdir()
        (base / "spool" / "cron" / "crontabs").mkdir(parents=True)
        (base / "sudoers").write_text("root ALL=(ALL:ALL) ALL\n")
        (base / "crontab").write_text(
            "SHELL=/bin/sh\n17 * * * * root cd / && run-parts /etc/cron.hourly\n"
        )

    @classmethod
    def start(cls, accounts: Accounts) -> SweepSshd:
        server = cls(accounts, Path(tempfile.mkdtemp(prefix="itexit-sweep-sshd-")))
        try:
            server._host_key()
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
            for _ in range(3):
                server.port = free_port()
                server._config()
                server._proc = spawn(
                    [find_sshd() or "sshd", "-D", "-e", "-f", str(server.config)],
                    server.base / "sshd.log",
                )
                if listening(server._proc, server.port, banner=b"SSH-"):
                    return server
                stop_process(server._proc)
            raise SshdUnavailable(f"sshd did not start:\n{read_tail(server.base / 'sshd.log')}")
        except BaseException:
            server.stop()
            raise

    @property
    def config(self) -> Path:
        return self.base / "sshd_config"

    def _host_key(self) -> None:
        key = KeyPair.make("host")
        path = self.base / "host_key"
        path.write_bytes(key.private_pem)
        path.chmod(0o600)
        self.host_key_fingerprint = key.fingerprint

    def _config(self) -> None:
        self.config.write_text(
            f"""\
Port {self.port}
ListenAddress {HOST}
HostKey {self.base}/host_key
PidFile {self.base}/sshd.pid
UsePAM no
PasswordAuthentication yes
PubkeyAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin yes
AllowUsers {self.accounts.admin} {self.accounts.person}
AuthorizedKeysFile {self.base}/keys/%u
StrictModes no
UseDNS no
MaxStartups 100
LoginGraceTime 30
LogLevel VERBOSE
"""
        )

    def options(self) -> dict[str, str]:
        """The admin credential's endpoint options: where this host keeps its files."""
        return {
            "host_key": self.host_key_fingerprint,
            "sshd_config": str(self.config),
            "sudoers": f"{self.base}/sudoers {self.base}/sudoers.d",
            "cron": f"{self.base}/crontab {self.base}/cron.d {self.base}/spool/cron/crontabs",
        }

    def plant_keys(self, account: str, *lines: str) -> Path:
        path = self.base / "keys" / account
        with path.open("a") as handle:
            for line in lines:
                handle.write(line + "\n")
        path.chmod(0o644)
        return path

    def plant_sudo(self, account: str) -> Path:
        path = self.base / "sudoers.d" / "90-it"
        path.write_text(f"# the IT person's rights\n{account} ALL=(ALL) NOPASSWD: ALL\n")
        path.chmod(0o440)
        return path

    def plant_cron(self, account: str) -> Path:
        path = self.base / "spool" / "cron" / "crontabs" / account
        path.write_text("# m h dom mon dow command\n*/5 * * * * /usr/local/bin/phone-home\n")
        return path

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        stop_process(proc)
        shutil.rmtree(self.base, ignore_errors=True)
