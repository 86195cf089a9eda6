"""Mapping checklist rows to models, and reading an evidence file before a transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from itexit.domain.checklist import CaseKind, CaseStatus, Phase, TaskInfo, TaskStatus
from itexit.domain.errors import BadInput
from itexit.domain.roles import Role
from itexit.services.context import VaultContext, plain_enum
from itexit.store.checklist import Case, Task, TaskDependency
from itexit.store.models import utcnow

# --- mapping rows to models ----------------------------------------------------------------------


def _task_info(task: Task, deps: list[Task]) -> TaskInfo:
    return TaskInfo(
        id=task.id,
        number=task.number,
        case_id=task.case_id,
        title=task.title,
        guidance=task.guidance,
        reference=task.reference,
        phase=Phase(task.phase),
        critical=task.critical,
        offset_days=task.offset_days,
        due=task.due,
        role=plain_enum(Role, task, "role"),
        assignee=task.assignee,
        status=plain_enum(TaskStatus, task, "status"),
        completed_by=task.completed_by,
        completed_at=task.completed_at,
        depends_on=sorted(d.number for d in deps),
        waiting_on_critical=sorted(
            d.number for d in deps if d.critical and d.status == TaskStatus.OPEN.value
        ),
        template=task.template,
        version=task.version,
    )


def _summary(case: Case, tasks: Iterable[Task], today: date) -> dict[str, Any]:
    tasks = list(tasks)
    open_tasks = [t for t in tasks if t.status == TaskStatus.OPEN.value]
    dated = sorted((t for t in open_tasks if t.due is not None), key=lambda t: (t.due, t.number))
    return {
        "id": case.id,
        "name": case.name,
        "kind": plain_enum(CaseKind, case, "kind"),
        "termination_date": case.termination_date,
        "status": plain_enum(CaseStatus, case, "status"),
        "version": case.version,
        "templates": [t for t in case.templates.split(",") if t],
        "tasks_total": len(tasks),
        "tasks_closed": len(tasks) - len(open_tasks),
        "critical_open": sum(1 for t in open_tasks if t.critical),
        "critical_overdue": sum(
            1 for t in open_tasks if t.critical and t.due is not None and t.due < today
        ),
        "overdue": sum(1 for t in open_tasks if t.due is not None and t.due < today),
        "next_due": dated[0].due if dated else None,
        "next_due_title": f"#{dated[0].number} {dated[0].title}" if dated else "",
    }


def _dependencies(session: Session, tasks: list[Task]) -> dict[str, list[Task]]:
    by_id = {t.id: t for t in tasks}
    deps: dict[str, list[Task]] = defaultdict(list)
    if not by_id:
        return deps
    rows = session.execute(
        select(TaskDependency.task_id, TaskDependency.depends_on_id).where(
            TaskDependency.task_id.in_(list(by_id))
        )
    ).all()
    for task_id, dep_id in rows:
        dep = by_id.get(dep_id) or session.get(Task, dep_id)
        if dep is not None:
            deps[task_id].append(dep)
    return deps


def _bump(ctx: VaultContext, row: Task) -> None:
    row.version = row.version + 1
    row.updated_at = utcnow()
    row.updated_by = ctx.actor.name


def _read_attachment(path: Path | None) -> bytes | None:
    """Read the file before the transaction opens, so a bad path writes nothing."""
    if path is None:
        return None
    from itexit.domain.checklist import MAX_BLOB_BYTES

    path = Path(path).expanduser()
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise BadInput(f"{path} is not a file.")
        if size > MAX_BLOB_BYTES:
            raise BadInput(
                f"{path.name} is {size / 1_048_576:.1f} MB; files above "
                f"{MAX_BLOB_BYTES // 1_048_576} MB are refused (scan at a lower resolution)."
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"There is no file {path}.") from None
    except OSError as exc:
        raise BadInput(f"Cannot read {path}: {exc.strerror}.") from None
