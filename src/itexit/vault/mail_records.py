"""The bulk sealer for mail message rows: one AES-GCM object and a precomputed AAD template.

Message headers arrive by the thousand, so building a `RecordAddress` per row would cost more
than the sealing. The associated data is byte for byte what `RecordAddress.aad()` gives
(checked when the sealer is built), so any message row also opens through the ordinary record
path; the re-key on removing a person relies on that.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from itexit.domain.errors import IntegrityFailure
from itexit.domain.mailbox import MessageHeaders
from itexit.vault import aead
from itexit.vault.records import FORMAT_VERSION, RecordAddress

_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_SCOPE = "cred"


class MessageSealer:
    """Seal, open and fingerprint message documents of one vault, table and key epoch."""

    def __init__(self, key: bytes, vault_id: str, epoch: int, table: str) -> None:
        self.epoch = epoch
        self.table = table
        self._aead = AESGCM(key)
        self._vault_json = json.dumps(vault_id, ensure_ascii=False)
        self._table_json = json.dumps(table, ensure_ascii=False)
        self._fp_key = hmac.new(key, b"itexit.mail.fingerprint", hashlib.sha256).digest()
        self._labels: dict[tuple[str, str], str] = {}
        sample = RecordAddress(
            vault_id=vault_id,
            table=table,
            record_id="7",
            version=1,
            scope=_SCOPE,
            epoch=epoch,
            labels={"mailbox_id": "m", "folder": "INBOX", "uidvalidity": 3, "uid": 9},
        )
        if sample.aad() != self.aad(7, "m", "INBOX", 3, 9):
            raise IntegrityFailure("The message record format does not match the vault's.")

    def aad(
        self, record_id: int, mailbox_id: str, folder: str, uidvalidity: int, uid: int
    ) -> bytes:
        prefix = self._labels.get((mailbox_id, folder))
        if prefix is None:
            prefix = (
                '{"folder":'
                + json.dumps(folder, ensure_ascii=False)
                + ',"mailbox_id":'
                + json.dumps(mailbox_id, ensure_ascii=False)
            )
            self._labels[(mailbox_id, folder)] = prefix
        labels = f'{prefix},"uid":{uid},"uidvalidity":{uidvalidity}}}'
        digest = hashlib.sha256(labels.encode()).hexdigest()
        return (
            f'itexit.record.v1\x00{{"epoch":{self.epoch},"fmt":{FORMAT_VERSION},'
            f'"id":"{record_id}","labels":"{digest}","scope":"{_SCOPE}",'
            f'"table":{self._table_json},"vault":{self._vault_json},"version":1}}'
        ).encode()

    def seal(self, document: dict[str, str], aad: bytes) -> bytes:
        nonce = os.urandom(aead.NONCE_BYTES)
        plaintext = _COMPACT_JSON.encode(document).encode()
        return aead.FORMAT + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, blob: bytes, aad: bytes) -> dict[str, Any]:
        try:
            plaintext = self._aead.decrypt(blob[1 : 1 + aead.NONCE_BYTES], blob[13:], aad)
        except InvalidTag:
            raise IntegrityFailure(
                "An encrypted mail message does not verify: it was altered or moved."
            ) from None
        value = json.loads(plaintext)
        if not isinstance(value, dict):
            raise IntegrityFailure("An encrypted mail message is not a document.")
        return value

    def fingerprint(self, headers: MessageHeaders) -> str:
        basis = (
            headers.message_id
            or headers.header_digest
            or "\x00".join(
                (headers.sender, headers.subject, headers.date.isoformat() if headers.date else "")
            )
        )
        return hashlib.blake2b(basis.encode(), key=self._fp_key, digest_size=16).hexdigest()
