"""AES-256-GCM with a fresh 96-bit nonce per message; every failure is one IntegrityFailure."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from itexit.domain.canonical import canonical
from itexit.domain.errors import IntegrityFailure

NONCE_BYTES = 12
FORMAT = b"\x01"


__all__ = ["FORMAT", "NONCE_BYTES", "canonical", "open_sealed", "seal"]


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
