"""Plain states that close something (a task done, a case closed, a renewal given notice or
retired, a statement signed), checked against the sealed records before a reader relies on them.

The states stay plain so a viewer can list them, and every reminder and exposure is worked out
from them. Someone who can write the database could set one to "done" in SQL and silence a
reminder, so a reader holding the key opens the record behind each row whose state would close
something: an edit is one sentence naming the row. A state edited back to open is harmless
(it only shows more work), so open rows are never opened here and lists stay fast.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from itexit.domain.checklist import TaskStatus
from itexit.domain.errors import IntegrityFailure
from itexit.domain.roles import Scope
from itexit.services import roster
from itexit.services.context import VaultContext, bind_all, plain_enum, seal_with_key
from itexit.store.checklist import Case, Task, TaskEvent
from itexit.store.models import Encrypted, utcnow
from itexit.store.renewals import Renewal
from itexit.store.statements import ExitStatement
from itexit.vault.roster import BINDING_LEVEL, RosterState

TASK_CLOSED = {"done": "done", "na": "na"}
"""A closed task's status, and the history entry that closed it."""
CASE_CLOSED = frozenset({"closed"})
RENEWAL_CLOSED = frozenset({"cancelling", "retired"})
STATEMENT_CLOSED = frozenset({"signed"})

_WORDS = {"done": "done", "na": "not applicable"}
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
    tasks = list(tasks)
    for task in tasks:  # a status itexit does not know is one sentence naming the row
        if task.status != "open" and task.status not in TASK_CLOSED:
            plain_enum(TaskStatus, task, "status")
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
        elif len(readable) < len(history):
            continue  # the entry that seals it may be one this reader cannot open
        elif ctx.bound < BINDING_LEVEL and any(
            e.action == TASK_CLOSED[task.status] for e in history
        ):
            continue
        else:
            sealed = "open"
        raise IntegrityFailure(
            f"The tasks row {task.id} (#{task.number} {task.title[:60]!r}) says status is "
            f"{task.status!r}, but its sealed history says {str(sealed)[:20]!r}: it was changed "
            "in the database. Restore it from a backup, or reopen the task."
        )


def bind_tasks(ctx: VaultContext, session: Session, refused: list[str]) -> int:
    """Seal the status of every closed task whose history does not carry it yet (entries
    written before they did): one history entry each, by the manager binding the vault. A task
    with an entry that does not open is left as it is and added to `refused`."""
    closed = {t.id: t for t in session.scalars(select(Task).where(Task.status.in_(TASK_CLOSED)))}
    if not closed:
        return 0
    stamped: set[str] = set()
    scopes: dict[str, str] = {}
    for event in session.scalars(
        select(TaskEvent).where(TaskEvent.task_id.in_(list(closed))).order_by(TaskEvent.at)
    ):
        scopes[event.task_id] = event.scope
        if event.task_id in stamped or not _readable(ctx, event):
            continue
        try:
            if ctx.unseal(event).get(TASK_STAMP):
                stamped.add(event.task_id)
        except IntegrityFailure:
            stamped.add(event.task_id)  # not vouched for: left for every reader to name
            refused.append(f"tasks {event.task_id}")
    count = 0
    for task in closed.values():
        if task.id in stamped:
            continue
        row = TaskEvent(
            id=str(uuid.uuid4()),
            task_id=task.id,
            action="bound",
            actor=ctx.actor.name,
            at=utcnow(),
            version=1,
        )
        note = f"Sealed as {_WORDS[task.status]} when the vault's records were bound."
        row.scope = scopes.get(task.id, Scope.CRED.value)
        seal_with_key(
            row,
            {"note": note, TASK_STAMP: task_stamp(task)},
            ctx.keys,
            ctx.vault_id,
            ctx.epoch,
            ctx.actor.name,
        )
        session.add(row)
        count += 1
    session.flush()
    return count


def bind_vault(ctx: VaultContext, state: RosterState) -> RosterState:
    """Bind every record of a vault whose signed member list vouches for a lower binding level
    (records sealed before their states were bound), then sign the new level: from then on a
    record without its binding is itself a finding. Done once, at a manager's unlock, audited.

    A record that no longer matches what it sealed is left as it is (it will be named)."""
    if ctx.actor.keys is None or not all(ctx.holds(s) for s in Scope):
        return state
    with ctx.transaction() as session:
        current = roster.current(session, ctx.vault_id)
        if current.bound >= BINDING_LEVEL:
            ctx.bound = current.bound
            return current
        records, refused = bind_all(ctx, session)
        tasks = bind_tasks(ctx, session, refused)
        change = roster.append(
            session,
            current,
            ctx.vault_id,
            "bound",
            ctx.actor.id,
            ctx.actor.keys,
            {"level": BINDING_LEVEL},
        )
        ctx.record(
            session,
            "roster.bind",
            f"{records + tasks} records",
            records=records,
            tasks=tasks,
            refused=refused[:20],
            **change.audit_details(),
        )
    ctx.bound = change.state.bound
    return change.state
