"""Engines for SQLite and PostgreSQL, with the SQLite file checked before anything writes to it."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from itexit.domain.errors import VaultCorrupt, VaultError
from itexit.store.peek import read_only_uri

SQLITE_HEADER = b"SQLite format 3\x00"


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
    """Refuse a damaged file read-only, so a truncated or zeroed vault is never overwritten."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise VaultCorrupt(
            f"{path} is not an itexit vault or its header is damaged; it was left untouched. "
            "Restore it from a backup."
        )
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            row = conn.execute("PRAGMA quick_check").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise VaultCorrupt(
            f"{path} is damaged ({exc}); it was left untouched. Restore it from a backup."
        ) from None
    if not row or row[0] != "ok":
        raise VaultCorrupt(
            f"{path} failed its integrity check ({row[0] if row else 'no answer'}); "
            "it was left untouched. Restore it from a backup."
        )


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


def make_engine(url: str) -> Engine:
    """One engine per opened vault; never at import time, never logging parameters."""
    path = sqlite_file(url)
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
        raise VaultError(f"Cannot use the database URL: {exc}") from None


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
