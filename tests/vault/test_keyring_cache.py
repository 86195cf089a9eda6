"""The keyring cache is used only on trusted backends; plaintext and no-op backends are refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null

from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation
from itexit.vault import keyring_cache
from itexit.vault.keys import KeyPair


class MemoryKeyring(KeyringBackend):
    """An in-memory OS-like store for tests, declaring itself trusted."""

    priority = 1  # type: ignore[assignment]
    itexit_trusted = True

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


class PlaintextAlt(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("a plaintext backend must never be written")

    def delete_password(self, service: str, username: str) -> None:
        return None


PlaintextAlt.__module__ = "keyrings.alt.file"


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring(), PlaintextAlt()])
def test_untrusted_backends_are_refused(backend: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITEXIT_KEYRING", "1")
    keyring.set_keyring(backend)
    assert not keyring_cache.is_trusted(backend)
    assert keyring_cache.store("v", "maria", b"k" * 64) is False
    assert keyring_cache.load("v", "maria") is None


def test_trusted_backend_caches_the_unlock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITEXIT_KEYRING", "1")
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    gw = Gateway.open(VaultLocation(path=tmp_path / "v.sqlite"))
    gw.create("Practice", "maria", "correct horse battery staple 42").session.lock()
    assert gw.unlock_cached("maria") is None
    gw.unlock("maria", "correct horse battery staple 42").lock()
    assert len(memory.items) == 1
    session = gw.unlock_cached("maria")
    assert session is not None and session.identity.name == "maria"


def test_cache_is_off_unless_enabled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ITEXIT_KEYRING", raising=False)
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    gw = Gateway.open(VaultLocation(path=tmp_path / "v.sqlite"))
    gw.create("Practice", "maria", "correct horse battery staple 42").session.lock()
    gw.unlock("maria", "correct horse battery staple 42")
    assert memory.items == {}


@pytest.mark.parametrize("stale", ["box", "sign"])
def test_a_stale_cached_key_pair_falls_back_to_the_passphrase(
    stale: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ITEXIT_KEYRING", "1")
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    gw = Gateway.open(VaultLocation(path=tmp_path / "v.sqlite"))
    created = gw.create("Practice", "maria", "correct horse battery staple 42").session
    vault_id = created.ctx.vault_id
    created.lock()
    gw.unlock("maria", "correct horse battery staple 42").lock()
    cached = keyring_cache.load(vault_id, "maria")
    assert cached is not None
    # one half of the cached pair no longer matches the keys stored for maria
    other = KeyPair.generate().private_bytes()
    stale_raw = other[:32] + cached[32:] if stale == "box" else cached[:32] + other[32:]
    keyring_cache.store(vault_id, "maria", stale_raw)

    assert gw.unlock_cached("maria") is None
    assert keyring_cache.load(vault_id, "maria") is None  # the stale entry is forgotten
    session = gw.unlock("maria", "correct horse battery staple 42")
    assert session.identity.name == "maria"
    assert keyring_cache.load(vault_id, "maria") == cached
