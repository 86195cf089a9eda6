"""Engines for SQLite and PostgreSQL, with the SQLite file checked before anything writes to it."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from itexit.domain.errors import VaultBusy, VaultCorrupt, VaultError, VaultReadOnly


def read_only_uri(path: Path) -> str:
    """A SQLite URI that opens `path` read-only; `immutable` when no journal or WAL is beside it,
    so not even a `-shm` file is made."""
    uri = path.resolve().as_uri() + "?mode=ro"
    if not any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-journal")):
        uri += "&immutable=1"
    return uri


SQLITE_HEADER = b"SQLite format 3\x00"

_URL_PASSWORD = re.compile(r"((?:^|//)[^/@:\s]*:)[^@/\s]*@")


def mask_url(url: str) -> str:
    """The URL as it may be shown: any password in it replaced by `***`."""
    return _URL_PASSWORD.sub(r"\1***@", url)


def url_has_password(url: str) -> bool:
    return _URL_PASSWORD.search(url) is not None


def sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        return None
    return Path(parsed.database)


def preflight_sqlite(path: Path) -> None:
    """Refuse a damaged file read-only, so a truncated or zeroed vault is never overwritten.

    The file is read through SQLite only: closing any other descriptor on it would drop the
    locks this process's own connections hold on it (POSIX locks belong to the process), and
    another process could then reset the write-ahead log under them. A check made while
    someone else was writing (no log beside the file when it began) is made again.
    """
    if not path.exists() or path.stat().st_size == 0:
        return
    for attempt in range(5):
        uri = read_only_uri(path)
        problem = _quick_check(uri)
        if problem is None:
            return
        if "immutable=1" not in uri or not _in_use(path):
            break
        time.sleep(0.05 * (attempt + 1))
    if problem == "file is not a database":
        raise VaultCorrupt(
            f"{path} is not an itexit vault or its header is damaged; it was left untouched. "
            "Restore it from a backup."
        )
    raise VaultCorrupt(f"{path} {problem}; it was left untouched. Restore it from a backup.")


def _in_use(path: Path) -> bool:
    return any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-journal"))


def _quick_check(uri: str) -> str | None:
    """None when SQLite's quick check passes, else what is wrong, in words."""
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            row = conn.execute("PRAGMA quick_check").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if str(exc) == "file is not a database":
            return str(exc)
        return f"is damaged ({exc})"
    if not row or row[0] != "ok":
        return f"failed its integrity check ({row[0] if row else 'no answer'})"
    return None


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    for pragma in (
        "PRAGMA foreign_keys=ON",
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=FULL",
        "PRAGMA secure_delete=ON",
        "PRAGMA busy_timeout=10000",
    ):
        cursor.execute(pragma)
    cursor.close()


WRITE_WAIT_SECONDS = 120.0
"""How long a change waits for others' changes to finish before saying the vault is busy."""


def begin_read(session: Session) -> None:
    """Start a read that sees one committed state throughout, whatever others commit meanwhile.

    Checks that compare several tables (the signed member list against users and key slots,
    the audit log against the list) must not see half of another person's change. SQLite:
    an explicit `BEGIN`, so the WAL snapshot is taken at the first read and kept; PostgreSQL:
    REPEATABLE READ for this transaction.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if raw is not None and not getattr(raw, "in_transaction", False):
            connection.exec_driver_sql("BEGIN")
        return
    connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def begin_write(session: Session, wait_seconds: float | None = None) -> None:
    """Take the database's write lock at the start of a transaction, before anything is read.

    SQLite: `BEGIN IMMEDIATE`, so two processes never both read the same audit head and then
    both append after it; each attempt waits out the busy timeout, and the attempts repeat
    until `WRITE_WAIT_SECONDS`. PostgreSQL: the caller locks the vault's meta row
    (`SELECT ... FOR UPDATE`), which every writer takes first.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw is None or getattr(raw, "in_transaction", False):
        return
    deadline = time.monotonic() + (WRITE_WAIT_SECONDS if wait_seconds is None else wait_seconds)
    while True:
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
                raise
            if time.monotonic() >= deadline:
                raise VaultBusy(
                    "Someone else has been changing the vault for too long; nothing was "
                    "changed: try again in a minute."
                ) from None
            time.sleep(0.05)


def write_problem(exc: OperationalError) -> VaultError | None:
    """The sentence for a write the database refused for a reason outside itexit's control:
    a read-only vault, or a full disk. None for anything else."""
    text = str(exc.orig).lower()
    if "readonly" in text or "read-only" in text:
        return VaultReadOnly(
            "The vault cannot be written here (a read-only file, folder or disk); nothing "
            "was changed. Make it writable for you, or work on a copy you can write."
        )
    if "disk is full" in text or "no space" in text or "disk i/o error" in text:
        return VaultError(
            "The disk holding the vault is full (or failing); nothing was saved, the vault "
            "is as it was. Free some space and try again."
        )
    return None


def make_engine(url: str) -> Engine:
    """One engine per opened vault; never at import time, never logging parameters."""
    try:
        path = sqlite_file(url)
    except Exception:  # SQLAlchemy's parser raises several kinds on a malformed URL
        raise VaultError(
            f"{mask_url(url)} is not a database URL; write it as "
            "postgresql+psycopg://USER@HOST/DATABASE (or give --vault FILE)."
        ) from None
    if path is not None:
        preflight_sqlite(path)
        if not path.parent.exists():
            path.parent.mkdir(parents=True, mode=0o700)
        if not path.exists():
            # Created private before SQLite opens it; its -wal and -shm take the same mode.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        engine = create_engine(url, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, hide_parameters=True, pool_pre_ping=True)
    except Exception as exc:
        raise VaultError(
            f"Cannot use the database URL {mask_url(url)}: {mask_url(str(exc))}"
        ) from None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def checkpoint_and_vacuum(engine: Engine) -> None:
    """After a re-key: fold the WAL back and rewrite free pages so old ciphertexts are gone."""
    if engine.dialect.name != "sqlite":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM")
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("VACUUM")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
