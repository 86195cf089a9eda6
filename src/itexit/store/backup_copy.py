"""Copies of a vault's tables: SQLite's online backup, and a logical copy between databases.

A backup file is always a SQLite database with the vault's schema, whichever database the
vault lives in, so it can be carried anywhere and restored into either kind. Nothing here
decrypts: rows are copied as they are stored, sealed documents included.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import Connection, Engine, Integer, create_engine, insert, select, text

from itexit.store.engine import SQLITE_HEADER
from itexit.store.migrate import HEAD_REVISION, MIGRATIONS
from itexit.store.schema import Base

MANIFEST_TABLE = "itexit_backup_manifest"
_BATCH = 500


def sqlite_online_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite vault (its WAL included) while others write to it.

    The whole database is copied in one step under one read transaction, so writers in other
    processes neither restart nor tear the copy.
    """
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def new_sqlite_schema(target: Path) -> Engine:
    """An empty SQLite file at `target` holding the vault's schema at the newest revision."""
    engine = create_engine(f"sqlite:///{target}", hide_parameters=True)
    upgrade(engine)
    return engine


def upgrade(engine: Engine, connection: Connection | None = None) -> None:
    """Apply every migration to an empty database (in `connection`'s transaction if given)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
        command.upgrade(config, HEAD_REVISION)
        return
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, HEAD_REVISION)


def copy_rows(source: Connection, target: Connection) -> int:
    """Copy every row of the vault's tables, parents before children; returns the row count."""
    copied = 0
    for table in Base.metadata.sorted_tables:
        result = source.execute(select(table))
        while True:
            rows = result.mappings().fetchmany(_BATCH)
            if not rows:
                break
            target.execute(insert(table), [dict(row) for row in rows])
            copied += len(rows)
    return copied


def logical_copy(source: Engine, target: Engine) -> int:
    """Every itexit table of a server database into an empty vault schema, from one snapshot."""
    with (
        source.connect().execution_options(isolation_level="REPEATABLE READ") as src,
        src.begin(),
        target.begin() as dst,
    ):
        if source.dialect.name == "postgresql":
            src.exec_driver_sql("SET TRANSACTION READ ONLY")
        return copy_rows(src, dst)


def replace_tables(source: Engine, target: Engine) -> int:
    """Drop the target's itexit tables, rebuild the schema and copy the source's rows into it,
    in one transaction: the target holds the old vault or the restored one, never half of each."""
    with source.connect() as src, target.begin() as dst:
        Base.metadata.drop_all(dst)
        dst.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(target, dst)
        copied = copy_rows(src, dst)
        if target.dialect.name == "postgresql":
            _reset_sequences(dst)
        return copied


def _reset_sequences(conn: Connection) -> None:
    """After rows arrive with their ids, each serial column continues from the largest."""
    for table in Base.metadata.sorted_tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer) or column.autoincrement is False:
                continue
            sequence = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            ).scalar()
            if sequence:
                conn.execute(
                    text(
                        f"SELECT setval(:s, COALESCE((SELECT MAX({column.name}) FROM "  # noqa: S608
                        f"{table.name}), 0) + 1, false)"
                    ),
                    {"s": sequence},
                )


def write_manifest(path: Path, body: str, signature: str) -> None:
    """Store the signed manifest inside the backup file itself, so the two never part."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(f"CREATE TABLE {MANIFEST_TABLE} (body TEXT NOT NULL, signature TEXT)")
            conn.execute(f"INSERT INTO {MANIFEST_TABLE} VALUES (?, ?)", (body, signature))  # noqa: S608
    finally:
        conn.close()


def drop_manifest(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(f"DROP TABLE IF EXISTS {MANIFEST_TABLE}")
    finally:
        conn.close()


def check_file(path: Path) -> tuple[str, str] | str:
    """The manifest (body, signature) of a backup file, or one sentence saying what is wrong."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    if header != SQLITE_HEADER:
        return "it is not an itexit backup (its first bytes are wrong)"
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro&immutable=1", uri=True)
        try:
            checked = conn.execute("PRAGMA integrity_check").fetchall()
            if [tuple(r) for r in checked] != [("ok",)]:
                return "it is damaged (its integrity check failed)"
            row = conn.execute(
                f"SELECT body, signature FROM {MANIFEST_TABLE}"  # noqa: S608
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if "no such table" in str(exc):
            return "it carries no backup manifest"
        return f"it is damaged or cut short ({exc})"
    if row is None or not isinstance(row[0], str):
        return "its manifest is empty"
    return str(row[0]), str(row[1] or "")


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
