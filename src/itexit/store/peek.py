"""One read-only look into a vault file before the store is loaded: a user's KDF settings.

It uses the standard library's sqlite3 alone, so unlocking can start deriving the key while
the rest of the program (the ORM, the services) is still being imported. Anything unexpected
(no file, another schema, a damaged file, a locked database) answers None, and the store's
own checks then run as usual when it opens the file.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

_QUERY = (
    "SELECT kdf_memory_kib, kdf_time_cost, kdf_parallelism, kdf_salt FROM users "
    "WHERE name = ? AND status = 'active' AND wrapped_keys IS NOT NULL"
)


def read_only_uri(path: Path) -> str:
    """A SQLite URI that opens `path` read-only; `immutable` when no journal or WAL is beside it,
    so not even a `-shm` file is made."""
    uri = path.resolve().as_uri() + "?mode=ro"
    if not any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-journal")):
        uri += "&immutable=1"
    return uri


def user_kdf_params(path: Path, name: str) -> tuple[int, int, int, bytes] | None:
    """The active user `name`'s stored KDF memory, time cost, parallelism and salt, read
    without writing anything."""
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return None
        conn = sqlite3.connect(read_only_uri(path), uri=True, timeout=0.2)
        try:
            row = conn.execute(_QUERY, (name.strip(),)).fetchone()
        finally:
            conn.close()
    except (OSError, sqlite3.Error):
        return None
    if row is None:
        return None
    memory, time_cost, parallelism, salt = row
    if not all(isinstance(v, int) for v in (memory, time_cost, parallelism)):
        return None
    if not isinstance(salt, bytes):
        return None
    return memory, time_cost, parallelism, salt
