"""Reading what is open never writes: a bound checklist task is completed by the change that
closes its exposure (or the next change), not by the dashboard, `exposure list` or `remind`."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from itexit.cli import main
from itexit.domain.checklist import CaseKind, NewCase
from itexit.domain.roles import Role
from vaulthelpers import (
    LEAVER,
    LEAVER_PASS,
    MANAGER,
    MANAGER_PASS,
    Vault,
    add_credential,
    populated,
)

TODAY = date.today()


def state(vault: Vault) -> tuple[int, list[tuple[str, str, str]]]:
    """How many audit entries there are, and every task's status and who completed it."""
    tasks = vault.rows("SELECT id, status, completed_by FROM tasks ORDER BY id")
    count = int(vault.scalar("SELECT count(*) FROM audit_events"))
    return count, [(str(i), str(s), str(c)) for i, s, c in tasks]


def removal_task(vault: Vault) -> tuple[str, str]:
    status, by = vault.rows(
        "SELECT status, completed_by FROM tasks WHERE key = 'itexit:remove-account'"
    )[0]
    return str(status), str(by)


def test_reads_never_complete_a_task_the_next_change_does(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = populated(db_url, credentials=1)
    try:
        vault.manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
        vault.manager.cases.create(
            NewCase(
                name="Ivan Leaver",
                kind=CaseKind.IT_EMPLOYEE,
                termination_date=TODAY - timedelta(days=2),
                vault_user=LEAVER,
            )
        )
        # the account removed without the checklist being brought up to date (as an older
        # release left it): the task's condition holds, but nobody has written it down yet
        older = vault.unlock(MANAGER, MANAGER_PASS)
        older.ctx.after_change = None
        older.users.remove(LEAVER)
        assert removal_task(vault) == ("open", "")

        manager = vault.unlock(MANAGER, MANAGER_PASS)
        before = state(vault)
        manager.exposures.list(state="all", today=TODAY)
        manager.dashboard(TODAY)
        manager.reminders(TODAY)
        assert state(vault) == before, "a read wrote to the vault"

        pp = tmp_path / "pp"
        pp.write_text(MANAGER_PASS + "\n")
        where = ["--vault", str(vault.path)] if vault.path else ["--db", db_url]
        count = before[0]
        main([*where, "--user", MANAGER, "--passphrase-file", str(pp), "remind"])
        capsys.readouterr()
        after_count, after_tasks = state(vault)
        assert after_tasks == before[1]
        # the command's own unlock is the only entry it wrote
        unlocks = vault.rows("SELECT action FROM audit_events WHERE seq > :s", s=count)
        assert [a for (a,) in unlocks] == ["auth.unlock"] and after_count == count + 1

        # the next change completes it, as itexit, with what it saw
        add_credential(manager, "Printer admin")
        assert removal_task(vault) == ("done", "itexit")
        done = vault.rows("SELECT details FROM audit_events WHERE action = 'task.done'")
        assert done and "removed from itexit" in str(done[-1][0])
    finally:
        vault.close()


def test_removing_the_account_completes_its_task_at_once(db_url: str) -> None:
    vault = populated(db_url, credentials=1)
    try:
        vault.manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
        vault.manager.cases.create(
            NewCase(
                name="Ivan Leaver",
                kind=CaseKind.IT_EMPLOYEE,
                termination_date=TODAY - timedelta(days=2),
                vault_user=LEAVER,
            )
        )
        assert removal_task(vault) == ("open", "")
        vault.manager.remove_user(LEAVER)
        assert removal_task(vault) == ("done", "itexit")
    finally:
        vault.close()
