"""The checklist service on both backends: templates to tasks, gating, dates, roles, evidence."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from itexit.domain.checklist import CaseKind, CaseStatus, NewCase, NewTask, Phase, TaskStatus
from itexit.domain.errors import BadInput, NotFound, PermissionDenied, StaleEdit
from itexit.domain.roles import Role
from itexit.services import checklist
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    HR_PASS,
    HR_USER,
    VIEWER,
    VIEWER_PASS,
    Vault,
    populated,
)

TODAY = date(2026, 11, 23)


@pytest.fixture
def vault(db_url: str, frozen_now: object) -> Vault:
    v = populated(db_url, credentials=0)
    yield v  # type: ignore[misc]
    v.close()


def _gary(vault: Vault, **kw: object) -> str:
    new = NewCase(
        name="Gary Thistle",
        kind=CaseKind.IT_EMPLOYEE,
        termination_date=kw.pop("termination", TODAY + timedelta(days=10)),  # type: ignore[arg-type]
        reason="skills_mismatch",
        notes="Spoke with counsel on 2026-11-01",
        templates=kw.pop("templates", ["it-person"]),  # type: ignore[arg-type]
    )
    return vault.manager.cases.create(new).id


def _number(vault: Vault, case_id: str, key: str) -> int:
    detail = vault.manager.cases.get(case_id)
    rows = vault.rows("SELECT number FROM tasks WHERE case_id = :c AND key = :k", c=case_id, k=key)
    assert rows, key
    assert any(t.number == rows[0][0] for t in detail.tasks)
    return int(rows[0][0])


def test_case_from_template_has_every_task_with_due_dates(vault: Vault) -> None:
    case_id = _gary(vault)
    detail = vault.manager.cases.get(case_id)
    assert detail.name == "Gary Thistle"
    assert detail.status is CaseStatus.PLANNING
    assert detail.tasks_total == 17
    assert [t.number for t in detail.tasks] == list(range(1, 18))
    for task in detail.tasks:
        assert task.due == detail.termination_date + timedelta(days=task.offset_days)
        assert task.guidance and task.reference
    assert {t.phase for t in detail.tasks} == set(Phase)
    assert detail.critical_open == sum(t.critical for t in detail.tasks) >= 5
    assert detail.reason == "skills_mismatch"
    assert [c.name for c in vault.manager.cases.list()] == ["Gary Thistle"]


def test_two_templates_number_on_and_an_unknown_template_writes_nothing(vault: Vault) -> None:
    case_id = _gary(vault, templates=["it-person", "replacement-onboarding"])
    assert vault.manager.cases.get(case_id).tasks_total == 21
    with pytest.raises(NotFound, match="no template 'nope'"):
        _gary(vault, templates=["it-person", "nope"])
    assert vault.scalar("SELECT count(*) FROM cases") == 1


def test_empty_name_is_refused(vault: Vault) -> None:
    with pytest.raises(BadInput, match="needs the name"):
        vault.manager.cases.create(
            NewCase(name="  ", kind=CaseKind.CLINICIAN, termination_date=TODAY)
        )


def test_moving_the_date_moves_open_tasks_only(vault: Vault) -> None:
    cases = vault.manager.cases
    case_id = _gary(vault)
    first = cases.get(case_id)
    done_before = first.tasks[0]
    cases.complete(case_id, done_before.number, evidence="used a personal phone")
    moved = cases.set_termination_date(case_id, TODAY + timedelta(days=20), first.version)
    assert moved.termination_date == TODAY + timedelta(days=20)
    after = cases.get(case_id)
    for task in after.tasks:
        if task.number == done_before.number:
            assert task.due == done_before.due
        else:
            assert task.due == TODAY + timedelta(days=20 + task.offset_days)
    with pytest.raises(StaleEdit, match="Changed by alice"):
        cases.set_termination_date(case_id, TODAY, first.version)


def test_a_task_waiting_on_an_open_critical_task_cannot_be_completed(vault: Vault) -> None:
    cases = vault.manager.cases
    case_id = _gary(vault)
    statement = _number(vault, case_id, "it-person:exit-statement")
    passwords = _number(vault, case_id, "it-person:undocumented-passwords")
    assert cases.task(case_id, passwords).waiting_on_critical == [statement]
    with pytest.raises(BadInput, match=f"waits for the critical task #{statement}"):
        cases.complete(case_id, passwords)
    assert cases.task(case_id, passwords).status is TaskStatus.OPEN
    # the statement's task is one the app checks: no tick while no signing is recorded
    with pytest.raises(BadInput, match="cannot be ticked yet: Gary Thistle has not signed"):
        cases.complete(case_id, statement, evidence="signed, copy with HR")
    cases.not_applicable(case_id, statement, "signed on paper, the copy is kept by HR")
    done = cases.complete(case_id, passwords, evidence="3 passwords, all verified")
    assert done.status is TaskStatus.DONE
    assert done.completed_by == "alice"


def test_closing_with_an_open_critical_task_is_refused_naming_it(vault: Vault) -> None:
    cases = vault.manager.cases
    case_id = _gary(vault)
    detail = cases.get(case_id)
    critical = [t for t in detail.tasks if t.critical]
    with pytest.raises(
        BadInput, match=f"critical task #{critical[0].number} “{critical[0].title}”"
    ):
        cases.close(case_id)
    assert cases.get(case_id).status is CaseStatus.PLANNING
    for task in critical:
        cases.not_applicable(case_id, task.number, "handled outside this practice")
    # the exit statement is not signed: closing names that exposure until it is accepted
    with pytest.raises(BadInput, match="exposure is still open"):
        cases.close(case_id)
    for item in vault.manager.exposures.open_for_case(case_id):
        vault.manager.exposures.accept(item.id, "signed on paper only", date(2027, 1, 31))
    closed = cases.close(case_id)
    assert closed.status is CaseStatus.CLOSED
    assert "Gary Thistle" not in checklist.departing(vault.manager.ctx)
    with pytest.raises(BadInput, match="closed"):
        cases.complete(case_id, 1)


def test_a_critical_na_without_its_reason_blocks_closing(vault: Vault) -> None:
    cases = vault.manager.cases
    case_id = _gary(vault, templates=["replacement-onboarding"])
    for task in cases.get(case_id).tasks:
        cases.not_applicable(case_id, task.number, "not needed")
    vault.sql("DELETE FROM task_events WHERE action = 'na'")
    with pytest.raises(BadInput, match="not applicable without a reason"):
        cases.close(case_id)


def test_not_applicable_needs_a_reason(vault: Vault) -> None:
    cases = vault.manager.cases
    case_id = _gary(vault)
    with pytest.raises(BadInput, match="needs a reason"):
        cases.not_applicable(case_id, 1, "  ")
    assert cases.task(case_id, 1).status is TaskStatus.OPEN
    cases.not_applicable(case_id, 1, "We have no shared mailbox")
    detail = cases.task(case_id, 1)
    assert detail.status is TaskStatus.NOT_APPLICABLE
    assert detail.na_reason == "We have no shared mailbox"
    assert [e.action for e in detail.history] == ["na"]
    reopened = cases.reopen(case_id, 1)
    assert reopened.status is TaskStatus.OPEN


def test_roles_complete_their_own_tasks_and_the_viewer_nothing(vault: Vault) -> None:
    case_id = _gary(vault)
    hr = vault.unlock(HR_USER, HR_PASS)
    bob = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    vic = vault.unlock(VIEWER, VIEWER_PASS)
    mailbox = _number(vault, case_id, "it-person:mailbox-new-password")
    ethics = _number(vault, case_id, "it-person:hr-ethics-policy")
    with pytest.raises(PermissionDenied, match="given to an IT consultant"):
        hr.cases.complete(case_id, mailbox)
    with pytest.raises(PermissionDenied):
        vic.cases.complete(case_id, mailbox)
    with pytest.raises(PermissionDenied):
        bob.cases.create(NewCase(name="X", kind=CaseKind.IT_VENDOR, termination_date=TODAY))
    bob.cases.complete(case_id, mailbox, evidence="password changed")
    hr.cases.complete(case_id, ethics, evidence="policy signed")
    # the consultant sees that HR's task is done, not what HR wrote
    detail = bob.cases.task(case_id, ethics)
    assert detail.status is TaskStatus.DONE
    assert detail.evidence_note is None and detail.sealed_for == "hr"
    assert detail.history[0].sealed
    # and HR does not read the consultant's evidence, nor the viewer anyone's
    assert hr.cases.task(case_id, mailbox).evidence_note is None
    assert vic.cases.task(case_id, mailbox).evidence_note is None
    assert bob.cases.get(case_id).reason is None
    assert hr.cases.get(case_id).notes == "Spoke with counsel on 2026-11-01"


def test_assign_to_a_user_brings_their_role_and_my_tasks_follow(vault: Vault) -> None:
    cases = vault.manager.cases
    case_id = _gary(vault)
    bob = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    before = {m.task.number for m in bob.cases.my_tasks()}
    assert before and all(m.task.role is Role.CONSULTANT for m in bob.cases.my_tasks())
    task = cases.assign(case_id, 1, CONSULTANT)
    assert task.assignee == CONSULTANT and task.role is Role.CONSULTANT
    assert {m.task.number for m in bob.cases.my_tasks()} == before | {1}
    cases.assign(case_id, 1, "hr")
    assert 1 not in {m.task.number for m in bob.cases.my_tasks()}
    with pytest.raises(NotFound, match="no active user 'nobody'"):
        cases.assign(case_id, 1, "nobody")
    with pytest.raises(BadInput, match="read-only auditor"):
        cases.assign(case_id, 1, VIEWER)
    history = cases.task(case_id, 1).history
    assert [(e.action, e.note) for e in history] == [
        ("assigned", f"to {CONSULTANT}"),
        ("assigned", "to hr"),
    ]


def test_practice_specific_task_moves_with_the_date(vault: Vault) -> None:
    cases = vault.manager.cases
    case_id = _gary(vault)
    task = cases.add_task(
        case_id,
        NewTask(
            title="Collect the server room key",
            phase=Phase.DAY_OF,
            critical=True,
            due=TODAY + timedelta(days=10),
            role=Role.MANAGER,
            depends_on=[1],
        ),
    )
    assert task.number == 18 and task.offset_days == 0 and task.depends_on == [1]
    cases.set_termination_date(case_id, TODAY + timedelta(days=12))
    assert cases.task(case_id, 18).due == TODAY + timedelta(days=12)
    with pytest.raises(BadInput, match="title"):
        cases.add_task(case_id, NewTask(title="x"))


def test_evidence_file_is_kept_by_sha256_and_deduplicated(vault: Vault, tmp_path: Path) -> None:
    import hashlib

    from itexit.services.blobs import read_blob

    cases = vault.manager.cases
    case_id = _gary(vault)
    scan = tmp_path / "assessment.pdf"
    scan.write_bytes(b"%PDF-1.4 assessment " * 50)
    cases.complete(case_id, 3, evidence="assessment done", attachment=scan)
    cases.attach(case_id, 4, attachment=scan, note="same file")
    assert vault.scalar("SELECT count(*) FROM blobs") == 1
    detail = cases.task(case_id, 3)
    ref = detail.attachments[0]
    assert ref.sha256 == hashlib.sha256(scan.read_bytes()).hexdigest()
    assert ref.filename == "assessment.pdf" and ref.size == scan.stat().st_size
    got, data = read_blob(vault.manager.ctx, ref.id)
    assert data == scan.read_bytes() and got == ref
    with pytest.raises(BadInput, match="no file"):
        cases.attach(case_id, 4, attachment=tmp_path / "missing.pdf")


def test_dashboard_tile_and_reminders_raise_overdue_critical(vault: Vault) -> None:
    ctx = vault.manager.ctx
    assert checklist.tiles(ctx, TODAY)[0].severity == "idle"
    case_id = _gary(vault, termination=TODAY - timedelta(days=3))
    tile = checklist.tiles(ctx, TODAY)[0]
    assert tile.severity == "alert" and "critical overdue" in tile.caption
    items = checklist.reminders(ctx, TODAY)
    assert items and all(i.due is not None and i.due <= TODAY + timedelta(days=7) for i in items)
    overdue_critical = [i for i in items if i.overdue and i.critical]
    assert overdue_critical
    assert overdue_critical[0].ref.startswith(case_id[:8] + "/")
    assert checklist.departing(ctx) == ["Gary Thistle"]
    summary = vault.manager.cases.list()[0]
    assert summary.critical_overdue == len(overdue_critical)


def test_the_tile_counts_other_open_tasks_in_words(vault: Vault) -> None:
    ctx = vault.manager.ctx
    case_id = _gary(vault, templates=["replacement-onboarding"])
    cases = vault.manager.cases
    critical = [t.number for t in cases.get(case_id).tasks if t.critical]
    for number in critical:
        cases.not_applicable(case_id, number, "handled by the vendor")
    others = [t.number for t in cases.get(case_id).tasks if not t.critical]
    assert len(others) == 2
    assert checklist.tiles(ctx, TODAY)[0].caption == "2 other tasks open"
    cases.complete(case_id, others[0], evidence="done")
    assert checklist.tiles(ctx, TODAY)[0].caption == "1 other task open"
    cases.complete(case_id, others[1], evidence="done")
    assert checklist.tiles(ctx, TODAY)[0].caption == "checklists complete"


def test_cases_by_name_id_prefix_and_unknown(vault: Vault) -> None:
    case_id = _gary(vault)
    cases = vault.manager.cases
    assert cases.get("gary thistle").id == case_id
    assert cases.get(case_id[:8]).id == case_id
    with pytest.raises(NotFound, match="no case 'Nobody'"):
        cases.get("Nobody")
    with pytest.raises(NotFound, match="no task '99'"):
        cases.task(case_id, 99)
