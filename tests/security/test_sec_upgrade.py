"""A vault made before the member list was signed: a manager signs it once, after seeing it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from itexit import locations
from itexit.domain.credentials import NewCredential
from itexit.domain.errors import BadInput, IntegrityFailure, PermissionDenied
from itexit.domain.roles import Role
from itexit.services import roster as roster_service
from itexit.services.roster import RosterUnsigned
from itexit.services.users import service as users_service
from itexit.store.models import Credential
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    MANAGER,
    MANAGER_PASS,
    Vault,
    new_vault,
    opened,
)


class _Unsigned:
    """What the code before the signed list wrote for a member change: nothing."""

    def audit_details(self) -> dict[str, Any]:
        return {}


def legacy(target: str | Path) -> Vault:
    """A vault as the release before the signed member list left it: no list, and records
    sealed without their bound columns."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(roster_service, "append", lambda *a, **k: _Unsigned())
        patch.setattr(users_service, "verified_roster", lambda ctx, session: None)
        patch.setattr(Credential, "BOUND", ())
        vault = new_vault(target)
        vault.manager.add_user(CONSULTANT, Role.CONSULTANT, CONSULTANT_PASS)
        vault.manager.credentials.add(
            NewCredential(
                system="Mail server",
                host="mail.practice.example.test",
                port=993,
                username="admin",
                secret=SecretStr("Canary-Legacy-1"),
                verifier="imap",
            )
        )
    assert vault.scalar("SELECT count(*) FROM roster_entries") == 0
    return vault


@pytest.fixture
def old_vault(db_url: str) -> Iterator[Vault]:
    yield from opened(legacy(db_url))


def test_an_older_vault_is_signed_once_by_a_manager(old_vault: Vault) -> None:
    v = old_vault
    for name, passphrase in ((MANAGER, MANAGER_PASS), (CONSULTANT, CONSULTANT_PASS)):
        with pytest.raises(RosterUnsigned, match="itexit upgrade"):
            v.unlock(name, passphrase)
    preview = "\n".join(v.gw.upgrade_preview())
    assert "alice" in preview and "manager" in preview and "bob" in preview
    assert "the vault's keys: never changed" in preview and "recovery kit key" in preview
    with pytest.raises(PermissionDenied):
        v.gw.upgrade(CONSULTANT, CONSULTANT_PASS)
    signed = v.gw.upgrade(MANAGER, MANAGER_PASS)
    assert signed.identity.role is Role.MANAGER
    assert v.scalar("SELECT count(*) FROM roster_entries") == 1
    if v.path is not None:
        assert any(locations.backups_dir().glob("*-before-signing-*.sqlite"))
    with pytest.raises(BadInput, match="already signed"):
        v.gw.upgrade(MANAGER, MANAGER_PASS)
    verdict = v.gw.verify_audit()
    assert verdict.ok and verdict.legacy_rows >= 3
    assert v.unlock(CONSULTANT, CONSULTANT_PASS).identity.role is Role.CONSULTANT
    # the signing bound the credential's address into its sealed record
    v.sql("UPDATE credentials SET port = 4444")
    with pytest.raises(IntegrityFailure, match="says port is '4444'"):
        signed.credentials.verify("Mail server")
    # and from now on a changed role is refused like in any signed vault
    v.sql("UPDATE credentials SET port = 993")
    v.sql("UPDATE users SET role = 'manager' WHERE name = :n", n=CONSULTANT)
    with pytest.raises(IntegrityFailure, match="users row for 'bob'"):
        v.unlock(MANAGER, MANAGER_PASS)


def test_the_recovery_kit_signs_an_older_vault(tmp_path: Path) -> None:
    v = legacy(tmp_path / "old.sqlite")
    try:
        session = v.gw.recover(v.kit, MANAGER, "a brand new manager passphrase 12")
        assert session.identity.name == MANAGER
        assert v.gw.verify_audit().ok
    finally:
        v.close()


def _cli(vault: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "itexit", "--vault", str(vault), *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def test_scripts_are_told_to_run_the_upgrade_command(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    legacy(path).close()
    pp = tmp_path / "pp"
    pp.write_text(MANAGER_PASS + "\n")
    who = ["--user", MANAGER, "--passphrase-file", str(pp)]
    refused = _cli(path, *who, "cred", "list")
    assert refused.returncode == 2
    assert "itexit upgrade" in refused.stderr and "Traceback" not in refused.stderr
    unconfirmed = _cli(path, *who, "upgrade")
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    assert "bob" in unconfirmed.stderr  # what would be signed was shown first
    done = _cli(path, *who, "upgrade", "--yes")
    assert done.returncode == 0, done.stderr
    assert "signed by alice" in done.stdout
    assert _cli(path, *who, "cred", "list").returncode == 0
    locations.witness_path().unlink()
    fresh = _cli(path, "audit", "verify")
    assert fresh.returncode == 0, fresh.stderr
    assert "no record of this vault" in fresh.stdout and "intact" not in fresh.stdout
    again = _cli(path, "audit", "verify")
    assert "intact" in again.stdout and "before the member list was signed" in again.stdout
