"""A crash in the middle of removing a user leaves the vault wholly in the old or the new epoch.

The removal runs in a child process that kills itself with SIGKILL at a chosen point: no
exception handler, `finally` or atexit code runs, as with a power cut or the OOM killer.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from sqlalchemy import select

from itexit.domain.errors import AuthenticationFailed, IntegrityFailure
from itexit.domain.roles import Role
from itexit.services.gateway import Gateway
from itexit.store.models import Credential, KeySlot, SecretVersion
from itexit.vault.records import decrypt_document
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    LEAVER,
    LEAVER_PASS,
    MANAGER,
    MANAGER_PASS,
    Vault,
    encrypted_row_count,
    location_for,
    populated,
)

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    import itexit.services.roster as roster
    import itexit.services.users.removal as users
    import itexit.store.engine as engine
    from itexit.services.gateway import Gateway
    from itexit.services.location import VaultLocation

    url, manager, passphrase, leaver, module, name = sys.argv[1:7]
    target = {"users": users, "engine": engine, "roster": roster}[module]
    real = getattr(target, name)

    def die(*args, **kwargs):
        print("REACHED " + name, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    setattr(target, name, die)
    gw = Gateway.open(VaultLocation(url=url))
    session = gw.unlock(manager, passphrase)
    session.remove_user(leaver)
    print("SURVIVED", flush=True)
    """
)


def remove_and_die(url: str, module: str, name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, url, MANAGER, MANAGER_PASS, LEAVER, module, name],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert f"REACHED {name}" in result.stdout, result.stdout + result.stderr
    assert "SURVIVED" not in result.stdout
    assert result.returncode == -signal.SIGKILL, result.stderr


def encrypted_rows(gw: Gateway) -> list[Any]:
    with gw.store.sessions() as s:
        rows = [*s.scalars(select(Credential)), *s.scalars(select(SecretVersion))]
        s.expunge_all()
    return rows


def prepare(target: Any) -> tuple[Vault, dict[str, bytes], dict[str, bytes]]:
    vault = populated(target, credentials=4)
    vault.manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
    keys = {s: vault.manager.ctx.keys.reveal((s, vault.manager.ctx.epoch)) for s in ("cred", "hr")}
    docs = {row.id: row.doc for row in encrypted_rows(vault.gw)}
    vault.close()
    return vault, keys, docs


def assert_wholly_old(vault: Vault, old_keys: dict[str, bytes], old_docs: dict[str, bytes]) -> None:
    gw = Gateway.open(vault.location)
    try:
        with gw.store.sessions() as s:
            meta = gw.store.meta(s)
            assert meta is not None and meta.epoch == 1
            slots = list(s.scalars(select(KeySlot)))
        assert {slot.epoch for slot in slots} == {1}
        rows = encrypted_rows(gw)
        assert len(rows) == 8
        manager = gw.unlock(MANAGER, MANAGER_PASS)
        for row in rows:
            assert row.epoch == 1
            assert row.doc == old_docs[row.id]
            decrypt_document(old_keys[row.scope], manager.ctx.address(row), row.doc)
        leaver = gw.unlock(LEAVER, LEAVER_PASS)
        assert {slot.holder for slot in slots} >= {leaver.identity.user_id}
        assert leaver.credentials.reveal("System2") == "secret-number-2"
        assert not any(c.rotation_due for c in manager.credentials.list())
        verdict = manager.verify_audit()
        assert verdict.ok, verdict
        actions = [e.action for e in manager.recent_audit(limit=500)]
        assert "user.remove" not in actions
        assert manager.ctx.epoch == 1  # the signed member list is still at the old epoch
        # and the interrupted removal can simply be done again
        sealed = encrypted_row_count(gw)
        assert sealed >= 8  # four credentials and their secret versions, at least
        report = manager.remove_user(LEAVER)
        assert report.new_epoch == 2 and report.records_reencrypted == sealed
        with pytest.raises(AuthenticationFailed):
            gw.unlock(LEAVER, LEAVER_PASS)
        assert gw.unlock(CONSULTANT, CONSULTANT_PASS).credentials.reveal("System3") == (
            "secret-number-3"
        )
        assert manager.verify_audit().ok
    finally:
        gw.close()


def test_crash_after_reencrypting_before_commit_leaves_the_old_epoch(db_url: str) -> None:
    """Killed as the member-list change is signed: every record re-encrypted, nothing committed."""
    vault, keys, docs = prepare(db_url)
    remove_and_die(vault.location.sqlalchemy_url, "roster", "append")
    assert_wholly_old(vault, keys, docs)


def test_crash_after_deleting_slots_before_resealing_leaves_the_old_epoch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    vault, keys, docs = prepare(tmp_path / "vault.sqlite")
    remove_and_die(vault.location.sqlalchemy_url, "users", "seal_slots")
    assert_wholly_old(vault, keys, docs)


def test_crash_after_commit_before_vacuum_leaves_the_new_epoch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    vault, old_keys, old_docs = prepare(tmp_path / "vault.sqlite")
    remove_and_die(vault.location.sqlalchemy_url, "engine", "checkpoint_and_vacuum")
    gw = Gateway.open(location_for(tmp_path / "vault.sqlite"))
    try:
        manager = gw.unlock(MANAGER, MANAGER_PASS)
        assert manager.ctx.epoch == 2
        rows = encrypted_rows(gw)
        assert len(rows) == 8
        for row in rows:
            assert row.epoch == 2
            with pytest.raises(IntegrityFailure):
                decrypt_document(old_keys[row.scope], manager.ctx.address(row), row.doc)
            assert row.doc != old_docs[row.id]
        with gw.store.sessions() as s:
            assert {slot.epoch for slot in s.scalars(select(KeySlot))} == {2}
        with pytest.raises(AuthenticationFailed):
            gw.unlock(LEAVER, LEAVER_PASS)
        assert manager.credentials.reveal("System1") == "secret-number-1"
        assert all(c.rotation_due for c in manager.credentials.list())
        assert manager.verify_audit().ok
    finally:
        gw.close()
