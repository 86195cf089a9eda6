"""An optional cache of an unlock in the OS keyring, on trusted backends only.

The keyring holds an unlock token (a random key and its expiry), never the private keys: those
are sealed under the token into a private file in the data directory, bound to the user's
stored wrapped keys, so a passphrase change (which rewraps them) or the expiry ends the cache.
Neither the keyring entry nor the file opens anything alone. The `fail` and `null` backends
hold nothing, and `keyrings.alt` writes plaintext files: all are refused, and the app simply
asks for the passphrase.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from itexit import locations, settings
from itexit.domain.errors import IntegrityFailure
from itexit.vault import aead

TOKEN_SECONDS = 8 * 3600
"""How long a cached unlock lasts (a working day)."""

TRUSTED_MODULES = (
    "keyring.backends.SecretService",
    "keyring.backends.macOS",
    "keyring.backends.Windows",
    "keyring.backends.kwallet",
    "keyring.backends.libsecret",
)


def enabled() -> bool:
    return settings.current().keyring


def is_trusted(backend: Any) -> bool:
    """A backend is trusted if it is an OS store (or declares itself one for the test suite)."""
    module = type(backend).__module__
    if module.startswith(("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")):
        return False
    if module.startswith("keyring.backends.chainer"):
        return bool(getattr(backend, "backends", None)) and all(
            is_trusted(b) for b in backend.backends
        )
    return module.startswith(TRUSTED_MODULES) or bool(getattr(backend, "itexit_trusted", False))


def _backend() -> Any | None:
    if not enabled():
        return None
    try:
        import keyring

        backend = keyring.get_keyring()
    except Exception:  # any keyring failure means: ask for the passphrase
        return None
    return backend if is_trusted(backend) else None


def _service(vault_id: str) -> str:
    return f"itexit:{vault_id}"


def _sealed_path(vault_id: str, user: str) -> Path:
    name = hashlib.sha256(f"{vault_id}\x00{user}".encode()).hexdigest()[:32]
    return locations.home() / "unlock-cache" / f"{name}.sealed"


def _aad(vault_id: str, user: str, expires: int, binding: bytes) -> bytes:
    return b"itexit.unlock-token.v2\x00" + aead.canonical(
        {
            "vault": vault_id,
            "user": user,
            "expires": expires,
            "binding": hashlib.sha256(binding).hexdigest(),
        }
    )


def store(vault_id: str, user: str, private_keys: bytes, binding: bytes = b"") -> bool:
    """Cache an unlock: a token in the keyring, the keys sealed under it in a private file.
    `binding` is the user's stored wrapped keys: when they change, the cache stops opening."""
    backend = _backend()
    if backend is None:
        return False
    token, expires = os.urandom(32), int(time.time()) + TOKEN_SECONDS
    path = _sealed_path(vault_id, user)
    locations.ensure_home()
    path.parent.mkdir(mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(aead.seal(token, private_keys, _aad(vault_id, user, expires, binding)))
    entry = {"v": 2, "token": base64.b64encode(token).decode(), "expires": expires}
    backend.set_password(_service(vault_id), user, json.dumps(entry))
    return True


def load(vault_id: str, user: str, binding: bytes = b"") -> bytes | None:
    """The cached private keys, or None (and the cache forgotten) when absent, expired, from an
    older format, or no longer bound to the user's stored keys."""
    backend = _backend()
    if backend is None:
        return None
    value = backend.get_password(_service(vault_id), user)
    if not value:
        return None
    try:
        entry = json.loads(value)
        token, expires = base64.b64decode(entry["token"]), int(entry["expires"])
        if entry.get("v") != 2 or expires <= time.time():
            raise ValueError("expired")
        blob = _sealed_path(vault_id, user).read_bytes()
        return aead.open_sealed(token, blob, _aad(vault_id, user, expires, binding))
    except (ValueError, TypeError, KeyError, OSError, IntegrityFailure):
        forget(vault_id, user)
        return None


def forget(vault_id: str, user: str) -> None:
    backend = _backend()
    if backend is None:
        return
    _sealed_path(vault_id, user).unlink(missing_ok=True)
    try:
        backend.delete_password(_service(vault_id), user)
    except Exception:  # nothing cached is the same as forgotten
        return
