"""A throwaway PostgreSQL server for the test suite.

The server runs from a fresh temporary cluster, listens only on 127.0.0.1 (plus a
private Unix socket directory), trusts every local connection as the ``itexit``
role, and trades durability for speed (no fsync). ``stop()`` kills it and deletes
the cluster.

PostgreSQL refuses to run as root, so when the tests run as root the cluster is
owned by, and the server runs as, the ``postgres`` system user (via ``runuser``).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

SUPERUSER = "itexit"
HOST = "127.0.0.1"
RUN_AS_WHEN_ROOT = "postgres"

MISSING_BINARIES = (
    "PostgreSQL binaries (initdb, pg_ctl) were not found on PATH or under "
    "/usr/lib/postgresql/*/bin; install them with `make system-deps` "
    "(Debian package: postgresql)"
)


class PgUnavailable(RuntimeError):
    """PostgreSQL cannot be run here (binaries or the service user are missing)."""


class PgStartError(RuntimeError):
    """The binaries exist but the server did not come up."""


def find_pg_bindir() -> Path | None:
    """Directory holding both initdb and pg_ctl: PATH first, then the newest Debian install."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and Path(initdb).parent == Path(pg_ctl).parent:
        return Path(initdb).parent

    def version_key(path: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path.parent.name)) or (0,)

    candidates = [
        d
        for d in Path("/usr/lib/postgresql").glob("*/bin")
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file()
    ]
    if candidates:
        return max(candidates, key=version_key)
    return None


def pg_available() -> bool:
    return find_pg_bindir() is not None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _traversable_by_all(path: Path) -> bool:
    """True if every directory from / down to ``path`` has the o+x bit."""
    for p in [path, *path.parents]:
        try:
            if not p.stat().st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


class PgServer:
    """A running throwaway server. Use :meth:`start`, or as a context manager."""

    def __init__(self, bindir: Path, base: Path, port: int, run_as: str | None) -> None:
        self.bindir = bindir
        self.base = base
        self.datadir = base / "data"
        self.sockdir = base / "sock"
        self.logfile = base / "server.log"
        self.host = HOST
        self.port = port
        self.user = SUPERUSER
        self._run_as = run_as
        self._running = False

    # -- lifecycle ---------------------------------------------------------------

    @classmethod
    def start(cls, attempts: int = 3) -> PgServer:
        bindir = find_pg_bindir()
        if bindir is None:
            raise PgUnavailable(MISSING_BINARIES)

        run_as: str | None = None
        owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                raise PgUnavailable("running as root, but `runuser` is not available")
            try:
                owner = pwd.getpwnam(RUN_AS_WHEN_ROOT)
            except KeyError:
                raise PgUnavailable(
                    f"running as root, but there is no {RUN_AS_WHEN_ROOT!r} system user "
                    "to run PostgreSQL as (PostgreSQL refuses to run as root)"
                ) from None
            run_as = owner.pw_name

        parent = Path(tempfile.gettempdir())
        if owner is not None and not _traversable_by_all(parent):
            parent = Path("/tmp")
        base = Path(tempfile.mkdtemp(prefix="itexit-pg-", dir=parent))
        try:
            (base / "data").mkdir(mode=0o700)
            (base / "sock").mkdir(mode=0o700)
            if owner is not None:
                for p in (base, base / "data", base / "sock"):
                    os.chown(p, owner.pw_uid, owner.pw_gid)
            server = cls(bindir, base, _free_port(), run_as)
            server._initdb()
            last_error: PgStartError | None = None
            for _ in range(attempts):
                try:
                    server._pg_ctl_start()
                    return server
                except PgStartError as exc:  # most likely the port was taken meanwhile
                    last_error = exc
                    server.port = _free_port()
            assert last_error is not None
            raise last_error
        except BaseException:
            shutil.rmtree(base, ignore_errors=True)
            raise

    def stop(self) -> None:
        if self._running:
            self._running = False
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                self._run(
                    [
                        str(self.bindir / "pg_ctl"),
                        "-D",
                        str(self.datadir),
                        "-m",
                        "immediate",
                        "-w",
                        "stop",
                    ],
                    timeout=30,
                )
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> PgServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- public helpers ----------------------------------------------------------

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.conninfo(dbname), autocommit=True)

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create database ``name`` (a copy of ``template``, if given); return its URL."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
        with self.connect() as conn:
            conn.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self.connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    # -- internals ---------------------------------------------------------------

    def _run(self, cmd: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
        if self._run_as is not None:
            cmd = ["runuser", "-u", self._run_as, "--", *cmd]
        # cwd=base: the service user may not be able to read the caller's working dir.
        return subprocess.run(
            cmd, cwd=self.base, capture_output=True, text=True, timeout=timeout, check=False
        )

    def _initdb(self) -> None:
        result = self._run(
            [
                str(self.bindir / "initdb"),
                "-D", str(self.datadir),
                "-A", "trust",
                "-U", SUPERUSER,
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            timeout=120,
        )  # fmt: skip
        if result.returncode != 0:
            raise PgStartError(f"initdb failed:\n{result.stdout}\n{result.stderr}")

    def _pg_ctl_start(self) -> None:
        options = (
            f"-h {self.host} -p {self.port} -k {self.sockdir} -F "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        result = self._run(
            [
                str(self.bindir / "pg_ctl"),
                "-D", str(self.datadir),
                "-l", str(self.logfile),
                "-w", "-t", "60",
                "-o", options,
                "start",
            ],
            timeout=90,
        )  # fmt: skip
        if result.returncode != 0:
            log = ""
            with contextlib.suppress(OSError):
                log = self.logfile.read_text(errors="replace")[-4000:]
            # pg_ctl may have left a half-started postmaster behind.
            self._run(
                [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"],
                timeout=30,
            )
            raise PgStartError(
                f"pg_ctl start failed (port {self.port}):\n{result.stdout}\n{result.stderr}\n{log}"
            )
        self._running = True
