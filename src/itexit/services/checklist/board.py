"""The checklist's dashboard tile, its reminders, and who is leaving."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itexit.domain.checklist import TaskStatus
from itexit.domain.models import Tile
from itexit.domain.reminders import Reminder, ReminderArea
from itexit.domain.wording import count, due
from itexit.services.context import VaultContext
from itexit.services.states import check_tasks, closed_cases
from itexit.store.checklist import Case, Task

REMIND_AHEAD_DAYS = 7
"""`itexit remind` lists open tasks due within this many days, and every overdue one."""


def _short(case_id: str) -> str:
    return case_id[:8]


# --- dashboard, reminders ----------------------------------------------------------------------


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
