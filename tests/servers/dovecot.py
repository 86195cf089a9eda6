"""A throwaway Dovecot IMAP server on loopback with a file of users the tests can change.

Everything lives in one temporary directory: the configuration, the runtime ``base_dir``,
the log, the user file and the Maildir stores. Plain IMAP (with STARTTLS) and IMAPS listen
on free 127.0.0.1 ports; TLS uses the certificate of a :class:`~certs.TestCA`. Dovecot 2.3
and 2.4 configurations differ; :func:`dovecot_version` picks the right one. It runs as the
current user; as root, its processes run as Debian's unprivileged ``dovecot``/``dovenull``.

The user file holds ``name:password`` lines (this is a test server). Dovecot's own
``passwd-file`` driver re-reads its file at most once a second, so a password changed right
after a login would still be accepted for up to a second; the ``checkpassword`` passdb reads
the file on every login instead, so a change takes effect at once — which is what proving an
old password dead needs. The userdb is ``static``: every user gets the same uid and a Maildir.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from .certs import TestCA
from .common import HOST, find_program, free_port, listening, read_tail, spawn, stop_process

DOVECOT_MISSING = (
    "dovecot is not installed (Debian package dovecot-imapd; `make system-deps` installs it)"
)

_SAFE_USER = re.compile(r"^[A-Za-z0-9._@+-]{1,64}$")


# Dovecot's checkpassword protocol: "user\\0password\\0..." on fd 3; on success exec the reply
# program given as arguments, else exit 1.
_CHECKPASSWORD = """#!/bin/bash
IFS= read -r -d '' user <&3 || exit 111
IFS= read -r -d '' pass <&3 || exit 111
while IFS=: read -r name secret; do
    if [ "$name" = "$user" ] && [ "$secret" = "$pass" ]; then
        exec "$@"
    fi
done < {users}
exit 1
"""


class DovecotUnavailable(RuntimeError):
    """Dovecot cannot run here."""


def find_dovecot() -> str | None:
    return find_program("dovecot")


def dovecot_version(binary: str) -> tuple[int, int]:
    out = subprocess.run(
        [binary, "--version"], capture_output=True, text=True, timeout=10, check=False
    ).stdout
    match = re.match(r"(\d+)\.(\d+)", out.strip())
    if not match:
        raise DovecotUnavailable(f"cannot read the Dovecot version from {out!r}")
    return int(match.group(1)), int(match.group(2))


def _config_23(
    d: Path,
    user: str,
    group: str,
    login: str,
    ids: tuple[int, int],
    imap: int,
    imaps: int,
    tls: TestCA,
) -> str:
    uid, gid = ids
    return f"""\
# itexit test server (Dovecot 2.3)
protocols = imap
listen = {HOST}
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {login}
first_valid_uid = 0
first_valid_gid = 0
ssl = yes
ssl_cert = <{tls.cert_file}
ssl_key = <{tls.key_file}
auth_mechanisms = plain login
auth_cache_size = 0
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
disable_plaintext_auth = no
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = checkpassword
  args = {d}/checkpassword
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/home/%u allow_all_users=yes
}}
service anvil {{
  # No per-address login penalty: the tests fail logins on purpose, from 127.0.0.1, and
  # then log in at once. Mode 0 keeps the (unprivileged) auth process out of the socket.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {imap}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {imaps}
    ssl = yes
  }}
}}
"""


def _config_24(
    d: Path,
    user: str,
    group: str,
    login: str,
    ids: tuple[int, int],
    imap: int,
    imaps: int,
    tls: TestCA,
) -> str:
    uid, gid = ids
    return f"""\
# itexit test server (Dovecot 2.4)
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
protocols = imap
listen = {HOST}
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {login}
first_valid_uid = 0
first_valid_gid = 0
ssl = yes
ssl_server_cert_file = {tls.cert_file}
ssl_server_key_file = {tls.key_file}
auth_mechanisms = plain login
auth_cache_size = 0
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
auth_allow_cleartext = yes
mail_driver = maildir
mail_path = {d}/mail/%{{user}}
passdb checkpassword {{
  checkpassword_path = {d}/checkpassword
}}
userdb static {{
  fields {{
    uid = {uid}
    gid = {gid}
    home = {d}/home/%{{user}}
  }}
}}
service anvil {{
  # No per-address login penalty: the tests fail logins on purpose, from 127.0.0.1, and
  # then log in at once. Mode 0 keeps the (unprivileged) auth process out of the socket.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    listen = {HOST}
    port = {imap}
  }}
  inet_listener imaps {{
    listen = {HOST}
    port = {imaps}
    ssl = yes
  }}
}}
"""


class DovecotServer:
    """A running Dovecot. Start with :meth:`start`; :meth:`stop` kills it and deletes everything."""

    def __init__(self, binary: str, base: Path, tls: TestCA, version: tuple[int, int]) -> None:
        self.binary = binary
        self.base = base
        self.host = HOST
        self.imap_port = 0
        self.imaps_port = 0
        self.ca_file = str(tls.ca_file)
        self.version = version
        self._tls = tls
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._passwords: dict[str, str] = {}
        self._uid = os.getuid()
        self._gid = os.getgid()
        self._user = pwd.getpwuid(self._uid).pw_name
        self._group = grp.getgrgid(self._gid).gr_name
        self._login_user = self._user
        if self._uid == 0:
            # Dovecot refuses to run its login and internal processes as root; Debian's
            # package ships unprivileged users for exactly that.
            self._user = self._login_user = "dovenull"
            for candidate in ("dovecot", "dovenull"):
                with contextlib.suppress(KeyError):
                    pwd.getpwnam(candidate)
                    self._user = candidate
                    break
            internal = pwd.getpwnam(self._user)
            self._group = grp.getgrgid(internal.pw_gid).gr_name
            # Mail is owned by the unprivileged user too (Dovecot refuses mail as UID 0).
            self._uid, self._gid = internal.pw_uid, internal.pw_gid

    # -- lifecycle -------------------------------------------------------------------

    @classmethod
    def start(cls, tls: TestCA, attempts: int = 3) -> DovecotServer:
        binary = find_dovecot()
        if binary is None:
            raise DovecotUnavailable(DOVECOT_MISSING)
        version = dovecot_version(binary)
        base = Path(tempfile.mkdtemp(prefix="itexit-dovecot-"))
        server = cls(binary, base, tls, version)
        try:
            base.chmod(0o755)  # the unprivileged auth process reads the user file
            for sub in ("run", "state", "mail", "home"):
                (base / sub).mkdir(mode=0o755 if sub == "run" else 0o700)
                if os.getuid() == 0 and sub in ("mail", "home"):
                    os.chown(base / sub, server._uid, server._gid)
            server._write_passwd()
            server._write_checkpassword()
            last = ""
            for _ in range(attempts):
                server.imap_port, server.imaps_port = free_port(), free_port()
                server._write_config()
                if server._launch():
                    return server
                last = server.log_tail()
                server._kill()
            raise DovecotUnavailable(f"dovecot did not start:\n{last}")
        except BaseException:
            server.stop()
            raise

    def _write_config(self) -> None:
        make = _config_24 if self.version >= (2, 4) else _config_23
        text = make(
            self.base,
            self._user,
            self._group,
            self._login_user,
            (self._uid, self._gid),
            self.imap_port,
            self.imaps_port,
            self._tls,
        )
        (self.base / "dovecot.conf").write_text(text)

    def _launch(self) -> bool:
        conf = str(self.base / "dovecot.conf")
        self._proc = spawn([self.binary, "-F", "-c", conf], self.base / "stderr.log", stdout=False)
        return listening(
            self._proc,
            self.imap_port,
            banner=b"* OK",
            also=self.imaps_port,
            failed=lambda: "Fatal:" in self.log_tail(),
        )

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        stop_process(proc)

    def stop(self) -> None:
        self._kill()
        shutil.rmtree(self.base, ignore_errors=True)

    def log_tail(self, chars: int = 4000) -> str:
        return "\n".join(
            read_tail(self.base / name, chars) for name in ("stderr.log", "dovecot.log")
        )

    # -- users -----------------------------------------------------------------------

    def _write_checkpassword(self) -> None:
        script = self.base / "checkpassword"
        script.write_text(_CHECKPASSWORD.format(users=self.base / "users"))
        script.chmod(0o755)

    def _write_passwd(self) -> None:
        lines = [f"{name}:{password}\n" for name, password in sorted(self._passwords.items())]
        tmp = self.base / "users.tmp"
        tmp.write_text("".join(lines))
        tmp.chmod(0o644)  # the unprivileged auth process reads it
        os.replace(tmp, self.base / "users")  # atomic: a login never sees half a file

    @staticmethod
    def _check(name: str, password: str) -> None:
        if not _SAFE_USER.match(name):
            raise ValueError(f"unsupported IMAP user name {name!r}")
        if any(c in password for c in ":\n\r") or not password:
            raise ValueError("a test IMAP password cannot be empty or hold ':' or a newline")

    def add_user(self, name: str, password: str) -> None:
        """Create a user with an empty Maildir (INBOX); ``ValueError`` if it exists."""
        self._check(name, password)
        with self._lock:
            if name in self._passwords:
                raise ValueError(f"IMAP user {name!r} already exists")
            self._passwords[name] = password
            made = [self.maildir(name), self.base / "home" / name]
            made += [self.maildir(name) / sub for sub in ("cur", "new", "tmp")]
            for path in made:
                path.mkdir(parents=True, exist_ok=True)
                if os.getuid() == 0:
                    os.chown(path, self._uid, self._gid)
            self._write_passwd()

    def set_password(self, name: str, password: str) -> None:
        """Change a user's password on the server; the old one stops working at once."""
        self._check(name, password)
        with self._lock:
            if name not in self._passwords:
                raise KeyError(name)
            self._passwords[name] = password
            self._write_passwd()

    def remove_user(self, name: str) -> None:
        with self._lock:
            self._passwords.pop(name, None)
            self._write_passwd()

    def maildir(self, name: str) -> Path:
        """The user's Maildir root (INBOX is ``cur``/``new``/``tmp`` here)."""
        return self.base / "mail" / name
