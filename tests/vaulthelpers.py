"""Helpers shared by the vault, store, services and security tests.

Plain functions (not fixtures) so each test module states what it builds. Everything here goes
through the public entry points (`Gateway`, `UnlockedVault`) except the explicit raw-SQL helpers,
which stand in for someone editing the database behind the app's back.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from itexit.domain.credentials import Category, NewCredential
from itexit.domain.roles import Role
from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation
from itexit.services.session import UnlockedVault
from itexit.store.engine import sqlite_file
from itexit.store.schema import encrypted_models

PRACTICE = "Harbour Family Practice"
MANAGER = "alice"
MANAGER_PASS = "correct horse battery staple 42"
MANAGER2 = "dora"
MANAGER2_PASS = "velvet otter juggles quinoa 58"
CONSULTANT = "bob"
CONSULTANT_PASS = "purple monkey dishwasher orbit 77"
HR_USER = "hana"
HR_PASS = "granite lantern mosaic thistle 19"
VIEWER = "vic"
VIEWER_PASS = "quiet meadow saxophone ember 63"
LEAVER = "ivan"
LEAVER_PASS = "tangerine cobalt walrus sonnet 31"


@dataclass
class Vault:
    """A created vault: the gateway, the first manager's session and the printed kit."""

    gw: Gateway
    manager: UnlockedVault
    kit: str
    location: VaultLocation

    @property
    def path(self) -> Path | None:
        return sqlite_file(self.location.sqlalchemy_url)

    def unlock(self, name: str, passphrase: str) -> UnlockedVault:
        return self.gw.unlock(name, passphrase)

    def sql(self, statement: str, **params: Any) -> None:
        """Change the database directly, as someone with the file (or a SQL login) could."""
        with self.gw.store.engine.begin() as conn:
            conn.execute(text(statement), params)

    def rows(self, statement: str, **params: Any) -> list[Any]:
        with self.gw.store.engine.connect() as conn:
            return list(conn.execute(text(statement), params).all())

    def scalar(self, statement: str, **params: Any) -> Any:
        with self.gw.store.engine.connect() as conn:
            return conn.execute(text(statement), params).scalar()

    def user_id(self, name: str) -> str:
        return str(self.scalar("SELECT id FROM users WHERE name = :n", n=name))

    def epoch(self) -> int:
        return int(self.scalar("SELECT epoch FROM vault_meta"))

    def close(self) -> None:
        self.gw.close()


def location_for(db_url_or_path: str | Path) -> VaultLocation:
    if isinstance(db_url_or_path, Path):
        return VaultLocation(path=db_url_or_path)
    return VaultLocation(url=db_url_or_path)


_EMPTY_SCHEMA: list[Path] = []


def _empty_schema(vault: Path) -> None:
    """Put at ``vault`` a SQLite database holding the newest schema and nothing else: what
    opening a gateway on a new file makes by running every migration, made once per test
    process and copied (the migrations themselves are tested on new files elsewhere)."""
    if not _EMPTY_SCHEMA:
        folder = Path(tempfile.mkdtemp(prefix="itexit-empty-schema-"))
        atexit.register(shutil.rmtree, folder, True)
        Gateway.open(VaultLocation(path=folder / "building.sqlite")).close()
        source = sqlite3.connect(folder / "building.sqlite")
        target = sqlite3.connect(folder / "empty.sqlite")
        try:
            source.backup(target)  # one self-contained file, the write-ahead log included
        finally:
            target.close()
            source.close()
        _EMPTY_SCHEMA.append(folder / "empty.sqlite")
    shutil.copyfile(_EMPTY_SCHEMA[0], vault)
    vault.chmod(0o600)


def new_vault(db_url_or_path: str | Path) -> Vault:
    location = location_for(db_url_or_path)
    path = sqlite_file(location.sqlalchemy_url)
    if path is not None and path.parent.is_dir() and not path.exists():
        _empty_schema(path)
    gw = Gateway.open(location)
    setup = gw.create(PRACTICE, MANAGER, MANAGER_PASS)
    return Vault(gw, setup.session, setup.recovery_kit, location)


@dataclass(frozen=True)
class Cred:
    system: str
    username: str
    secret: str
    notes: str


def add_credential(
    session: UnlockedVault,
    system: str,
    *,
    username: str = "admin",
    secret: str = "s3cret-value",
    notes: str = "",
    category: Category = Category.OTHER,
    known: bool = False,
) -> str:
    """Add a credential and return its id."""
    summary = session.credentials.add(
        NewCredential(
            system=system,
            host=f"{system.lower()}.example.test",
            category=category,
            username=username,
            secret=secret,  # type: ignore[arg-type]
            notes=notes,
            known_to_departing=known,
        )
    )
    return summary.id


def populated(db_url_or_path: str | Path, credentials: int = 3) -> Vault:
    """A vault with a consultant, an HR officer, a viewer and a few credentials."""
    vault = new_vault(db_url_or_path)
    m = vault.manager
    m.add_user(CONSULTANT, Role.CONSULTANT, CONSULTANT_PASS)
    m.add_user(HR_USER, Role.HR, HR_PASS)
    m.add_user(VIEWER, Role.VIEWER, VIEWER_PASS)
    for i in range(credentials):
        add_credential(
            m,
            f"System{i}",
            username=f"user{i}",
            secret=f"secret-number-{i}",
            notes=f"notes {i}",
            category=Category.EHR if i % 2 else Category.EMAIL,
        )
    return vault


def flip(blob: bytes, index: int, mask: int = 0x01) -> bytes:
    return blob[:index] + bytes([blob[index] ^ mask]) + blob[index + 1 :]


def sample_indices(length: int, limit: int = 64) -> list[int]:
    """Every index when short, else an even spread that always includes both ends."""
    if length <= limit:
        return list(range(length))
    step = (length - 1) / (limit - 1)
    return sorted({round(i * step) for i in range(limit)})


def memoize_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cache Argon2 results for the wrap/unwrap path so sweeps of many unlocks stay fast.

    The cache is keyed by every input, so the behaviour is the same as the real derivation.
    """
    import itexit.vault.keys as keys_module

    real = keys_module.derive

    @functools.lru_cache(maxsize=64)
    def cached(passphrase: str, memory: int, time_cost: int, par: int, salt: bytes) -> bytes:
        from itexit.vault.kdf import KdfParams

        return real(passphrase, KdfParams(memory, time_cost, par, salt))

    def derive(passphrase: str, params: Any) -> bytes:
        params.check()
        return cached(
            passphrase, params.memory_kib, params.time_cost, params.parallelism, params.salt
        )

    monkeypatch.setattr(keys_module, "derive", derive)


def counting_derive(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record the parameters of every key derivation, early or not; the real one still runs."""
    import itexit.vault.keys as keys_module
    from itexit.vault import kdf

    calls: list[Any] = []
    real = kdf.derive

    def derive(passphrase: str, params: Any) -> bytes:
        calls.append(params)
        return real(passphrase, params)

    monkeypatch.setattr(kdf, "derive", derive)
    monkeypatch.setattr(keys_module, "derive", derive)
    return calls


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sidecars(path: Path) -> list[Path]:
    return [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal")]


def files_under(*roots: Path) -> Iterator[Path]:
    for root in roots:
        if root.is_file():
            yield root
        elif root.is_dir():
            for dirpath, _dirs, names in os.walk(root):
                for name in names:
                    yield Path(dirpath) / name


def opened(vault: Vault) -> Iterator[Vault]:
    """Yield a vault from a fixture (``yield from opened(...)``) and close it afterwards."""
    yield vault
    vault.close()


def encrypted_row_count(gw: Gateway) -> int:
    """How many rows every encrypted table holds: what a removal's re-key must re-encrypt."""
    with gw.store.sessions() as session:
        return sum(
            int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in encrypted_models()
        )
