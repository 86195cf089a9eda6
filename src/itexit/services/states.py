"""Plain states that close something (a task done, a case closed, a renewal given notice or
retired, a statement signed), checked against the sealed records before a reader relies on them.

The states stay plain so a viewer can list them, and every reminder and exposure is worked out
from them. Someone who can write the database could set one to "done" in SQL and silence a
reminder, so a reader holding the key opens the record behind each row whose state would close
something: an edit is one sentence naming the row. A state edited back to open is harmless
(it only shows more work), so open rows are never opened here and lists stay fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from itexit.domain.errors import IntegrityFailure
from itexit.domain.roles import Scope
from itexit.services.context import VaultContext
from itexit.store.checklist import Case, Task, TaskEvent
from itexit.store.models import Encrypted
from itexit.store.renewals import Renewal
from itexit.store.statements import ExitStatement

TASK_CLOSED = {"done": "done", "na": "na"}
"""A closed task's status, and the history entry that closed it."""
CASE_CLOSED = frozenset({"closed"})
RENEWAL_CLOSED = frozenset({"cancelling", "retired"})
STATEMENT_CLOSED = frozenset({"signed"})

TASK_STAMP = "_task"
"""The task's status and version after a history entry, sealed inside the entry."""


def task_stamp(task: Task) -> dict[str, Any]:
    return {"status": task.status, "version": task.version}


def _readable(ctx: VaultContext, row: Encrypted) -> bool:
    try:
        return ctx.holds(Scope(row.scope))
    except ValueError:
        return False


def _check(
    ctx: VaultContext, rows: Iterable[Encrypted], closing: frozenset[str], column: str
) -> None:
    for row in rows:
        if getattr(row, column) in closing and _readable(ctx, row):
            ctx.unseal(row)


def check_cases(ctx: VaultContext, cases: Iterable[Case]) -> None:
    """Each closed case the reader holds the key of must say so in its sealed record."""
    _check(ctx, cases, CASE_CLOSED, "status")


def check_renewals(ctx: VaultContext, rows: Iterable[Renewal]) -> None:
    _check(ctx, rows, RENEWAL_CLOSED, "state")


def check_statements(ctx: VaultContext, rows: Iterable[ExitStatement]) -> None:
    """A signed statement's status is in its record's associated data: it must open."""
    _check(ctx, rows, STATEMENT_CLOSED, "status")


def closed_cases(ctx: VaultContext, session: Session) -> set[str]:
    """The ids of the closed cases, each checked where the reader holds the key."""
    rows = list(session.scalars(select(Case).where(Case.status.in_(CASE_CLOSED))))
    check_cases(ctx, rows)
    return {row.id for row in rows}


def check_tasks(ctx: VaultContext, session: Session, tasks: Iterable[Task]) -> None:
    """Each done or not-applicable task must be so in its newest sealed history entry.

    Every entry seals the task's status and version after it; the entry with the highest
    version must carry the row's status. Entries written before that carry no stamp: then the
    task needs a sealed "done" (or "na") entry at all. A reader who cannot open every entry
    of a task (a viewer; a consultant, for entries sealed for HR) accepts the plain status
    unless the task has no history at all."""
    closed = {t.id: t for t in tasks if t.status in TASK_CLOSED}
    if not closed:
        return
    events: dict[str, list[TaskEvent]] = {}
    for event in session.scalars(select(TaskEvent).where(TaskEvent.task_id.in_(list(closed)))):
        events.setdefault(event.task_id, []).append(event)
    for task_id, task in closed.items():
        history = events.get(task_id, [])
        readable = [e for e in history if _readable(ctx, e)]
        if history and not readable:
            continue
        stamps = [s for s in (ctx.unseal(e).get(TASK_STAMP) for e in readable) if s]
        if stamps:
            newest = max(stamps, key=lambda s: int(s.get("version", 0)))
            if newest.get("status") == task.status or len(readable) < len(history):
                # a newer entry may be sealed for a scope this reader does not hold
                continue
            sealed = newest.get("status")
        elif any(e.action == TASK_CLOSED[task.status] for e in history):
            continue
        else:
            sealed = "open"
        raise IntegrityFailure(
            f"The tasks row {task.id} (#{task.number} {task.title[:60]!r}) says status is "
            f"{task.status!r}, but its sealed history says {str(sealed)[:20]!r}: it was changed "
            "in the database. Restore it from a backup, or reopen the task."
        )
