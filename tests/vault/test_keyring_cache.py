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
    binding = _wrapped_keys(gw, "maria")
    cached = keyring_cache.load(vault_id, "maria", binding)
    assert cached is not None
    # one half of the cached pair no longer matches the keys stored for maria
    other = KeyPair.generate().private_bytes()
    stale_raw = other[:32] + cached[32:] if stale == "box" else cached[:32] + other[32:]
    keyring_cache.store(vault_id, "maria", stale_raw, binding)

    assert gw.unlock_cached("maria") is None
    assert keyring_cache.load(vault_id, "maria", binding) is None  # the stale entry is gone
    session = gw.unlock("maria", "correct horse battery staple 42")
    assert session.identity.name == "maria"
    assert keyring_cache.load(vault_id, "maria", binding) == cached


def _wrapped_keys(gw: Gateway, name: str) -> bytes:
    from sqlalchemy import select

    from itexit.store.models import User

    with gw.store.sessions() as session:
        wrapped = session.scalars(select(User.wrapped_keys).where(User.name == name)).one()
    assert wrapped is not None
    return bytes(wrapped)


def test_the_keyring_holds_a_token_never_the_private_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    monkeypatch.setenv("ITEXIT_KEYRING", "1")
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    gw = Gateway.open(VaultLocation(path=tmp_path / "v.sqlite"))
    gw.create("Practice", "maria", "correct horse battery staple 42").session.lock()
    session = gw.unlock("maria", "correct horse battery staple 42")
    private = session.ctx.actor.keys
    assert private is not None
    raw = private.private_bytes()
    (entry,) = memory.items.values()
    import base64

    assert raw not in entry.encode() and base64.b64encode(raw).decode() not in entry
    assert set(json.loads(entry)) == {"v", "token", "expires"}
    sealed = list((Path(__import__("os").environ["ITEXIT_HOME"]) / "unlock-cache").iterdir())
    assert len(sealed) == 1 and raw not in sealed[0].read_bytes()
    assert oct(sealed[0].stat().st_mode & 0o777) == "0o600"
    # the file alone (without the keyring's token) and the token alone open nothing
    memory.items.clear()
    assert gw.unlock_cached("maria") is None


def test_a_passphrase_change_ends_the_cached_unlock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ITEXIT_KEYRING", "1")
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    gw = Gateway.open(VaultLocation(path=tmp_path / "v.sqlite"))
    gw.create("Practice", "maria", "correct horse battery staple 42").session.lock()
    gw.unlock("maria", "correct horse battery staple 42").lock()
    cached = gw.unlock_cached("maria")
    assert cached is not None
    cached.change_passphrase("maria", "a brand new passphrase for maria 77")
    cached.lock()
    assert gw.unlock_cached("maria") is None  # the old token no longer opens anything
    assert memory.items == {}


def test_a_cached_unlock_expires(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frozen_now: Any
) -> None:
    monkeypatch.setenv("ITEXIT_KEYRING", "1")
    keyring.set_keyring(MemoryKeyring())
    gw = Gateway.open(VaultLocation(path=tmp_path / "v.sqlite"))
    gw.create("Practice", "maria", "correct horse battery staple 42").session.lock()
    gw.unlock("maria", "correct horse battery staple 42").lock()
    frozen_now.advance(hours=7)
    session = gw.unlock_cached("maria")
    assert session is not None
    session.lock()
    frozen_now.advance(hours=2)
    assert gw.unlock_cached("maria") is None
