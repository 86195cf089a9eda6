"""An optional cache of a user's unlocked keys in the OS keyring, on trusted backends only.

The `fail` and `null` backends hold nothing, and `keyrings.alt` writes plaintext files: all are
refused, and the app simply asks for the passphrase.
"""

from __future__ import annotations

import base64
import os
from typing import Any

TRUSTED_MODULES = (
    "keyring.backends.SecretService",
    "keyring.backends.macOS",
    "keyring.backends.Windows",
    "keyring.backends.kwallet",
    "keyring.backends.libsecret",
)


def enabled() -> bool:
    return os.environ.get("ITEXIT_KEYRING", "") == "1"


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


def store(vault_id: str, user: str, private_keys: bytes) -> bool:
    backend = _backend()
    if backend is None:
        return False
    backend.set_password(_service(vault_id), user, base64.b64encode(private_keys).decode())
    return True


def load(vault_id: str, user: str) -> bytes | None:
    backend = _backend()
    if backend is None:
        return None
    value = backend.get_password(_service(vault_id), user)
    return base64.b64decode(value) if value else None


def forget(vault_id: str, user: str) -> None:
    backend = _backend()
    if backend is None:
        return
    try:
        backend.delete_password(_service(vault_id), user)
    except Exception:  # nothing cached is the same as forgotten
        return
