"""Task, case, renewal and exit-statement states closed in SQL, by someone with no key.

Each state steers a reminder or an exposure: a task marked done, a case closed, a renewal
retired or given notice, a statement marked signed would each silence `itexit remind`. Each
attack is performed with raw SQL (SQLite and PostgreSQL); a key holder's reminders, exposure
list, case list and dashboard refuse the row, naming it, and the command line exits non-zero.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from itexit.cli import main
from itexit.domain.checklist import CaseKind, NewCase
from itexit.domain.errors import IntegrityFailure
from itexit.domain.renewals import NewRenewal, RenewalKind, RenewalState
from itexit.services.session import UnlockedVault
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    HR_PASS,
    HR_USER,
    MANAGER,
    MANAGER_PASS,
    VIEWER,
    VIEWER_PASS,
    Vault,
    opened,
    populated,
)

TODAY = date.today()


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    v = populated(db_url, credentials=1)
    v.manager.cases.create(
        NewCase(
            name="Gary Thistle",
            kind=CaseKind.IT_EMPLOYEE,
            termination_date=TODAY - timedelta(days=20),
        )
    )
    yield from opened(v)


def remind(vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`itexit remind` as the practice manager; its exit code and what it printed."""
    pp = tmp_path / "alice.pp"
    pp.write_text(MANAGER_PASS + "\n")
    url = vault.location.sqlalchemy_url
    where = ["--vault", str(vault.path)] if vault.path else ["--db", url]
    code = main([*where, "--user", MANAGER, "--passphrase-file", str(pp), "remind"])
    out = capsys.readouterr()
    return code, out.out + out.err


def fresh(vault: Vault) -> UnlockedVault:
    return vault.unlock(MANAGER, MANAGER_PASS)


def late_critical(vault: Vault) -> tuple[str, int]:
    task_id, number = vault.rows(
        "SELECT id, number FROM tasks WHERE critical = :t AND status = 'open' AND due < :d "
        "ORDER BY due, number",
        t=True,
        d=TODAY,
    )[0]
    return str(task_id), int(number)


def refused(manager: UnlockedVault, row: str) -> None:
    """Every key holder's read that relies on the state names the row."""
    with pytest.raises(IntegrityFailure, match=row):
        manager.exposures.list(state="open", today=TODAY)
    with pytest.raises(IntegrityFailure, match=row):
        manager.reminders(TODAY)
    with pytest.raises(IntegrityFailure, match=row):
        manager.dashboard()


def test_a_task_marked_done_in_sql_is_refused(
    vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    task_id, number = late_critical(vault)
    code, out = remind(vault, tmp_path, capsys)
    assert code == 1 and f"#{number}" in out
    vault.sql("UPDATE tasks SET status = 'done' WHERE id = :i", i=task_id)
    refused(fresh(vault), f"tasks row {task_id}")
    with pytest.raises(IntegrityFailure, match=f"tasks row {task_id}"):
        fresh(vault).cases.list()
    with pytest.raises(IntegrityFailure, match=f"tasks row {task_id}"):
        fresh(vault).cases.get("Gary Thistle")
    code, out = remind(vault, tmp_path, capsys)
    assert code != 0 and f"tasks row {task_id}" in out and "changed in the database" in out
    # the SQL edit undone: reminded again
    vault.sql("UPDATE tasks SET status = 'open' WHERE id = :i", i=task_id)
    assert f"#{number}" in remind(vault, tmp_path, capsys)[1]


def test_a_task_reopened_then_marked_done_again_in_sql_is_refused(vault: Vault) -> None:
    """A real completion leaves a sealed history entry: once reopened, the newest entry says
    open, so the old "done" entry does not vouch for a status set back in SQL."""
    task_id, number = late_critical(vault)
    vault.manager.cases.complete("Gary Thistle", number, evidence="Badge handed in")
    manager = fresh(vault)
    assert all(e.subject_ref != f"task:{task_id}" for e in manager.exposures.list(today=TODAY))
    # a consultant, who may not open every entry, accepts what the product did
    assert vault.unlock(CONSULTANT, CONSULTANT_PASS).cases.list()
    manager.cases.reopen("Gary Thistle", number)
    assert any(e.subject_ref == f"task:{task_id}" for e in manager.exposures.list(today=TODAY))
    vault.sql("UPDATE tasks SET status = 'done' WHERE id = :i", i=task_id)
    refused(fresh(vault), f"tasks row {task_id}")
    # not applicable, by the product: accepted, and so is done after it
    vault.sql("UPDATE tasks SET status = 'open' WHERE id = :i", i=task_id)
    fresh(vault).cases.not_applicable("Gary Thistle", number, "No badge was ever issued")
    fresh(vault).cases.list()
    vault.sql("UPDATE tasks SET status = 'done' WHERE id = :i", i=task_id)
    refused(fresh(vault), f"tasks row {task_id}")


def test_a_case_closed_in_sql_is_refused(
    vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = str(vault.scalar("SELECT id FROM cases"))
    vault.sql("UPDATE cases SET status = 'closed' WHERE id = :i", i=case_id)
    refused(fresh(vault), f"cases row {case_id} says status is 'closed'")
    with pytest.raises(IntegrityFailure, match=f"cases row {case_id}"):
        fresh(vault).cases.list()
    code, out = remind(vault, tmp_path, capsys)
    assert code != 0 and f"cases row {case_id}" in out
    # a case moved on by the product keeps its binding
    vault.sql("UPDATE cases SET status = 'active' WHERE id = :i", i=case_id)
    from itexit.domain.checklist import CaseStatus

    fresh(vault).cases.set_status("Gary Thistle", CaseStatus.MONITORING)
    assert fresh(vault).cases.list()[0].status is CaseStatus.MONITORING
    vault.sql("UPDATE cases SET status = 'closed' WHERE id = :i", i=case_id)
    refused(fresh(vault), f"cases row {case_id} says status is 'closed'")


def test_a_renewal_retired_or_given_notice_in_sql_is_refused(
    vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = vault.manager.renewals.add(
        NewRenewal(
            kind=RenewalKind.CONTRACT,
            vendor="Netcare IT",
            item="Support contract",
            renewal_date=TODAY + timedelta(days=20),
            auto_renew=True,
            notice_days=30,
        )
    )
    code, out = remind(vault, tmp_path, capsys)
    assert "Netcare IT" in out
    for state in ("retired", "cancelling"):
        vault.sql("UPDATE renewals SET state = :s WHERE id = :i", s=state, i=summary.id)
        refused(fresh(vault), f"renewals row {summary.id} says state is '{state}'")
        code, out = remind(vault, tmp_path, capsys)
        assert code != 0 and f"renewals row {summary.id}" in out
    vault.sql("UPDATE renewals SET state = 'active' WHERE id = :i", i=summary.id)
    # a value itexit does not know is a sentence too
    vault.sql("UPDATE renewals SET state = 'cancelled' WHERE id = :i", i=summary.id)
    with pytest.raises(IntegrityFailure, match=f"renewals row {summary.id}"):
        fresh(vault).reminders(TODAY)
    vault.sql("UPDATE renewals SET state = 'active' WHERE id = :i", i=summary.id)
    # given notice by the product: bound, so every read accepts it
    fresh(vault).renewals.set_state(summary.id, RenewalState.CANCELLING)
    manager = fresh(vault)
    manager.exposures.list(today=TODAY)
    assert "Support contract ends" in str(manager.reminders(TODAY))


def test_an_exit_statement_marked_signed_in_sql_is_refused(
    vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = str(vault.scalar("SELECT id FROM cases"))
    vault.unlock(HR_USER, HR_PASS).statements.prepare(case_id)
    row = str(vault.scalar("SELECT id FROM exit_statements"))
    assert any(e.subject_ref == f"statement:{case_id}" for e in fresh(vault).exposures.list())
    vault.sql("UPDATE exit_statements SET status = 'signed' WHERE id = :i", i=row)
    refused(fresh(vault), f"exit_statements row {row}")
    with pytest.raises(IntegrityFailure, match=f"exit_statements row {row}"):
        vault.unlock(HR_USER, HR_PASS).reminders(TODAY)
    code, out = remind(vault, tmp_path, capsys)
    assert code != 0 and f"exit_statements row {row}" in out


def test_a_viewer_still_sees_the_plain_lists(vault: Vault) -> None:
    """A viewer holds no key to check a case's or renewal's record: the lists are as the
    database holds them (docs/security.md), but a task closed with no history at all is
    caught by anyone, since the product never closes a task without a sealed entry."""
    task_id, _ = late_critical(vault)
    viewer = vault.unlock(VIEWER, VIEWER_PASS)
    assert viewer.cases.list()
    vault.sql("UPDATE tasks SET status = 'done' WHERE id = :i", i=task_id)
    with pytest.raises(IntegrityFailure, match=f"tasks row {task_id}"):
        vault.unlock(VIEWER, VIEWER_PASS).cases.list()
