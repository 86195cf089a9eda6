"""Key hierarchy: user key pairs wrapped by a passphrase, scope keys sealed to members (HPKE)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from itexit.domain.errors import BadInput, IntegrityFailure
from itexit.vault import aead
from itexit.vault.kdf import KdfParams, Passphrase, derive

SCOPE_KEY_BYTES = 32
_HPKE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def new_scope_key() -> bytes:
    return os.urandom(SCOPE_KEY_BYTES)


def _raw_public(key: X25519PublicKey | Ed25519PublicKey) -> bytes:
    return key.public_bytes_raw()


@dataclass(frozen=True)
class KeyPair:
    """A member's encryption (X25519) and signing (Ed25519) private keys."""

    box: X25519PrivateKey
    sign: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> KeyPair:
        return cls(X25519PrivateKey.generate(), Ed25519PrivateKey.generate())

    @property
    def box_public(self) -> bytes:
        return _raw_public(self.box.public_key())

    @property
    def sign_public(self) -> bytes:
        return _raw_public(self.sign.public_key())

    def private_bytes(self) -> bytes:
        return self.box.private_bytes_raw() + self.sign.private_bytes_raw()

    @classmethod
    def from_private_bytes(cls, raw: bytes) -> KeyPair:
        if len(raw) != 64:
            raise IntegrityFailure("A wrapped user key has the wrong length.")
        return cls(
            X25519PrivateKey.from_private_bytes(raw[:32]),
            Ed25519PrivateKey.from_private_bytes(raw[32:]),
        )

    def signature(self, message: bytes) -> bytes:
        return self.sign.sign(message)


def user_key_aad(vault_id: str, user_id: str, params: KdfParams) -> bytes:
    """Bind a wrapped key to its vault, its user and its KDF parameters."""
    return b"itexit.userkey.v1\x00" + aead.canonical(
        {
            "vault": vault_id,
            "user": user_id,
            "m": params.memory_kib,
            "t": params.time_cost,
            "p": params.parallelism,
            "salt": params.salt.hex(),
        }
    )


def wrap_user_keys(pair: KeyPair, passphrase: Passphrase, params: KdfParams, aad: bytes) -> bytes:
    return aead.seal(derive(passphrase, params), pair.private_bytes(), aad)


def unwrap_user_keys(
    wrapped: bytes, passphrase: Passphrase, params: KdfParams, aad: bytes
) -> KeyPair:
    """Derive and unwrap; a wrong passphrase and a tampered blob look the same to the caller."""
    key = derive(passphrase, params)
    raw = aead.open_sealed(key, wrapped, aad, what="user key")
    return KeyPair.from_private_bytes(raw)


def slot_info(vault_id: str, scope: str, epoch: int, holder: str) -> bytes:
    return b"itexit.slot.v1\x00" + aead.canonical(
        {"vault": vault_id, "scope": scope, "epoch": epoch, "holder": holder}
    )


def seal_to(public_raw: bytes, scope_key: bytes, info: bytes) -> bytes:
    return _HPKE.encrypt(scope_key, X25519PublicKey.from_public_bytes(public_raw), info=info)


def open_slot(private: X25519PrivateKey, sealed: bytes, info: bytes) -> bytes:
    try:
        key = _HPKE.decrypt(sealed, private, info=info)
    except Exception:
        raise IntegrityFailure(
            "A sealed scope key does not open: it was altered or moved."
        ) from None
    if len(key) != SCOPE_KEY_BYTES:
        raise IntegrityFailure("A sealed scope key has the wrong length.")
    return key


def verify_signature(public_raw: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def fingerprint(key: bytes, value: str) -> str:
    """A keyed fingerprint: lets the audit log say 'the same secret' without revealing it."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:16]


# --- recovery kit ---------------------------------------------------------------------------

_KIT_PREFIX = "ITX1"


def new_recovery_secret() -> bytes:
    return secrets.token_bytes(32)


def format_recovery_kit(secret: bytes) -> str:
    """Groups of five base32 characters with a checksum group, easy to type back from paper."""
    body = base64.b32encode(secret).decode().rstrip("=")
    check = base64.b32encode(hashlib.sha256(secret).digest()).decode()[:5]
    groups = [body[i : i + 5] for i in range(0, len(body), 5)]
    return "-".join([_KIT_PREFIX, *groups, check])


_KIT_TEXT = re.compile(r"ITX1((?:[\s-]*[A-Z0-9]){57})(?![A-Z0-9])")
"""The prefix, then 52 letters of key and 5 of checksum, grouped by dashes, spaces or neither."""


def parse_recovery_kit(text: str) -> bytes:
    found = _KIT_TEXT.search(text.upper())
    if found is None:
        if _KIT_PREFIX not in text.upper():
            raise BadInput("That is not an itexit recovery kit (it should start with ITX1).")
        raise BadInput("The recovery kit does not add up: check each group was typed correctly.")
    letters = re.sub(r"[\s-]", "", found.group(1))
    body, given_check = letters[:52], letters[52:]
    try:
        secret = base64.b32decode(body + "=" * (-len(body) % 8))
    except ValueError:
        raise BadInput("The recovery kit contains characters that are not part of a kit.") from None
    check = base64.b32encode(hashlib.sha256(secret).digest()).decode()[:5]
    if len(secret) != 32 or not hmac.compare_digest(check, given_check):
        raise BadInput("The recovery kit does not add up: check each group was typed correctly.")
    return secret


def recovery_keypair(secret: bytes) -> KeyPair:
    """The kit's key pair, derived so the printed secret alone rebuilds it."""

    def _derive(label: bytes) -> bytes:
        return HKDF(hashes.SHA256(), 32, salt=b"itexit.recovery.v1", info=label).derive(secret)

    return KeyPair(
        X25519PrivateKey.from_private_bytes(_derive(b"x25519")),
        Ed25519PrivateKey.from_private_bytes(_derive(b"ed25519")),
    )
