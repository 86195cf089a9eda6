"""Bring a vault's schema to the newest revision, backing the file up first."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from itexit.store.engine import sqlite_file

HEAD_REVISION = "0013"
MIGRATIONS = Path(__file__).with_name("migrations")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return str(value) if value is not None else None


def backup_sqlite(path: Path, backup_dir: Path, revision: str | None) -> Path:
    """A consistent copy through SQLite's backup API (the WAL included)."""
    backup_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backup_dir / f"{path.stem}-before-{revision or 'empty'}-{stamp}.sqlite"
    src = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    target.chmod(0o600)
    return target


def ensure_schema(engine: Engine, backup_dir: Path) -> str | None:
    """Apply pending migrations; returns the backup made, if any. Alembic loads only when needed."""
    revision = current_revision(engine)
    if revision == HEAD_REVISION:
        return None
    backup: Path | None = None
    path = sqlite_file(str(engine.url))
    if revision is not None and path is not None and path.exists():
        backup = backup_sqlite(path, backup_dir, revision)
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, HEAD_REVISION)
    return str(backup) if backup else None
