"""A throwaway MariaDB ``mariadbd`` on a free loopback port, in a temporary directory.

``mariadb-install-db`` makes a fresh data directory; the server runs with ``--no-defaults`` (so
nothing under /etc/mysql applies), listens on 127.0.0.1 only and on a private Unix socket, and
skips name resolution. The fixture administers it as ``root@localhost`` over that socket (no
password: only the socket reaches it). MariaDB refuses to run as root, so when the tests run as
root the directory is owned by, and the server runs as, the ``mysql`` system user.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pymysql

from .common import HOST, find_program, free_port, listening, read_tail, spawn, stop_process

MARIADB_MISSING = "mariadbd is not installed (Debian package mariadb-server)"
RUN_AS_WHEN_ROOT = "mysql"


class MariadbUnavailable(RuntimeError):
    """MariaDB cannot run here."""


def find_mariadbd() -> str | None:
    return find_program("mariadbd") or find_program("mysqld")


class MariadbServer:
    def __init__(self, binary: str, install: str, base: Path, run_as: str | None) -> None:
        self.binary = binary
        self.install = install
        self.base = base
        self.host = HOST
        self.port = 0
        self.socket = str(base / "mysqld.sock")
        self._run_as = run_as
        self._proc: subprocess.Popen[bytes] | None = None

    @classmethod
    def start(cls) -> MariadbServer:
        binary = find_mariadbd()
        install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
        if binary is None or install is None:
            raise MariadbUnavailable(MARIADB_MISSING)
        run_as: str | None = None
        owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam(RUN_AS_WHEN_ROOT)
            except KeyError:
                raise MariadbUnavailable("running as root, but there is no 'mysql' user") from None
            run_as = owner.pw_name
        base = Path(tempfile.mkdtemp(prefix="itexit-mariadb-", dir="/tmp"))
        server = cls(binary, install, base, run_as)
        try:
            (base / "data").mkdir(mode=0o700)
            if owner is not None:
                for p in (base, base / "data"):
                    os.chown(p, owner.pw_uid, owner.pw_gid)
            server._install_db()
            for _ in range(3):
                server.port = free_port()
                if server._launch():
                    return server
                server._kill()
            raise MariadbUnavailable(f"mariadbd did not start:\n{server.log_tail()}")
        except BaseException:
            server.stop()
            raise

    def _user_args(self) -> list[str]:
        return [f"--user={self._run_as}"] if self._run_as else []

    def _install_db(self) -> None:
        done = subprocess.run(
            [
                self.install,
                "--no-defaults",
                f"--datadir={self.base / 'data'}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                *self._user_args(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise MariadbUnavailable(f"mariadb-install-db failed: {done.stderr[-2000:]}")

    def _launch(self) -> bool:
        self._proc = spawn(
            [
                self.binary,
                "--no-defaults",
                f"--datadir={self.base / 'data'}",
                f"--socket={self.socket}",
                f"--pid-file={self.base / 'mysqld.pid'}",
                f"--port={self.port}",
                f"--bind-address={HOST}",
                "--skip-name-resolve",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=16M",
                "--innodb-log-file-size=8M",
                "--max-connections=200",
                f"--plugin-dir={self._plugin_dir()}",
                *self._user_args(),
            ],
            self.base / "mysqld.log",
        )
        return listening(self._proc, self.port, seconds=60)

    @staticmethod
    def _plugin_dir() -> str:
        for candidate in ("/usr/lib/mysql/plugin", "/usr/lib64/mysql/plugin"):
            if os.path.isdir(candidate):
                return candidate
        return "/usr/lib/mysql/plugin"

    def admin(self) -> Any:
        """A connection as root over the private socket (autocommit)."""
        return pymysql.connect(unix_socket=self.socket, user="root", autocommit=True)

    def execute(self, statement: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.admin() as conn, conn.cursor() as cur:
            cur.execute(statement, args)
            return list(cur.fetchall())

    def add_user(self, password: str, hosts: tuple[str, ...] = ("%", "localhost")) -> str:
        """A new account under every host in ``hosts`` with ``password``; returns the name."""
        name = f"u_{secrets.token_hex(4)}"
        for host in hosts:
            self.execute("CREATE USER %s@%s IDENTIFIED BY %s", (name, host, password))
            self.execute("GRANT USAGE ON *.* TO %s@%s", (name, host))
        return name

    def grant_admin(self, name: str, host: str = "%") -> None:
        """Give an account what it needs to change other accounts and end their sessions."""
        self.execute("GRANT CREATE USER, SELECT ON *.* TO %s@%s", (name, host))
        self.execute("GRANT PROCESS, CONNECTION ADMIN ON *.* TO %s@%s", (name, host))

    def set_password(self, name: str, password: str, host: str = "%") -> None:
        self.execute("ALTER USER %s@%s IDENTIFIED BY %s", (name, host, password))

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        stop_process(proc)

    def log_tail(self, chars: int = 4000) -> str:
        return read_tail(self.base / "mysqld.log", chars)

    def stop(self) -> None:
        self._kill()
        shutil.rmtree(self.base, ignore_errors=True)
