"""AES-256-GCM with a fresh 96-bit nonce per message; every failure is one IntegrityFailure."""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from itexit.domain.errors import IntegrityFailure

NONCE_BYTES = 12
FORMAT = b"\x01"


def canonical(value: Any) -> bytes:
    """One unambiguous byte string for a JSON-able value: sorted keys, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, blob: bytes, aad: bytes, what: str = "record") -> bytes:
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != FORMAT:
        raise IntegrityFailure(f"The encrypted {what} is malformed or was altered.")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, aad)
    except InvalidTag:
        raise IntegrityFailure(
            f"The encrypted {what} does not verify: it was altered or moved."
        ) from None
