"""People: optimistic concurrency on edits, passphrase changes, and removals that fail cleanly."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from itexit.domain.errors import AuthenticationFailed, BadInput, PermissionDenied, StaleEdit
from itexit.domain.models import UnlockCoverage
from itexit.domain.roles import Role
from itexit.vault.keys import parse_recovery_kit
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    LEAVER,
    LEAVER_PASS,
    MANAGER,
    MANAGER2,
    MANAGER2_PASS,
    MANAGER_PASS,
    Vault,
    opened,
    populated,
)

PASS_A = "oblong pelican tambourine frost 88"
PASS_B = "saffron glacier typewriter moss 26"


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    v = populated(db_url, credentials=2)
    v.manager.add_user(MANAGER2, Role.MANAGER, MANAGER2_PASS)
    yield v
    v.close()


@pytest.fixture
def file_vault(tmp_path: Path) -> Iterator[Vault]:
    """For checks that do not depend on the backend: SQLite only, to keep the suite quick."""
    yield from opened(populated(tmp_path / "vault.sqlite", credentials=2))


def version_of(vault: Vault, name: str) -> int:
    return next(u.version for u in vault.manager.list_users() if u.name == name)


def test_stale_edit_names_who_changed_it_and_when(vault: Vault, frozen_now: Any) -> None:
    alice = vault.manager
    dora = vault.unlock(MANAGER2, MANAGER2_PASS)
    seen = version_of(vault, CONSULTANT)  # both managers opened the same user record

    frozen_now.advance(minutes=17)
    dora.users.change_passphrase(CONSULTANT, PASS_A, expected_version=seen)
    assert version_of(vault, CONSULTANT) == seen + 1

    frozen_now.advance(minutes=5)
    with pytest.raises(StaleEdit) as info:
        alice.users.change_passphrase(CONSULTANT, PASS_B, expected_version=seen)
    message = str(info.value)
    assert MANAGER2 in message
    assert "2026-11-23 09:17" in message
    assert PASS_A not in message and PASS_B not in message
    # the second edit was not applied: dora's passphrase is the one that works
    assert vault.unlock(CONSULTANT, PASS_A).identity.name == CONSULTANT
    with pytest.raises(AuthenticationFailed):
        vault.unlock(CONSULTANT, PASS_B)
    # with the fresh version the edit goes through
    alice.users.change_passphrase(CONSULTANT, PASS_B, expected_version=seen + 1)
    assert vault.unlock(CONSULTANT, PASS_B).identity.name == CONSULTANT
    assert alice.verify_audit().ok


def test_stale_edit_of_your_own_passphrase(vault: Vault, frozen_now: Any) -> None:
    dora_one = vault.unlock(MANAGER2, MANAGER2_PASS)
    dora_two = vault.unlock(MANAGER2, MANAGER2_PASS)
    seen = version_of(vault, MANAGER2)
    dora_one.users.change_passphrase(MANAGER2, PASS_A, expected_version=seen)
    with pytest.raises(StaleEdit, match=MANAGER2):
        dora_two.users.change_passphrase(MANAGER2, PASS_B, expected_version=seen)
    assert vault.unlock(MANAGER2, PASS_A).identity.name == MANAGER2


def test_unlocked_vault_passes_the_expected_version_on(vault: Vault, frozen_now: Any) -> None:
    alice = vault.manager
    dora = vault.unlock(MANAGER2, MANAGER2_PASS)
    seen = version_of(vault, CONSULTANT)
    frozen_now.advance(minutes=3)
    dora.change_passphrase(CONSULTANT, PASS_A, expected_version=seen)
    with pytest.raises(StaleEdit, match=f"Changed by {MANAGER2} at 2026-11-23 09:03"):
        alice.change_passphrase(CONSULTANT, PASS_B, expected_version=seen)
    assert vault.unlock(CONSULTANT, PASS_A).identity.name == CONSULTANT
    alice.change_passphrase(CONSULTANT, PASS_B, expected_version=seen + 1)
    alice.change_passphrase(CONSULTANT, PASS_A)  # without a version: last write wins
    assert vault.unlock(CONSULTANT, PASS_A).identity.name == CONSULTANT


def test_a_stale_session_cannot_lock_its_user_out(vault: Vault) -> None:
    """A manager resets the consultant (new key pair); the consultant's older session then
    changes its own passphrase. That must be refused, not wrap the old keys over the new."""
    consultant = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    vault.manager.change_passphrase(CONSULTANT, PASS_A)  # a reset: new key pair
    with pytest.raises(StaleEdit, match=MANAGER):
        consultant.change_passphrase(CONSULTANT, PASS_B)
    # the reset stands and still opens everything the consultant may see
    session = vault.unlock(CONSULTANT, PASS_A)
    assert session.credentials.reveal("System1") == "secret-number-1"
    with pytest.raises(AuthenticationFailed):
        vault.unlock(CONSULTANT, PASS_B)


def test_change_own_passphrase_keeps_the_keys(file_vault: Vault) -> None:
    consultant = file_vault.unlock(CONSULTANT, CONSULTANT_PASS)
    before = file_vault.rows(
        "SELECT box_public, sign_public FROM users WHERE name = :n", n=CONSULTANT
    )
    consultant.change_passphrase(CONSULTANT, PASS_A)
    after = file_vault.rows(
        "SELECT box_public, sign_public FROM users WHERE name = :n", n=CONSULTANT
    )
    assert [tuple(map(bytes, r)) for r in before] == [tuple(map(bytes, r)) for r in after]
    with pytest.raises(AuthenticationFailed):
        file_vault.unlock(CONSULTANT, CONSULTANT_PASS)
    assert file_vault.unlock(CONSULTANT, PASS_A).credentials.reveal("System0") == "secret-number-0"
    with pytest.raises(BadInput):
        consultant.change_passphrase(CONSULTANT, "short")


def test_removal_refusals(file_vault: Vault) -> None:
    with pytest.raises(BadInput):
        file_vault.manager.remove_user(MANAGER)
    file_vault.manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
    file_vault.manager.remove_user(LEAVER)
    with pytest.raises(BadInput):
        file_vault.manager.remove_user(LEAVER)
    with pytest.raises(BadInput, match="never reused"):
        file_vault.manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)


def test_a_removal_that_fails_in_process_changes_nothing(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the audit write fails the removal fails; the vault and the session stay as they were."""
    from itexit.services import audit

    real_append = audit.append

    def failing_append(session: Any, **kwargs: Any) -> Any:
        if kwargs.get("action") == "user.remove":
            raise RuntimeError("disk full while writing the audit row")
        return real_append(session, **kwargs)

    monkeypatch.setattr(audit, "append", failing_append)
    manager = vault.manager
    with pytest.raises(RuntimeError, match="disk full"):
        manager.remove_user(CONSULTANT)
    assert vault.epoch() == 1
    assert vault.unlock(CONSULTANT, CONSULTANT_PASS).identity.name == CONSULTANT
    assert not any(c.rotation_due for c in manager.credentials.list())
    # the manager's own session carries on without a lock/unlock
    assert manager.ctx.epoch == 1
    assert manager.credentials.reveal("System0") == "secret-number-0"
    monkeypatch.setattr(audit, "append", real_append)
    report = manager.remove_user(CONSULTANT)
    assert report.new_epoch == 2
    assert manager.verify_audit().ok


def test_coverage_warnings() -> None:
    assert UnlockCoverage(managers=0, people=0, has_recovery_kit=False).warning
    assert UnlockCoverage(managers=0, people=2, has_recovery_kit=True).warning
    assert UnlockCoverage(managers=1, people=1, has_recovery_kit=False).warning
    assert "second manager" in str(
        UnlockCoverage(managers=1, people=3, has_recovery_kit=True).warning
    )
    assert UnlockCoverage(managers=2, people=2, has_recovery_kit=False).warning is None


def test_coverage_follows_the_people(file_vault: Vault) -> None:
    file_vault.manager.add_user(MANAGER2, Role.MANAGER, MANAGER2_PASS)
    assert file_vault.manager.coverage().warning is None  # two managers and a kit
    file_vault.manager.remove_user(MANAGER2)
    coverage = file_vault.manager.coverage()
    assert (coverage.managers, coverage.has_recovery_kit) == (1, True)
    assert coverage.warning and "second manager" in coverage.warning
    tiles = {t.key: t for t in file_vault.manager.dashboard().tiles}
    assert tiles["people"].severity == "warn"
    assert MANAGER2 in file_vault.manager.dashboard().departing
    assert file_vault.unlock(MANAGER, MANAGER_PASS).coverage() == coverage


def test_the_kit_counts_as_stored_only_once_a_manager_confirms_it(file_vault: Vault) -> None:
    assert not file_vault.manager.coverage().kit_confirmed
    tile = next(t for t in file_vault.manager.dashboard().tiles if t.key == "people")
    assert "kit not confirmed" in tile.caption
    consultant = file_vault.unlock(CONSULTANT, CONSULTANT_PASS)
    with pytest.raises(PermissionDenied):
        consultant.confirm_recovery_kit_stored()
    assert not file_vault.manager.coverage().kit_confirmed

    file_vault.manager.confirm_recovery_kit_stored()
    assert file_vault.unlock(MANAGER, MANAGER_PASS).coverage().kit_confirmed
    tile = next(t for t in file_vault.manager.dashboard().tiles if t.key == "people")
    assert "recovery kit stored" in tile.caption
    assert any(e.action == "recovery_kit.stored" for e in file_vault.manager.recent_audit(5))
    assert file_vault.manager.verify_audit().ok


def test_the_kit_saved_as_text_or_pdf_is_private_and_never_overwrites(
    file_vault: Vault, tmp_path: Path
) -> None:
    text_path = file_vault.manager.save_recovery_kit(file_vault.kit, tmp_path / "kit.txt")
    assert text_path.stat().st_mode & 0o777 == 0o600
    assert file_vault.kit in text_path.read_text()
    pdf_path = file_vault.manager.save_recovery_kit(file_vault.kit, tmp_path / "kit.pdf")
    assert pdf_path.stat().st_mode & 0o777 == 0o600
    printed = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    # the saved page is accepted as the kit it shows
    assert parse_recovery_kit(printed) == parse_recovery_kit(file_vault.kit)
    before = text_path.read_bytes()
    with pytest.raises(BadInput, match="already exists"):
        file_vault.manager.save_recovery_kit(file_vault.kit, text_path)
    assert text_path.read_bytes() == before
    consultant = file_vault.unlock(CONSULTANT, CONSULTANT_PASS)
    with pytest.raises(PermissionDenied):
        consultant.save_recovery_kit(file_vault.kit, tmp_path / "other.txt")
    assert not (tmp_path / "other.txt").exists()


def test_a_removed_leaver_is_named_once_by_their_case(file_vault: Vault) -> None:
    from datetime import date

    from itexit.domain.checklist import CaseKind, NewCase

    manager = file_vault.manager
    manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
    manager.add_user(MANAGER2, Role.MANAGER, MANAGER2_PASS)
    manager.cases.create(
        NewCase(
            name="Ivan Leaver",
            kind=CaseKind.IT_EMPLOYEE,
            termination_date=date.today(),
            vault_user=LEAVER,
        )
    )
    manager.remove_user(LEAVER)
    manager.remove_user(MANAGER2)
    # the leaver by the case's name, not a second time by their account; a removed person
    # with no case by their account
    assert manager.dashboard().departing == ["Ivan Leaver", MANAGER2]
