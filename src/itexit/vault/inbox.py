"""A write-only inbox: anyone may seal a hand-over to it, only a `cred` key holder can open it.

The inbox key pair of an epoch is derived from that epoch's `cred` scope key with HKDF under a
fixed label, so every holder of the key re-derives the same private half. Entries are sealed
with HPKE (RFC 9180: X25519, HKDF-SHA256, AES-256-GCM) whose `info` binds the vault, the inbox
epoch and the entry id, so a sealed entry copied to another row or vault does not open.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from itexit.domain.errors import IntegrityFailure
from itexit.vault import aead

INBOX_LABEL = b"itexit.handover-inbox.v1"
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def derive_inbox_key(cred_key: bytes, vault_id: str) -> X25519PrivateKey:
    """The inbox private key of the epoch whose `cred` key is given."""
    raw = HKDF(hashes.SHA256(), 32, salt=vault_id.encode(), info=INBOX_LABEL).derive(cred_key)
    return X25519PrivateKey.from_private_bytes(raw)


def public_raw(private: X25519PrivateKey) -> bytes:
    return private.public_key().public_bytes_raw()


def private_raw(private: X25519PrivateKey) -> bytes:
    return private.private_bytes_raw()


def private_from_raw(raw: bytes) -> X25519PrivateKey:
    if len(raw) != 32:
        raise IntegrityFailure("An inbox key has the wrong length.")
    return X25519PrivateKey.from_private_bytes(raw)


def key_statement(vault_id: str, key_epoch: int, public: bytes) -> bytes:
    """The bytes a `cred` holder signs when publishing an inbox key, so senders can check it."""
    return b"itexit.inbox-key.v1\x00" + aead.canonical(
        {"vault": vault_id, "epoch": key_epoch, "public": public.hex()}
    )


def signature_valid(signer_public: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(signer_public).verify(signature, message)
    except Exception:
        return False
    return True


def entry_info(vault_id: str, key_epoch: int, entry_id: str) -> bytes:
    return b"itexit.inbox-entry.v1\x00" + aead.canonical(
        {"vault": vault_id, "epoch": key_epoch, "entry": entry_id}
    )


def seal_entry(public: bytes, payload: dict[str, Any], info: bytes) -> bytes:
    """Seal a JSON payload to the inbox public key; the sender cannot open it again."""
    recipient = X25519PublicKey.from_public_bytes(public)
    return _SUITE.encrypt(aead.canonical(payload), recipient, info=info)


def open_entry(private: X25519PrivateKey, sealed: bytes, info: bytes) -> dict[str, Any]:
    try:
        plaintext = _SUITE.decrypt(sealed, private, info=info)
    except Exception:
        raise IntegrityFailure(
            "A sealed hand-over does not open: it was altered or moved."
        ) from None
    value = json.loads(plaintext)
    if not isinstance(value, dict):
        raise IntegrityFailure("A sealed hand-over is not a record.")
    return value


class InboxKey:
    """One epoch's inbox private key, used only through these methods (services never see
    its bytes): its public half, the document it is kept in, and opening entries."""

    def __init__(self, private: X25519PrivateKey) -> None:
        self._private = private

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> InboxKey:
        """The key kept (sealed under `cred`) in its `handover_keys` row's document."""
        try:
            raw = bytes.fromhex(str(document["private"]))
        except (KeyError, ValueError):
            raise IntegrityFailure("An inbox key is unreadable.") from None
        return cls(private_from_raw(raw))

    def document(self) -> dict[str, Any]:
        """What the `handover_keys` row seals: the private half, as hex."""
        return {"private": private_raw(self._private).hex()}

    @property
    def public(self) -> bytes:
        return public_raw(self._private)

    def open_entry(self, sealed: bytes, info: bytes) -> dict[str, Any]:
        return open_entry(self._private, sealed, info)
