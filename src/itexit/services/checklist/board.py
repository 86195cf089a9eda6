"""The checklist's dashboard tile, its reminders, who is leaving, and the demo cases."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itexit.domain.checklist import CaseKind, NewCase, TaskStatus
from itexit.domain.errors import BadInput
from itexit.domain.models import Tile
from itexit.domain.reminders import Reminder, ReminderArea
from itexit.domain.roles import Role
from itexit.domain.wording import count, due
from itexit.services.context import VaultContext
from itexit.services.states import check_tasks, closed_cases
from itexit.store.checklist import Case, Task

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

REMIND_AHEAD_DAYS = 7
"""`itexit remind` lists open tasks due within this many days, and every overdue one."""


def _short(case_id: str) -> str:
    return case_id[:8]


# --- dashboard, reminders, demo ------------------------------------------------------------------


def _open_tasks(ctx: VaultContext, session: Session) -> list[tuple[Task, Case]]:
    """Open tasks of open cases; a task or case whose plain state says closed is checked
    against its sealed record first (services/states.py), so an edit in SQL is named."""
    closed = closed_cases(ctx, session)
    rows = session.execute(
        select(Task, Case).join(Case, Case.id == Task.case_id).where(Case.id.not_in(closed))
    ).all()
    check_tasks(ctx, session, (task for task, _ in rows))
    return [(task, case) for task, case in rows if task.status == TaskStatus.OPEN.value]


def tiles(ctx: VaultContext, today: date) -> list[Tile]:
    """Critical tasks still open across open cases; overdue ones raise the tile to an alert."""
    with ctx.reading() as session:
        cases = int(session.scalar(select(func.count()).select_from(Case)) or 0)
        open_rows = _open_tasks(ctx, session) if cases else []
    if not cases:
        return [
            Tile(
                key="checklist",
                title="Critical tasks open",
                count=None,
                caption="no departure case yet",
                severity="idle",
                screen="checklist",
            )
        ]
    critical = [t for t, _ in open_rows if t.critical]
    overdue = [t for t in critical if t.due is not None and t.due < today]
    if overdue:
        caption = f"{len(overdue)} critical overdue"
        severity = "alert"
    elif critical:
        soonest = min((t.due for t in critical if t.due is not None), default=None)
        caption = f"next {due(soonest, today)}" if soonest else "none dated"
        severity = "warn"
    else:
        caption = (
            f"{count(len(open_rows), 'other task')} open" if open_rows else "checklists complete"
        )
        severity = "ok"
    return [
        Tile(
            key="checklist",
            title="Critical tasks open",
            count=len(critical),
            caption=caption,
            severity=severity,
            screen="checklist",
        )
    ]


def reminders(ctx: VaultContext, today: date) -> list[Reminder]:
    """Open tasks due within a week, and every overdue one, critical flagged."""
    horizon = today + timedelta(days=REMIND_AHEAD_DAYS)
    items = []
    with ctx.reading() as session:
        open_rows = _open_tasks(ctx, session)
    for task, case in open_rows:
        if task.due is None or task.due > horizon:
            continue
        items.append(
            Reminder(
                area=ReminderArea.CHECKLIST,
                title=f"{case.name}: #{task.number} {task.title}",
                due=task.due,
                overdue=task.due < today,
                critical=task.critical,
                ref=f"{_short(case.id)}/{task.number}",
                detail=task.assignee or task.role,
            )
        )
    return items


def departing(ctx: VaultContext) -> list[str]:
    """Who is leaving: the names on open cases, for the dashboard's headline."""
    with ctx.reading() as session:
        closed = closed_cases(ctx, session)
        return list(
            session.scalars(
                select(Case.name)
                .where(Case.id.not_in(closed))
                .order_by(Case.termination_date, Case.name)
            )
        )


def build_demo(vault: UnlockedVault, today: date) -> None:
    """Gary Thistle, the IT person who left a few days ago, and a fellow finishing next month."""
    import tempfile

    service = vault.cases
    gary = service.create(
        NewCase(
            name="Gary Thistle",
            kind=CaseKind.IT_EMPLOYEE,
            termination_date=today - timedelta(days=3),
            reason="skills_mismatch",
            notes="Skills mismatch after the move to the cloud EHR; HR and counsel consulted.",
            templates=["it-person", "replacement-onboarding"],
            emails=["gary@greenwayfp.example"],
            phones=["555-0142"],
            vault_user=next(
                (name for name, _ in service.users_for_assignment() if name.lower() == "gary"), ""
            ),
        )
    )
    done = {
        1: "Personal phone and a private mailbox used; every message kept professional.",
        2: "Privacy and confidentiality policy signed by all staff, AHIMA code attached.",
        3: "Assessment by the interim consultant: 14 systems, 3 single-person vendor contacts.",
        4: "Options reviewed with HR and counsel; termination rather than reorganisation.",
        5: "Reasons written up and filed with HR.",
        6: "Interim consultant engaged from the day before the departure.",
        7: "Termination held in the manager's office with HR present, following this list.",
        9: "Mailbox password changed at 17:05 on the day; kept for a year and monitored.",
        18: "Interim consultant added to itexit and to the EHR, firewall and M365 admin.",
        21: "Second manager added; recovery kit printed and locked in the safe.",
    }
    for number, evidence in done.items():
        attachment: Path | None = None
        if number == 3:
            folder = Path(tempfile.mkdtemp(prefix="itexit-demo-"))
            attachment = folder / "it-assessment-summary.txt"
            attachment.write_text(
                "IT assessment summary (fictional demo)\n"
                "Systems reviewed: 14. Vendor contacts tied to one person: 3.\n"
            )
        # a task the app checks is refused here and completes itself once the state satisfies it
        with contextlib.suppress(BadInput):
            service.complete(gary.id, number, evidence=evidence, attachment=attachment)
        if attachment is not None:
            attachment.unlink()
            attachment.parent.rmdir()
    service.not_applicable(
        gary.id, 15, "The replacement is an interim consultant; no job posting this quarter."
    )
    consultants = [
        name
        for name, role in service.users_for_assignment()
        if role is Role.CONSULTANT and name.lower() != "gary"
    ]
    if consultants:
        service.assign(gary.id, 11, consultants[0])
    service.create(
        NewCase(
            name="Dr. Priya Lindqvist",
            kind=CaseKind.CLINICIAN,
            termination_date=today + timedelta(days=24),
            reason="end_of_training",
            notes="Fellowship ends; joining a practice out of state.",
            templates=["clinician-deprovisioning"],
        )
    )
