"""Many people on one vault at once: eight processes of mixed commands, and the app unlocked.

Every command must succeed (a busy vault is waited for, a re-key by someone else followed),
the audit chain must stay whole, and nothing anyone did may be lost. The app, unlocked
throughout, may only ever say that the vault was re-keyed by someone else, never that a record
was altered.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from textual.widgets import Input

from itexit.app import ItexitApp
from itexit.domain.errors import VaultRekeyed
from itexit.screens.error import RekeyedModal
from itexit.store.models import AuditRow, Credential, User
from vaulthelpers import MANAGER, MANAGER_PASS, Vault, add_credential, new_vault

WORKERS = 8
OPERATIONS = 20
WORKER = Path(__file__).with_name("concurrency_worker.py")


def _start_workers(vault: Vault, work: Path) -> list[subprocess.Popen[bytes]]:
    (work / "alice.pp").write_text(MANAGER_PASS + "\n")
    (work / "new.pp").write_text("violet comet harbour lantern 88\n")
    where = ["--db", vault.location.url] if vault.location.url else ["--vault", str(vault.path)]
    options = [*where, "--user", MANAGER, "--passphrase-file", str(work / "alice.pp")]
    return [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(i), str(OPERATIONS), str(work), "--", *options],
            stdin=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for i in range(WORKERS)
    ]


async def _unlock(app: ItexitApp, pilot: Any) -> None:
    for _ in range(200):
        await pilot.pause(0.05)
        if app.screen.query("#passphrase"):
            break
    app.screen.query_one("#user", Input).value = MANAGER
    app.screen.query_one("#passphrase", Input).value = MANAGER_PASS
    app.screen.query_one("#passphrase", Input).focus()
    await pilot.press("enter")
    for _ in range(200):
        await pilot.pause(0.05)
        if app.session is not None:
            return
    raise AssertionError("the app did not unlock")


async def test_eight_processes_and_the_app_on_one_vault(db_url: str, tmp_path: Path) -> None:
    vault = new_vault(db_url)
    add_credential(vault.manager, "Shared0")
    add_credential(vault.manager, "Shared1", secret="shared-secret-1")
    vault.manager.lock()
    work = tmp_path / "work"
    work.mkdir()

    app = ItexitApp(vault.location, user=MANAGER)
    shown: list[BaseException] = []
    real_show_error = app.show_error

    def show_error(error: BaseException) -> None:
        shown.append(error)
        real_show_error(error)

    app.show_error = show_error  # type: ignore[method-assign]
    started = time.monotonic()
    async with app.run_test() as pilot:
        await _unlock(app, pilot)
        procs = _start_workers(vault, work)
        screens = ["f5", "f2", "f4", "f2"]
        turn = 0
        while any(p.poll() is None for p in procs):
            if isinstance(app.screen, RekeyedModal):
                await pilot.click("#rekeyed-lock")
                await _unlock(app, pilot)
            else:
                await pilot.press(screens[turn % len(screens)])
                turn += 1
            await pilot.pause(0.2)
            assert time.monotonic() - started < 300, "the workers never finished"
        # after everyone finished, the app carries on (after a lock and unlock if re-keyed):
        # a read shows it whether the last re-key came before or after the app's last read
        listed: set[str] = set()
        for _ in range(3):
            await pilot.press("f2")
            await pilot.pause(0.5)
            if isinstance(app.screen, RekeyedModal):
                await pilot.click("#rekeyed-lock")
                await _unlock(app, pilot)
            session = app.session
            assert session is not None
            try:
                listed = {c.system for c in session.credentials.list()}
                break
            except VaultRekeyed:  # the app had not read since the last re-key: lock, unlock
                app.action_lock()
                await pilot.pause(0.2)
                await _unlock(app, pilot)
        await asyncio.sleep(0)
    stderr = [p.stderr.read().decode() if p.stderr else "" for p in procs]
    assert all(p.returncode == 0 for p in procs), stderr
    assert all(isinstance(e, VaultRekeyed) for e in shown), [str(e) for e in shown]

    results = [
        result
        for i in range(WORKERS)
        for result in json.loads((work / f"worker-{i}.json").read_text())
    ]
    assert len(results) == WORKERS * OPERATIONS
    failed = [r for r in results if r["code"] != 0]
    assert not failed, failed

    # the chain is whole, and every change is there once
    assert vault.gw.verify_audit().ok
    ops = [r["op"] for r in results]
    added = {op[2] for op in ops if op[:2] == ["cred", "add"]}
    imported = {
        f"I{Path(op[2]).stem.removeprefix('import-')}-{k}"
        for op in ops
        if op[0] == "import"
        for k in range(3)
    }
    user_adds = {op[2] for op in ops if op[:2] == ["user", "add"]}
    user_removes = {op[2] for op in ops if op[:2] == ["user", "remove"]}
    reveals = sum(1 for op in ops if "--field" in op)
    with vault.gw.store.sessions() as s:
        systems = set(s.scalars(select(Credential.system)))
        users = {u.name: u.status for u in s.scalars(select(User))}
        actions = [row.action for row in s.scalars(select(AuditRow))]
    assert added and imported and user_removes and reveals
    assert added | imported | {"Shared0", "Shared1"} == systems
    assert listed == systems
    assert {n for n in user_adds if users.get(n) == "active"} == user_adds - user_removes
    assert {n for n in user_removes if users.get(n) == "removed"} == user_removes
    assert actions.count("cred.add") == len(added) + 2
    assert actions.count("cred.reveal") == reveals
    assert actions.count("user.remove") == len(user_removes)
    vault.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_change_waits_for_the_write_lock_then_says_busy(tmp_path: Path, backend: str) -> None:
    """A writer that never lets go: the next change waits, then says so in a sentence."""
    import sqlite3

    from itexit.domain.errors import VaultBusy
    from itexit.store.engine import begin_write

    vault = new_vault(tmp_path / "v.sqlite")
    holder = sqlite3.connect(str(vault.path), timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with vault.gw.store.sessions() as session, session.begin():
            started = time.monotonic()
            with pytest.raises(VaultBusy, match="try again"):
                # one busy-timeout round is 10 s; a short overall wait keeps this test quick
                session.connection().exec_driver_sql("PRAGMA busy_timeout=100")
                begin_write(session, wait_seconds=0.5)
            assert 0.4 < time.monotonic() - started < 5
    finally:
        holder.rollback()
        holder.close()
    assert vault.manager.verify_audit().ok
    vault.close()
