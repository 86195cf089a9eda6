"""What is on disk: damaged files are refused untouched, no secret is ever written in the clear,
and a database swapped for an older copy is noticed."""

from __future__ import annotations

import base64
import os
import shutil
import sqlite3
import traceback
from pathlib import Path

import pytest

from itexit.domain.errors import (
    AuthenticationFailed,
    BadInput,
    IntegrityFailure,
    RollbackDetected,
    VaultCorrupt,
)
from itexit.domain.roles import Role
from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    MANAGER,
    MANAGER_PASS,
    add_credential,
    files_under,
    new_vault,
    populated,
    sha256_file,
    sidecars,
)

# --- 5. damaged files are refused and left exactly as they were --------------------------------


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    """A real vault file, closed cleanly (no -wal beside it)."""
    path = tmp_path / "good.sqlite"
    vault = populated(path, credentials=2)
    vault.close()
    assert not any(p.exists() for p in sidecars(path))
    return path


def damaged_variants(data: bytes) -> dict[str, bytes]:
    return {
        "half": data[: len(data) // 2],
        "100-bytes": data[:100],
        "header-only": data[:16],
        "zeroed": bytes(len(data)),
        "header-zeroed": bytes(100) + data[100:],
        "random": os.urandom(len(data)),
    }


@pytest.mark.parametrize("as_url", [False, True], ids=["path", "url"])
def test_damaged_files_are_refused_untouched(good_file: Path, tmp_path: Path, as_url: bool) -> None:
    data = good_file.read_bytes()
    problems: list[str] = []
    for name, content in damaged_variants(data).items():
        path = tmp_path / f"{name}.sqlite"
        path.write_bytes(content)
        before = sha256_file(path)
        stat_before = path.stat()
        location = VaultLocation(url=f"sqlite:///{path}") if as_url else VaultLocation(path=path)
        with pytest.raises(VaultCorrupt) as info:
            Gateway.open(location)
        message = str(info.value)
        assert str(path) in message, name
        assert "untouched" in message and "backup" in message, (name, message)
        assert message.endswith("."), (name, message)
        assert "\n" not in message and "Traceback" not in message, name
        assert sha256_file(path) == before, f"{name}: the file was modified"
        assert path.stat().st_size == stat_before.st_size
        assert path.stat().st_mtime_ns == stat_before.st_mtime_ns
        created = [p.name for p in sidecars(path) if p.exists()]
        if created:
            problems.append(f"{name}: {created} created beside the damaged file")
    assert problems == []


@pytest.mark.parametrize("folder", ["Practice #2", "what?", "100% sure"])
def test_the_check_reads_the_real_file_whatever_its_name(
    good_file: Path, tmp_path: Path, folder: str
) -> None:
    """'#', '?' and '%' in a folder name must not redirect the read-only check elsewhere."""
    base = tmp_path / folder
    base.mkdir()
    damaged = base / "vault.sqlite"
    damaged.write_bytes(good_file.read_bytes()[:100])
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(VaultCorrupt):
        Gateway.open(VaultLocation(path=damaged))
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "a stray file was created"
    good = base / "good.sqlite"
    shutil.copy(good_file, good)
    gw = Gateway.open(VaultLocation(path=good))
    try:
        assert gw.unlock(MANAGER, MANAGER_PASS).identity.name == MANAGER
    finally:
        gw.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "a stray file was created"


def test_a_good_file_still_opens(good_file: Path) -> None:
    gw = Gateway.open(VaultLocation(path=good_file))
    try:
        assert gw.unlock(MANAGER, MANAGER_PASS).credentials.reveal("System1") == "secret-number-1"
    finally:
        gw.close()


# --- 6. canaries never reach the disk in the clear ---------------------------------------------

CANARY_SECRET = "CANARY-7f3a9c1e-SECRET-d41b"
CANARY_USERNAME = "CANARY-2b8e44f0-USER-a9c3"
CANARY_NOTES = "CANARY-91c0d7aa-NOTES-5e6f recovery codes 1234-5678"
CANARY_SECRET2 = "CANARY-c3d2e1f0-SECOND-7788"
CANARY_PASS = "CANARY-5a5b drizzle harpoon velvet 4417"
CANARY_PASS2 = "CANARY-6c6d lilac sextant quarry 9021"
WEAK_CANARY = "CANARY77x"
CANARIES = (
    WEAK_CANARY,
    CANARY_SECRET,
    CANARY_USERNAME,
    CANARY_NOTES,
    CANARY_SECRET2,
    CANARY_PASS,
    CANARY_PASS2,
)


def encodings(canary: str) -> dict[str, bytes]:
    raw = canary.encode()
    forms = {
        "utf-8": raw,
        "utf-16-le": canary.encode("utf-16-le"),
        "utf-16-be": canary.encode("utf-16-be"),
        "hex": raw.hex().encode(),
        "HEX": raw.hex().upper().encode(),
    }
    for offset in range(3):
        # base64 of the canary at each alignment, minus the groups the neighbours affect
        encoded = base64.b64encode(b"\x00" * offset + raw)
        forms[f"base64+{offset}"] = encoded[4:-4]
        forms[f"urlsafe-base64+{offset}"] = base64.urlsafe_b64encode(b"\x00" * offset + raw)[4:-4]
    return forms


def find_canaries(paths: list[Path]) -> list[str]:
    hits: list[str] = []
    for path in paths:
        if not path.is_file():
            continue
        data = path.read_bytes()
        for canary in CANARIES:
            for form, needle in encodings(canary).items():
                if needle in data:
                    hits.append(f"{canary} ({form}) in {path}")
    return hits


def test_canary_secrets_never_on_disk_in_plaintext(tmp_path: Path, _isolate: Path) -> None:
    home = _isolate
    path = tmp_path / "vault.sqlite"
    vault = new_vault(path)
    manager = vault.manager
    manager.add_user(CONSULTANT, Role.CONSULTANT, CONSULTANT_PASS)
    manager.add_user("carol", Role.CONSULTANT, CANARY_PASS)
    add_credential(
        manager, "EHR", username=CANARY_USERNAME, secret=CANARY_SECRET, notes=CANARY_NOTES
    )
    add_credential(manager, "Router", username="admin", secret=CANARY_SECRET2)
    carol = vault.unlock("carol", CANARY_PASS)
    assert carol.credentials.reveal("EHR") == CANARY_SECRET
    assert carol.credentials.reveal("EHR", "username") == CANARY_USERNAME
    assert manager.credentials.reveal("EHR", "notes") == CANARY_NOTES
    assert manager.credentials.reveal("Router") == CANARY_SECRET2
    carol.change_passphrase("carol", CANARY_PASS2)
    with pytest.raises(AuthenticationFailed):
        vault.unlock("carol", CANARY_PASS)
    carol = vault.unlock("carol", CANARY_PASS2)

    def everything() -> list[Path]:
        return [path, *sidecars(path), *files_under(home, tmp_path)]

    # while open, with the WAL in use
    assert find_canaries(everything()) == []

    manager.remove_user("carol")  # re-key, checkpoint and VACUUM
    assert manager.credentials.reveal("EHR") == CANARY_SECRET
    consultant = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    assert consultant.credentials.reveal("Router") == CANARY_SECRET2
    assert find_canaries(everything()) == []

    vault.close()
    assert find_canaries(everything()) == []
    # the scan itself works: the same bytes written in the clear are found
    probe = tmp_path / "probe.bin"
    probe.write_bytes(b"x" + CANARY_SECRET.encode("utf-16-le") + b"y")
    assert find_canaries([probe]) == [f"{CANARY_SECRET} (utf-16-le) in {probe}"]
    probe.write_bytes(base64.b64encode(b"ab" + CANARY_NOTES.encode()))
    assert find_canaries([probe]) != []


def error_texts(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)) + repr(exc)


def test_error_messages_never_contain_passphrases_or_secrets(tmp_path: Path) -> None:
    vault = new_vault(tmp_path / "vault.sqlite")
    try:
        manager = vault.manager
        manager.add_user("carol", Role.CONSULTANT, CANARY_PASS)
        cred = add_credential(
            manager, "EHR", username=CANARY_USERNAME, secret=CANARY_SECRET, notes=CANARY_NOTES
        )
        add_credential(manager, "Router", secret=CANARY_SECRET2)
        caught: list[BaseException] = []

        def expect(kind: type[BaseException] | tuple[type[BaseException], ...], fn, *args) -> None:  # type: ignore[no-untyped-def]
            with pytest.raises(kind) as info:
                fn(*args)
            caught.append(info.value)

        expect(AuthenticationFailed, vault.unlock, "carol", CANARY_PASS2)
        expect(AuthenticationFailed, vault.unlock, CANARY_USERNAME, CANARY_PASS)
        expect(AuthenticationFailed, vault.unlock, MANAGER, CANARY_PASS)
        expect(BadInput, manager.add_user, "dave", Role.VIEWER, WEAK_CANARY)
        expect(BadInput, vault.gw.recover, CANARY_SECRET, MANAGER, CANARY_PASS2)
        expect(
            (BadInput, AuthenticationFailed),
            vault.gw.recover,
            vault.kit[:-2],
            MANAGER,
            CANARY_PASS2,
        )
        # a moved ciphertext: the secret of Router pasted into EHR's current version
        vault.sql(
            "UPDATE secret_versions SET doc = (SELECT v.doc FROM secret_versions v "
            "JOIN credentials c ON c.id = v.credential_id WHERE c.system = 'Router') "
            "WHERE credential_id = :c",
            c=cred,
        )
        expect(IntegrityFailure, manager.credentials.reveal, "EHR")
        vault.sql("UPDATE credentials SET doc = :d WHERE id = :c", d=b"\x01" + bytes(40), c=cred)
        expect(IntegrityFailure, manager.credentials.reveal, "EHR", "username")
        expect(IntegrityFailure, manager.credentials.reveal, "EHR", "notes")
        vault.sql("UPDATE users SET kdf_time_cost = 1 WHERE name = 'carol'")
        expect(Exception, vault.unlock, "carol", CANARY_PASS)
        assert len(caught) == 10
        for exc in caught:
            text = error_texts(exc)
            for canary in CANARIES:
                assert canary not in text, f"{type(exc).__name__} shows {canary}: {exc}"
            assert MANAGER_PASS not in text
    finally:
        vault.close()


# --- 12. a database swapped for an older copy is detected --------------------------------------


def sqlite_snapshot(path: Path) -> bytes:
    """A consistent copy of a live vault through SQLite's backup API (the WAL included)."""
    target = path.with_name("snapshot.sqlite")
    src = sqlite3.connect(path)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    data = target.read_bytes()
    target.unlink()
    return data


def restore(path: Path, data: bytes) -> None:
    for side in sidecars(path):
        side.unlink(missing_ok=True)
    path.write_bytes(data)


def test_database_swapped_for_an_older_copy_is_detected(
    tmp_path: Path, _isolate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "vault.sqlite"
    vault = new_vault(path)
    add_credential(vault.manager, "EHR", secret="old-secret")
    old = sqlite_snapshot(path)  # taken while the vault is open
    vault.manager.add_user(CONSULTANT, Role.CONSULTANT, CONSULTANT_PASS)
    add_credential(vault.manager, "Router", secret="newer-secret")
    vault.close()

    restore(path, old)
    gw = Gateway.open(VaultLocation(path=path))
    try:
        before = sha256_file(path)
        with pytest.raises(RollbackDetected) as info:
            gw.unlock(MANAGER, MANAGER_PASS)
        assert "older" in str(info.value) and "Nothing was changed" in str(info.value)
        with pytest.raises(RollbackDetected):
            gw.unlock(CONSULTANT, CONSULTANT_PASS)
        with pytest.raises(RollbackDetected):
            gw.recover(vault.kit, MANAGER, "oblong pelican tambourine frost 88")
        rows = gw.store.engine.connect()
        try:
            from sqlalchemy import text

            count = rows.execute(text("SELECT count(*) FROM audit_events")).scalar()
        finally:
            rows.close()
    finally:
        gw.close()
    assert sha256_file(path) == before, "a refused unlock wrote to the old copy"
    assert count is not None

    # a diverged copy (same length of history, different content) is refused too: someone
    # on another workstation (another witness) extends the old copy past the seen head
    other_home = tmp_path / "other-workstation"
    other_home.mkdir()
    monkeypatch.setenv("ITEXIT_HOME", str(other_home))
    gw = Gateway.open(VaultLocation(path=path))
    for _ in range(4):
        gw.unlock(MANAGER, MANAGER_PASS)
    gw.close()
    monkeypatch.setenv("ITEXIT_HOME", str(_isolate))
    gw = Gateway.open(VaultLocation(path=path))
    try:
        with pytest.raises(RollbackDetected):
            gw.unlock(MANAGER, MANAGER_PASS)
    finally:
        gw.close()


def test_the_witness_does_not_cry_wolf(tmp_path: Path) -> None:
    """Closing, reopening, failing an unlock and copying the current file forward all work."""
    path = tmp_path / "vault.sqlite"
    vault = new_vault(path)
    add_credential(vault.manager, "EHR", secret="s1")
    vault.close()
    for _ in range(2):
        gw = Gateway.open(VaultLocation(path=path))
        with pytest.raises(AuthenticationFailed):
            gw.unlock(MANAGER, "wrong wrong wrong wrong 1")
        assert gw.unlock(MANAGER, MANAGER_PASS).credentials.reveal("EHR") == "s1"
        gw.close()
    moved = tmp_path / "moved" / "vault.sqlite"
    moved.parent.mkdir()
    shutil.copy(path, moved)
    gw = Gateway.open(VaultLocation(path=moved))
    try:
        assert gw.unlock(MANAGER, MANAGER_PASS).verify_audit().ok
    finally:
        gw.close()


def test_a_new_vault_file_and_its_sidecars_are_private(tmp_path: Path) -> None:
    path = tmp_path / "private" / "vault.sqlite"
    gw = Gateway.open(VaultLocation(path=path))
    try:
        gw.create("Private Practice", "alice", "correct horse battery staple 42").session.lock()
        files = [p for p in path.parent.iterdir() if p.name.startswith("vault.sqlite")]
        assert path in files
        for file in files:
            assert file.stat().st_mode & 0o077 == 0, f"{file.name} is readable by others"
        assert path.parent.stat().st_mode & 0o077 == 0
    finally:
        gw.close()
