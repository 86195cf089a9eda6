"""A keyed tag over a record's plain states, checked without opening the record.

The exposure ledger reads every credential's status and flags on every read; opening ten
thousand sealed records each time would cost about a tenth of a second more than the whole
read. So each credential also carries an HMAC-SHA256 tag, under a key derived from its scope
key, over where it lives (vault, table, id, version, scope, epoch) and the plain columns that
steer a decision. Whoever can write the database but holds no scope key cannot make a tag
for an edited row; a reader who holds the key checks every row's tag in a few microseconds.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

_LABEL = b"itexit.bound-tag.v1\x00"


def tag_key(scope_key: bytes) -> bytes:
    """The key the tags of one scope and epoch are made with, derived from its scope key."""
    return hmac.digest(scope_key, _LABEL, "sha256")


def _moment(value: Any) -> str:
    """A timestamp as UTC ISO text, however the backend gave it back (SQLite: without zone)."""
    if not isinstance(value, datetime):
        raise TypeError(f"{type(value).__name__} cannot be tagged")
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


_encode = json.JSONEncoder(separators=(",", ":"), default=_moment).encode


class Tagger:
    """Makes the tags of one table's rows of one scope and epoch."""

    __slots__ = ("_key", "_prefix")

    def __init__(self, key: bytes, vault_id: str, table: str) -> None:
        self._key = key
        self._prefix = _LABEL + _encode([vault_id, table]).encode()

    def tag(
        self, record_id: str, version: int, scope: str, epoch: int, values: Sequence[Any]
    ) -> str:
        """The tag of one record version and the values of its tagged columns, in order
        (booleans as booleans, numbers as numbers, times in UTC: as the database gives them)."""
        message = _encode([record_id, version, scope, epoch, *values]).encode()
        return hmac.digest(self._key, self._prefix + message, "sha256").hex()

    def matches(
        self,
        stored: str | None,
        record_id: str,
        version: int,
        scope: str,
        epoch: int,
        values: Sequence[Any],
    ) -> bool:
        if not stored:
            return False
        return hmac.compare_digest(self.tag(record_id, version, scope, epoch, values), stored)
