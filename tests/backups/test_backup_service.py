"""Backups of a live vault on SQLite and PostgreSQL: made, proven by restoring, restored."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from itexit.domain.backups import BackupRefused
from itexit.domain.errors import (
    AuthenticationFailed,
    BadInput,
    CheckFailed,
    PermissionDenied,
    RollbackDetected,
)
from itexit.domain.reminders import ReminderArea
from itexit.domain.roles import Role
from itexit.services.backups import reminders, tiles
from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation
from itexit.services.restore import plan, restore
from itexit.store.backup_copy import MANIFEST_TABLE
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    HR_PASS,
    HR_USER,
    LEAVER,
    LEAVER_PASS,
    MANAGER,
    MANAGER_PASS,
    VIEWER,
    VIEWER_PASS,
    Vault,
    add_credential,
    location_for,
    opened,
    populated,
)

CANARY = "CANARY-7f3e9b-never-in-a-backup"
WRITER = Path(__file__).with_name("writer.py")


@pytest.fixture
def vault(db_url: str) -> Vault:
    yield from opened(populated(db_url))


def secrets_of(session: object) -> dict[str, str]:
    creds = session.credentials  # type: ignore[attr-defined]
    return {c.system: creds.reveal(c.id) for c in creds.list()}


def audit_actions(url: str) -> list[tuple[str, str, dict[str, object]]]:
    gateway = Gateway.open(location_for(url) if "://" in url else location_for(Path(url)))
    try:
        with gateway.store.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT action, target, details FROM audit_events ORDER BY seq"
            ).all()
    finally:
        gateway.close()
    return [(r[0], r[1], json.loads(r[2])) for r in rows]


@pytest.mark.postgres
def test_a_backup_is_private_verified_recorded_and_restores_on_a_new_machine(
    vault: Vault, other_db_url: str, tmp_path: Path, new_workstation: Path
) -> None:
    before = secrets_of(vault.manager)
    result = vault.manager.backups.make()
    path = Path(result.path)
    assert path.parent == vault.gw.store.backup_dir
    assert path.name.startswith("vault-") and path.name.endswith(".itexit-backup")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(path.parent.glob(".itexit-backup-*")), "no temporary file is left"
    manifest = result.manifest
    assert manifest.vault_id == vault.manager.identity.vault_id
    assert manifest.made_by == MANAGER
    assert manifest.source == ("sqlite" if vault.path else "postgresql")
    assert result.records_opened >= 3 and result.audit_entries == manifest.audit_seq
    recorded = [
        a for a in audit_actions(vault.location.sqlalchemy_url) if a[0] == "backup.verified"
    ]
    assert [(a[1], a[2]["sha256"]) for a in recorded] == [(path.name, result.sha256)]
    status = vault.manager.backups.status()
    assert status.last_verified_by == MANAGER and status.last_file == path.name

    target = location_for(other_db_url if "postgresql" in other_db_url else Path(other_db_url[10:]))
    done = restore(path, target, CONSULTANT, CONSULTANT_PASS)
    assert not done.replaced and not done.older_than_witness
    assert done.members == sorted([MANAGER, CONSULTANT, HR_USER, VIEWER])
    gateway = Gateway.open(target)
    try:
        session = gateway.unlock(MANAGER, MANAGER_PASS)
        assert secrets_of(session) == before
        assert session.verify_audit().ok
        # The restored database takes new rows (its sequences continue past the copied ids).
        session.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
        add_credential(session, "After restore")
        events = [e.action for e in session.recent_audit(50)]
        assert "vault.restore" in events
    finally:
        gateway.close()


def test_backup_of_a_sqlite_vault_while_another_process_writes_restores_whole(
    tmp_path: Path, new_workstation: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _concurrent_backup(f"sqlite:///{tmp_path}/vault.sqlite", tmp_path, monkeypatch)


@pytest.mark.postgres
def test_backup_of_a_postgresql_vault_while_another_process_writes_restores_whole(
    pg_server: object, tmp_path: Path, new_workstation: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uuid

    name = f"itexit_busy_{uuid.uuid4().hex[:12]}"
    url = pg_server.create_database(name)  # type: ignore[attr-defined]
    try:
        _concurrent_backup(url, tmp_path, monkeypatch)
    finally:
        pg_server.drop_database(name)  # type: ignore[attr-defined]


def _concurrent_backup(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("ITEXIT_HOME", str(home))
    vault = populated(url if "postgresql" in url else Path(url[10:]))
    stop = tmp_path / "stop"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    writer = subprocess.Popen(
        [sys.executable, str(WRITER), vault.location.sqlalchemy_url, str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready", writer.stderr
        deadline = time.monotonic() + 60
        while _count(vault) < 3 + 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        result = vault.manager.backups.make(tmp_path / "busy.itexit-backup")
        at_backup = _count(vault)
        deadline = time.monotonic() + 60
        while _count(vault) < at_backup + 5 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    written = int(out.split()[-1])
    assert written >= 10, "the writer kept writing before and after the backup"
    vault.close()

    target = VaultLocation(path=tmp_path / "restored.sqlite")
    monkeypatch.setenv("ITEXIT_HOME", str(tmp_path / "elsewhere"))
    restore(result.path, target, MANAGER, MANAGER_PASS)
    gateway = Gateway.open(target)
    try:
        session = gateway.unlock(MANAGER, MANAGER_PASS)
        assert session.verify_audit().ok
        restored = secrets_of(session)
        busy = {k: v for k, v in restored.items() if k.startswith("Busy")}
        assert 5 <= len(busy) < 3 + written
        # Whole: every credential the copy holds opens, and the copy holds exactly the
        # credentials whose additions its audit log records (no torn half of a write).
        assert busy == {f"Busy{i:05d}": f"busy-secret-{i}" for i in range(len(busy))}
        added = [e for e in _actions(gateway) if e == "cred.add"]
        assert len(added) == len(restored)
    finally:
        gateway.close()


def _count(vault: Vault) -> int:
    return int(vault.scalar("SELECT count(*) FROM credentials"))


def _actions(gateway: Gateway) -> list[str]:
    with gateway.store.engine.connect() as conn:
        return [r[0] for r in conn.exec_driver_sql("SELECT action FROM audit_events").all()]


@pytest.mark.postgres
def test_no_canary_secret_is_in_the_backup_bytes_nor_its_manifest(
    vault: Vault, tmp_path: Path
) -> None:
    add_credential(vault.manager, "Canary", username=f"{CANARY}-user", secret=CANARY,
                   notes=f"{CANARY}-notes")  # fmt: skip
    result = vault.manager.backups.make(tmp_path / "canary.itexit-backup")
    data = Path(result.path).read_bytes()
    for needle in (CANARY, f"{CANARY}-user", f"{CANARY}-notes", "secret-number-1"):
        assert needle.encode() not in data
        assert needle.encode("utf-16-le") not in data
        assert needle not in result.manifest.model_dump_json()
    conn = sqlite3.connect(result.path)
    try:
        (body,) = conn.execute(f"SELECT body FROM {MANIFEST_TABLE}").fetchone()
    finally:
        conn.close()
    assert CANARY not in body and json.loads(body)["audit_seq"] == result.manifest.audit_seq


@pytest.mark.parametrize("damage", ["truncated", "flipped", "zeroed", "not-sqlite", "manifest"])
def test_a_damaged_backup_is_refused_with_one_sentence(
    damage: str, tmp_path: Path, new_workstation: Path
) -> None:
    vault = populated(tmp_path / "vault.sqlite")
    result = vault.manager.backups.make(tmp_path / "good.itexit-backup")
    vault.close()
    path = Path(result.path)
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "flipped":
        for i in range(100, len(data), 997):
            data[i] ^= 0xFF
    elif damage == "zeroed":
        data[4096:8192] = bytes(4096)
    elif damage == "not-sqlite":
        data = bytearray(b"PK\x03\x04" + bytes(data[4:]))
    path.write_bytes(bytes(data))
    if damage == "manifest":
        conn = sqlite3.connect(path)
        with conn:
            conn.execute(
                f'UPDATE {MANIFEST_TABLE} SET body = replace(body, \'"made_by":"alice"\', '
                '\'"made_by":"mallory"\')'
            )
        conn.close()
    target = VaultLocation(path=tmp_path / "restored.sqlite")
    with pytest.raises(BackupRefused) as refused:
        restore(path, target, MANAGER, MANAGER_PASS)
    message = str(refused.value)
    assert message.startswith("good.itexit-backup cannot be used as a backup: ")
    assert message.endswith("nothing was restored.") and "\n" not in message
    assert message.count(". ") == 0, message
    assert not (tmp_path / "restored.sqlite").exists()


def test_a_backup_whose_audit_log_was_edited_is_refused(tmp_path: Path) -> None:
    vault = populated(tmp_path / "vault.sqlite")
    result = vault.manager.backups.make(tmp_path / "edited.itexit-backup")
    vault.close()
    conn = sqlite3.connect(result.path)
    with conn:
        conn.execute("UPDATE audit_events SET target = 'someone else' WHERE seq = 2")
    conn.close()
    with pytest.raises(
        BackupRefused, match="its audit log is broken at entry 2; nothing was restored"
    ):
        restore(result.path, VaultLocation(path=tmp_path / "r.sqlite"), MANAGER, MANAGER_PASS)


def test_a_backup_that_does_not_verify_is_reported_discarded_and_not_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from itexit.store import backup_copy

    vault = populated(tmp_path / "vault.sqlite")
    real = backup_copy.sqlite_online_copy

    def copy_with_a_bad_record(source: Path, target: Path) -> None:
        real(source, target)
        conn = sqlite3.connect(target)
        with conn:
            (doc,) = conn.execute("SELECT doc FROM credentials LIMIT 1").fetchone()
            conn.execute(
                "UPDATE credentials SET doc = ? WHERE doc = ?",
                (doc[:-1] + bytes([doc[-1] ^ 1]), doc),
            )
        conn.close()

    monkeypatch.setattr(backup_copy, "sqlite_online_copy", copy_with_a_bad_record)
    with pytest.raises(CheckFailed, match="did not verify and was discarded"):
        vault.manager.backups.make(tmp_path / "bad.itexit-backup")
    assert not (tmp_path / "bad.itexit-backup").exists()
    assert not list(tmp_path.glob(".itexit-backup-*"))
    status = vault.manager.backups.status()
    assert status.last_verified_at is None
    actions = [a[0] for a in audit_actions(str(tmp_path / "vault.sqlite"))]
    assert "backup.failed" in actions and "backup.verified" not in actions
    vault.close()


def test_restore_over_an_existing_vault_needs_the_explicit_choice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = populated(tmp_path / "vault.sqlite")
    result = vault.manager.backups.make(tmp_path / "b.itexit-backup")
    add_credential(vault.manager, "Added after the backup")
    vault.close()
    monkeypatch.setenv("ITEXIT_HOME", str(tmp_path / "a-new-machine"))
    live = VaultLocation(path=tmp_path / "vault.sqlite")
    before = (tmp_path / "vault.sqlite").read_bytes()
    with pytest.raises(BadInput, match=r"A vault already exists at .*Give --replace"):
        restore(result.path, live, MANAGER, MANAGER_PASS)
    assert (tmp_path / "vault.sqlite").read_bytes() == before
    assert plan(result.path, live).target_exists
    done = restore(result.path, live, MANAGER, MANAGER_PASS, replace=True)
    assert done.replaced
    gateway = Gateway.open(live)
    try:
        systems = {c.system for c in gateway.unlock(MANAGER, MANAGER_PASS).credentials.list()}
    finally:
        gateway.close()
    assert "Added after the backup" not in systems and "System0" in systems


def test_a_wrong_passphrase_or_role_restores_nothing(tmp_path: Path, new_workstation: Path) -> None:
    vault = populated(tmp_path / "vault.sqlite")
    result = vault.manager.backups.make(tmp_path / "b.itexit-backup")
    vault.close()
    target = VaultLocation(path=tmp_path / "r.sqlite")
    with pytest.raises(AuthenticationFailed, match="do not open this backup"):
        restore(result.path, target, MANAGER, "wrong " * 5)
    for name, passphrase in ((HR_USER, HR_PASS), (VIEWER, VIEWER_PASS)):
        with pytest.raises(PermissionDenied, match="nothing was restored"):
            restore(result.path, target, name, passphrase)
    assert not (tmp_path / "r.sqlite").exists()


def test_an_older_backup_is_refused_against_the_witness_unless_a_reason_is_given(
    tmp_path: Path,
) -> None:
    vault = populated(tmp_path / "vault.sqlite")
    result = vault.manager.backups.make(tmp_path / "old.itexit-backup")
    # Right after the backup nothing else has happened: it restores without a reason.
    assert plan(result.path, vault.location).older_than_witness is None
    add_credential(vault.manager, "Rotated since")
    vault.close()
    live = VaultLocation(path=tmp_path / "vault.sqlite")
    seen = plan(result.path, live).older_than_witness
    assert seen is not None and seen > result.manifest.audit_seq
    before = (tmp_path / "vault.sqlite").read_bytes()
    with pytest.raises(RollbackDetected, match="older than the vault this workstation last saw"):
        restore(result.path, live, MANAGER, MANAGER_PASS, replace=True)
    with pytest.raises(RollbackDetected):
        restore(result.path, live, MANAGER, MANAGER_PASS, replace=True, reason="   ")
    assert (tmp_path / "vault.sqlite").read_bytes() == before
    done = restore(
        result.path, live, MANAGER, MANAGER_PASS, replace=True, reason="disk failed overnight"
    )
    assert done.older_than_witness and done.replaced
    (restored,) = [
        a for a in audit_actions(str(tmp_path / "vault.sqlite")) if a[0] == "vault.restore"
    ]
    assert restored[1] == "old.itexit-backup"
    assert restored[2]["reason"] == "disk failed overnight"
    assert restored[2]["older_than_seen"] == seen
    # The workstation now opens the restored vault (its witness follows the restore).
    gateway = Gateway.open(live)
    try:
        assert gateway.verify_audit().ok
    finally:
        gateway.close()


def test_a_backup_made_before_a_removal_still_opens_with_the_removed_persons_passphrase(
    tmp_path: Path,
) -> None:
    vault = populated(tmp_path / "vault.sqlite")
    vault.manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
    result = vault.manager.backups.make(tmp_path / "before-removal.itexit-backup")
    vault.manager.remove_user(LEAVER)
    vault.close()
    live = VaultLocation(path=tmp_path / "vault.sqlite")
    assert plan(result.path, live).removed_since == [LEAVER]
    # The leaver, holding only the file and their old passphrase, opens the old copy.
    elsewhere = VaultLocation(path=tmp_path / "leaver-copy.sqlite")
    done = restore(result.path, elsewhere, LEAVER, LEAVER_PASS, reason="the leaver's own copy")
    assert LEAVER in done.members
    gateway = Gateway.open(elsewhere)
    try:
        assert "secret-number-0" in secrets_of(gateway.unlock(LEAVER, LEAVER_PASS)).values()
    finally:
        gateway.close()
    done = restore(result.path, live, MANAGER, MANAGER_PASS, replace=True, reason="test")
    assert done.removed_since == [LEAVER]


def test_who_may_make_a_backup(tmp_path: Path) -> None:
    vault = populated(tmp_path / "vault.sqlite")
    consultant = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    made = consultant.backups.make(tmp_path / "by-consultant.itexit-backup")
    assert made.manifest.made_by == CONSULTANT
    for name, passphrase in ((HR_USER, HR_PASS), (VIEWER, VIEWER_PASS)):
        with pytest.raises(PermissionDenied):
            vault.unlock(name, passphrase).backups.make(tmp_path / f"{name}.itexit-backup")
        assert not (tmp_path / f"{name}.itexit-backup").exists()
    with pytest.raises(BadInput, match="already exists"):
        vault.manager.backups.make(made.path)
    with pytest.raises(BadInput, match="over the vault itself"):
        vault.manager.backups.make(tmp_path / "vault.sqlite")
    vault.close()


def test_the_last_verified_backup_and_the_practices_limit_drive_tile_and_reminder(
    tmp_path: Path,
) -> None:
    vault = populated(tmp_path / "vault.sqlite")
    ctx = vault.manager.ctx
    today = date.today()
    (tile,) = tiles(ctx, today)
    assert tile.count is None and tile.severity == "warn" and "none yet" in tile.caption
    assert reminders(ctx, today) == []
    (late,) = reminders(ctx, today + timedelta(days=8))
    assert late.area is ReminderArea.BACKUPS and late.overdue
    assert "no backup has been verified yet" in late.detail

    vault.manager.backups.make(tmp_path / "b.itexit-backup")
    (tile,) = tiles(ctx, today)
    assert (tile.count, tile.severity) == (0, "ok")
    assert reminders(ctx, today + timedelta(days=5)) == []
    (due,) = reminders(ctx, today + timedelta(days=6))
    assert not due.overdue
    (late,) = reminders(ctx, today + timedelta(days=8))
    assert late.overdue and "8 days old" in late.detail and "limit is 7 days" in late.detail
    (tile,) = tiles(ctx, today + timedelta(days=8))
    assert (tile.count, tile.severity) == (8, "alert")

    consultant = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    with pytest.raises(PermissionDenied):
        consultant.backups.set_max_age(30)
    with pytest.raises(BadInput, match="from 1 to 365"):
        vault.manager.backups.set_max_age(0)
    vault.manager.backups.set_max_age(30)
    assert reminders(ctx, today + timedelta(days=8)) == []
    assert consultant.backups.status().max_age_days == 30
    setting = [
        a for a in audit_actions(str(tmp_path / "vault.sqlite")) if a[0].startswith("settings.")
    ]
    assert [(a[0], a[2]["days"]) for a in setting] == [("settings.backup_max_age", 30)]
    hr = vault.unlock(HR_USER, HR_PASS)
    assert tiles(hr.ctx, today) == [] and reminders(hr.ctx, today + timedelta(days=60)) == []
    assert any(t.key == "backups" for t in vault.manager.dashboard(today).tiles)
    assert any(
        r.area is ReminderArea.BACKUPS for r in vault.manager.reminders(today + timedelta(days=40))
    )
    vault.close()
