"""A keyed tag over a record's plain states, checked without opening the record.

The exposure ledger reads every credential's status and flags on every read; opening ten
thousand sealed records each time would cost more than the whole read. So each credential also
carries a tag: keyed BLAKE2b, under a key derived from its scope key, over where it lives
(vault, table, id, version, scope, epoch) and the plain columns that steer a decision. Whoever
can write the database but holds no scope key cannot make a tag for an edited row; a reader
who holds the key checks every row's tag in about two microseconds.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

_LABEL = b"itexit.bound-tag.v1\x00"
_PERSON = b"itexit.tag.v1"
_REMEMBERED = 200_000
"""At most this many verified rows are remembered per scope and epoch (a few tens of MB)."""


def tag_key(scope_key: bytes) -> bytes:
    """The key the tags of one scope and epoch are made with, derived from its scope key."""
    return hmac.digest(scope_key, _LABEL, "sha256")


def _moment(value: Any) -> Any:
    """A timestamp as UTC ISO text, however the backend gave it back (SQLite: without zone)."""
    if not isinstance(value, datetime):
        return value
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


class Tagger:
    """Makes and checks the tags of one table's rows of one scope and epoch.

    A tag covers the `repr` of a tuple of plain values (text, numbers, booleans, None: one
    unambiguous form on every backend); the columns at `times` are timestamps, written as UTC
    text first, since SQLite gives them back without their zone."""

    __slots__ = ("_base", "_seen", "_times")

    def __init__(self, key: bytes, vault_id: str, table: str, times: Sequence[int] = ()) -> None:
        base = hashlib.blake2b(key=key, digest_size=32, person=_PERSON)
        base.update(repr((vault_id, table)).encode())
        self._base = base
        self._seen: set[tuple[Any, ...]] = set()
        """Rows (with their stored tag) this tagger has verified: the same bytes again need no
        second hash, and any change to any of them is a different row, verified afresh."""
        self._times = tuple(4 + i for i in times)

    def tag_of(self, row: tuple[Any, ...]) -> str:
        """The tag of `row`: (id, version, scope, epoch, *tagged values)."""
        for i in self._times:
            if row[i] is not None:
                row = tuple(_moment(v) for v in row)
                break
        digest = self._base.copy()
        digest.update(repr(row).encode())
        return digest.hexdigest()

    def matches(self, row: tuple[Any, ...], stored: str | None) -> bool:
        """Whether `stored` is the tag of `row` (laid out as for `tag_of`)."""
        if not stored:
            return False
        seen = (stored, row)
        if seen in self._seen:
            return True
        if not hmac.compare_digest(self.tag_of(row), stored):
            return False
        if len(self._seen) < _REMEMBERED:
            self._seen.add(seen)
        return True
