"""Start unlocking before the store is loaded: the key derivation runs while the code imports.

A command-line unlock spends about half a second deriving the key and about as long importing
the ORM and the services. Argon2 releases the interpreter lock, so the two can overlap, as far
as the cores its lanes leave free allow: the user's KDF settings are read with the standard
library alone, the derivation starts in a thread, and `Gateway.unlock` takes the key when it
gets there. Nothing is trusted from the early read: the gateway reads the user again through
the store and uses the key only if the settings match exactly, and the wrapped keys'
authentication still decides whether the passphrase was right.
"""

from __future__ import annotations

import importlib
import threading

from itexit.services.location import VaultLocation
from itexit.store.peek import user_kdf_params
from itexit.vault import keyring_cache
from itexit.vault.kdf import KdfParams, Passphrase, Prederivation
from itexit.vault.memory import wipe

Early = Prederivation | None
"""A derivation under way, or None where none could start."""

_begun: tuple[VaultLocation, str, Passphrase, Prederivation] | None = None
"""The derivation `begin` started, with the vault, user and passphrase it was started for."""


def start(location: VaultLocation, name: str, passphrase: Passphrase) -> Early:
    """A derivation for `name` already under way, or None where none can start early."""
    if location.path is None:
        return None
    stored = user_kdf_params(location.path, name)
    return Prederivation(passphrase, KdfParams(*stored)) if stored is not None else None


def begin(location: VaultLocation, name: str, passphrase: Passphrase) -> None:
    """Start a derivation before the command line is loaded (`itexit.launch`), for `claim`."""
    global _begun
    early = start(location, name, passphrase)
    _begun = (location, name, passphrase, early) if early is not None else None


def claim(location: VaultLocation, name: str, passphrase: Passphrase) -> Early:
    """The derivation `begin` started, if it was for this vault, user and passphrase; it is
    handed over once, and dropped otherwise."""
    global _begun
    begun, _begun = _begun, None
    if begun is None:
        return None
    matches = begun[:3] == (location, name, passphrase)
    if isinstance(begun[2], bytearray) and begun[2] is not passphrase:
        wipe(begun[2])  # the derivation holds its own copy
    return begun[3] if matches else None


def cached_unlock_enabled() -> bool:
    """Whether an unlock may come from the operating system's keyring (nothing starts early)."""
    return keyring_cache.enabled()


def preload_store() -> None:
    """Import the store and the services in a thread, while a person types a passphrase."""
    threading.Thread(
        target=importlib.import_module,
        args=("itexit.services.gateway",),
        name="itexit-preload",
        daemon=True,
    ).start()
