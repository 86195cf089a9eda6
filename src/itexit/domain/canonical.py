"""One unambiguous byte string for a JSON-able value: what is signed, hashed or bound as AAD."""

from __future__ import annotations

import json
from typing import Any


def canonical(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same value always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
