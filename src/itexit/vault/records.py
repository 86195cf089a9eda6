"""One AEAD document per record version, bound to where it lives so it cannot be moved."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from itexit.vault import aead
from itexit.vault.memory import held, wipe, wipe_text

FORMAT_VERSION = 1


@dataclass(frozen=True)
class RecordAddress:
    """Everything the ciphertext is bound to: a change to any of it makes decryption fail."""

    vault_id: str
    table: str
    record_id: str
    version: int
    scope: str
    epoch: int
    labels: Mapping[str, Any] = field(default_factory=dict)

    def aad(self) -> bytes:
        labels_hash = hashlib.sha256(aead.canonical(dict(self.labels))).hexdigest()
        return b"itexit.record.v1\x00" + aead.canonical(
            {
                "fmt": FORMAT_VERSION,
                "vault": self.vault_id,
                "table": self.table,
                "id": self.record_id,
                "version": self.version,
                "scope": self.scope,
                "epoch": self.epoch,
                "labels": labels_hash,
            }
        )


def encrypt_document(key: bytes, address: RecordAddress, document: Mapping[str, Any]) -> bytes:
    return aead.seal(key, aead.canonical(dict(document)), address.aad())


def decrypt_document(key: bytes, address: RecordAddress, blob: bytes) -> dict[str, Any]:
    plaintext = held(aead.open_sealed(key, blob, address.aad(), what=f"{address.table} record"))
    text = plaintext.decode("utf-8")
    wipe(plaintext)
    try:
        value = json.loads(text)
    finally:
        wipe_text(text)  # the document's values are copies of their own
    if not isinstance(value, dict):
        raise ValueError("document is not an object")
    return value
