"""A throwaway Dovecot with ManageSieve on loopback, a master (admin) user and planted scripts.

The admin logs in to any mailbox as a Dovecot master user (SASL PLAIN with the mailbox as the
authorisation identity), as a mail administrator's account would. Users live in a
``passwd-file``; each has a home with its Sieve scripts (``~/sieve``, the active one linked
from ``~/.dovecot.sieve``). :meth:`plant` writes a script straight into a home, bypassing the
server's own check, so a malformed script can be planted too.
"""

from __future__ import annotations

import math
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .certs import TestCA
from .common import HOST, free_port, listening, read_tail, spawn, stop_process
from .dovecot import DOVECOT_MISSING, DovecotUnavailable, find_dovecot

SIEVE_MISSING = (
    "dovecot-managesieved is not installed (`scripts/system-deps.sh` installs it with "
    "dovecot-sieve)"
)


def _internal() -> tuple[str, int, int]:
    if os.getuid() != 0:
        entry = pwd.getpwuid(os.getuid())
        return entry.pw_name, entry.pw_uid, entry.pw_gid
    for name in ("dovecot", "dovenull"):
        try:
            entry = pwd.getpwnam(name)
            return name, entry.pw_uid, entry.pw_gid
        except KeyError:
            continue
    raise DovecotUnavailable("no unprivileged user for Dovecot")


class SieveServer:
    def __init__(self, binary: str, base: Path, tls: TestCA) -> None:
        self.binary = binary
        self.base = base
        self.host = HOST
        self.port = 0
        self.imap_port = 0
        self.ca_file = str(tls.ca_file)
        self.tls = tls
        self.admin = "postmaster-admin"
        self.admin_password = f"sieve-{secrets.token_hex(8)}"
        self.users: dict[str, str] = {}
        self._user, self._uid, self._gid = _internal()
        self._proc: subprocess.Popen[bytes] | None = None

    @classmethod
    def start(cls, tls: TestCA) -> SieveServer:
        binary = find_dovecot()
        if binary is None:
            raise DovecotUnavailable(DOVECOT_MISSING)
        if not os.path.exists("/usr/lib/dovecot/managesieve-login"):
            raise DovecotUnavailable(SIEVE_MISSING)
        server = cls(binary, Path(tempfile.mkdtemp(prefix="itexit-sieve-")), tls)
        try:
            server.base.chmod(0o755)
            for sub in ("run", "state", "home", "mail"):
                (server.base / sub).mkdir(mode=0o755)
                if os.getuid() == 0 and sub in ("home", "mail"):
                    os.chown(server.base / sub, server._uid, server._gid)
            server._write_users()
            for _ in range(3):
                server.port, server.imap_port = free_port(), free_port()
                server._write_config()
                server._proc = spawn(
                    [binary, "-F", "-c", str(server.base / "dovecot.conf")],
                    server.base / "stderr.log",
                    stdout=False,
                )
                if listening(
                    server._proc,
                    server.port,
                    banner=b'"IMPLEMENTATION"',
                    failed=lambda: "Fatal:" in server.log_tail(),
                ):
                    return server
                stop_process(server._proc)
            raise DovecotUnavailable(f"dovecot (ManageSieve) did not start:\n{server.log_tail()}")
        except BaseException:
            server.stop()
            raise

    def _write_users(self) -> None:
        (self.base / "users").write_text(
            "".join(f"{n}:{{PLAIN}}{p}\n" for n, p in sorted(self.users.items()))
        )
        (self.base / "masters").write_text(f"{self.admin}:{{PLAIN}}{self.admin_password}\n")
        for name in ("users", "masters"):
            (self.base / name).chmod(0o644)

    def _write_config(self) -> None:
        d = self.base
        (d / "dovecot.conf").write_text(
            f"""\
protocols = imap sieve
listen = {HOST}
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
default_internal_user = {self._user}
default_login_user = dovenull
first_valid_uid = 0
first_valid_gid = 0
ssl = yes
ssl_cert = <{self.tls.cert_file}
ssl_key = <{self.tls.key_file}
auth_mechanisms = plain
auth_cache_size = 0
auth_failure_delay = 0
disable_plaintext_auth = no
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = passwd-file
  args = {d}/masters
  master = yes
  result_success = continue
}}
passdb {{
  driver = passwd-file
  args = {d}/users
}}
userdb {{
  driver = static
  args = uid={self._uid} gid={self._gid} home={d}/home/%u
}}
plugin {{
  sieve = file:~/sieve;active=~/.dovecot.sieve
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service managesieve-login {{
  inet_listener sieve {{
    address = {HOST}
    port = {self.port}
  }}
}}
"""
        )

    def add_users(self, *names: str) -> None:
        """Add mailboxes, then wait until Dovecot is sure to have read the new user file.

        Dovecot's ``passwd-file`` looks at its file at most once a second: a login in the
        same second as the one before it would not see a user written in between.
        """
        for name in names:
            self.users[name] = f"u-{secrets.token_hex(6)}"
            home = self.base / "home" / name
            (home / "sieve").mkdir(parents=True, exist_ok=True)
            for path in (home, home / "sieve"):
                if os.getuid() == 0:
                    os.chown(path, self._uid, self._gid)
        self._write_users()
        written = time.time()
        time.sleep(math.floor(written) + 1.05 - written)

    def add_user(self, name: str) -> None:
        self.add_users(name)

    def plant(self, user: str, script: str, text: str, active: bool = True) -> Path:
        """Write a Sieve script into the user's home (unchecked), and make it the active one."""
        if user not in self.users:
            self.add_user(user)
        home = self.base / "home" / user
        path = home / "sieve" / f"{script}.sieve"
        path.write_text(text)
        link = home / ".dovecot.sieve"
        if active:
            link.unlink(missing_ok=True)
            link.symlink_to(f"sieve/{script}.sieve")
        if os.getuid() == 0:
            for item in (path,):
                os.chown(item, self._uid, self._gid)
            if active:
                os.lchown(link, self._uid, self._gid)
        return path

    def active_text(self, user: str) -> str:
        return (self.base / "home" / user / ".dovecot.sieve").read_text()

    def log_tail(self, chars: int = 4000) -> str:
        return "\n".join(read_tail(self.base / n, chars) for n in ("stderr.log", "dovecot.log"))

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        stop_process(proc)
        shutil.rmtree(self.base, ignore_errors=True)
