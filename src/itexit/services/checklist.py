"""Cases and tasks: the termination checklist, built from templates, critical steps first."""

from __future__ import annotations

import builtins
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itexit.domain.checklist import (
    TASK_ROLES,
    BlobRef,
    CaseDetail,
    CaseKind,
    CaseStatus,
    CaseSummary,
    MyTask,
    NewCase,
    NewTask,
    Phase,
    TaskDetail,
    TaskInfo,
    TaskStatus,
    TemplateInfo,
    due_date,
    task_scope,
)
from itexit.domain.checklist import TaskEvent as TaskEventModel
from itexit.domain.errors import BadInput, Blocked, NotFound, PermissionDenied
from itexit.domain.models import Tile
from itexit.domain.reminders import Reminder, ReminderArea
from itexit.domain.roles import Permission, Role, Scope
from itexit.domain.wording import count
from itexit.services import templates
from itexit.services.blobs import store_blob
from itexit.services.context import VaultContext, check_version
from itexit.store.checklist import Case, Task, TaskDependency, TaskEvent
from itexit.store.models import User, utcnow

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

REMIND_AHEAD_DAYS = 7
"""`itexit remind` lists open tasks due within this many days, and every overdue one."""

NAME_MAX = 200


def _today() -> date:
    return date.today()


def _short(case_id: str) -> str:
    return case_id[:8]


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
        role=Role(task.role),
        assignee=task.assignee,
        status=TaskStatus(task.status),
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
        "kind": CaseKind(case.kind),
        "termination_date": case.termination_date,
        "status": CaseStatus(case.status),
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


# --- the service ---------------------------------------------------------------------------------


class CaseService:
    """Every checklist use case; each write is one transaction with its audit row."""

    def __init__(self, ctx: VaultContext) -> None:
        self.ctx = ctx

    # --- reading ---------------------------------------------------------------------------------

    def templates(self) -> list[TemplateInfo]:
        self.ctx.require(Permission.CASE_READ)
        return [t.info() for t in templates.available()]

    def list(self, include_closed: bool = True) -> list[CaseSummary]:
        self.ctx.require(Permission.CASE_READ)
        today = _today()
        with self.ctx.reading() as session:
            cases = list(session.scalars(select(Case).order_by(Case.termination_date, Case.name)))
            tasks: dict[str, list[Task]] = defaultdict(list)
            for task in session.scalars(select(Task)):
                tasks[task.case_id].append(task)
            summaries = [CaseSummary(**_summary(c, tasks[c.id], today)) for c in cases]
        if not include_closed:
            summaries = [s for s in summaries if s.status is not CaseStatus.CLOSED]
        # open cases first, then closed; within each, the soonest termination first
        return sorted(summaries, key=lambda s: (s.status is CaseStatus.CLOSED,))

    def get(self, case_id: str) -> CaseDetail:
        self.ctx.require(Permission.CASE_READ)
        with self.ctx.reading() as session:
            case = self._case(session, case_id)
            return self._detail(session, case)

    def task(self, case_ref: str, task_ref: str | int) -> TaskDetail:
        """One task with its evidence, reason and history (notes only where the key is held)."""
        self.ctx.require(Permission.CASE_READ)
        with self.ctx.reading() as session:
            case = self._case(session, case_ref)
            task = self._task(session, case, task_ref)
            return self._task_detail(session, task)

    def my_tasks(self) -> builtins.list[MyTask]:
        """Open tasks of open cases for the unlocked person: given to them, or to their role."""
        self.ctx.require(Permission.CASE_READ)
        me, role = self.ctx.actor.name, self.ctx.actor.role.value
        with self.ctx.reading() as session:
            rows = session.execute(
                select(Task, Case)
                .join(Case, Case.id == Task.case_id)
                .where(
                    Case.status != CaseStatus.CLOSED.value,
                    Task.status == TaskStatus.OPEN.value,
                    (Task.assignee == me) | ((Task.assignee == "") & (Task.role == role)),
                )
            ).all()
            tasks = [task for task, _ in rows]
            deps = _dependencies(session, tasks)
            found = [
                MyTask(case_id=case.id, case_name=case.name, task=_task_info(task, deps[task.id]))
                for task, case in rows
            ]
        return sorted(
            found,
            key=lambda m: (not m.task.critical, m.task.due or date.max, m.case_name, m.task.number),
        )

    def users_for_assignment(self) -> builtins.list[tuple[str, Role]]:
        """Active people a task can be given to (the auditor completes nothing)."""
        self.ctx.require(Permission.CASE_READ)
        with self.ctx.reading() as session:
            rows = session.execute(
                select(User.name, User.role).where(User.status == "active").order_by(User.name)
            ).all()
        return [(name, Role(role)) for name, role in rows if Role(role) in TASK_ROLES]

    # --- cases -----------------------------------------------------------------------------------

    def create(self, new: NewCase) -> CaseSummary:
        self.ctx.require(Permission.CASE_WRITE)
        name = " ".join(new.name.split())
        if not name:
            raise BadInput("A case needs the name of the departing person or vendor.")
        if len(name) > NAME_MAX:
            raise BadInput(f"The name is longer than {NAME_MAX} characters.")
        chosen = list(dict.fromkeys(new.templates)) or templates.default_for(new.kind)
        specs = [templates.find(t) for t in chosen]
        status = (
            CaseStatus.PLANNING if new.termination_date > _today() else CaseStatus.ACTIVE
        ).value
        case = Case(
            id=str(uuid.uuid4()),
            name=name,
            kind=new.kind.value,
            termination_date=new.termination_date,
            status=status,
            templates=",".join(chosen),
            version=1,
        )
        with self.ctx.transaction() as session:
            self.ctx.seal(case, {"reason": new.reason, "notes": new.notes}, Scope.HR)
            session.add(case)
            session.flush()
            number = 0
            created: builtins.list[Task] = []
            for spec in specs:
                keyed: dict[str, Task] = {}
                for item in spec.spec.tasks:
                    number += 1
                    task = Task(
                        id=str(uuid.uuid4()),
                        case_id=case.id,
                        number=number,
                        key=f"{spec.id}:{item.key}",
                        template=spec.id,
                        title=item.title,
                        guidance=item.guidance,
                        reference=item.reference,
                        phase=item.phase.value,
                        critical=item.critical,
                        offset_days=item.offset_days,
                        due=due_date(new.termination_date, item.offset_days),
                        role=item.role.value,
                        assignee="",
                        status=TaskStatus.OPEN.value,
                        completed_by="",
                        version=1,
                        updated_by=self.ctx.actor.name,
                    )
                    keyed[item.key] = task
                    created.append(task)
                    session.add(task)
                session.flush()
                for item in spec.spec.tasks:
                    for dep in item.depends_on:
                        session.add(
                            TaskDependency(task_id=keyed[item.key].id, depends_on_id=keyed[dep].id)
                        )
            session.flush()
            self.ctx.record(
                session,
                "case.create",
                case.name,
                case_id=case.id,
                kind=case.kind,
                termination_date=case.termination_date.isoformat(),
                templates=chosen,
                tasks=len(created),
            )
            return CaseSummary(**_summary(case, created, _today()))

    def set_termination_date(
        self, case_ref: str, new_date: date, expected_version: int | None = None
    ) -> CaseSummary:
        """Move the date; every open task's due date moves with it, closed ones keep theirs."""
        self.ctx.require(Permission.CASE_WRITE)
        with self.ctx.transaction() as session:
            case = self._case(session, case_ref)
            check_version(case, expected_version)
            self._refuse_closed(case)
            old = case.termination_date
            case.termination_date = new_date
            if case.status == CaseStatus.PLANNING.value and new_date <= _today():
                case.status = CaseStatus.ACTIVE.value
            elif case.status == CaseStatus.ACTIVE.value and new_date > _today():
                case.status = CaseStatus.PLANNING.value
            self.ctx.touch(case)
            tasks = list(session.scalars(select(Task).where(Task.case_id == case.id)))
            moved = 0
            for task in tasks:
                if task.status == TaskStatus.OPEN.value:
                    task.due = due_date(new_date, task.offset_days)
                    _bump(self.ctx, task)
                    moved += 1
            session.flush()
            self.ctx.record(
                session,
                "case.date",
                case.name,
                case_id=case.id,
                old=old.isoformat(),
                new=new_date.isoformat(),
                tasks_moved=moved,
            )
            return CaseSummary(**_summary(case, tasks, _today()))

    def set_status(
        self, case_ref: str, status: CaseStatus, expected_version: int | None = None
    ) -> CaseSummary:
        """Change a case's stage; closing is refused while a critical task is open."""
        self.ctx.require(Permission.CASE_WRITE)
        with self.ctx.transaction() as session:
            case = self._case(session, case_ref)
            check_version(case, expected_version)
            tasks = list(session.scalars(select(Task).where(Task.case_id == case.id)))
            if status is CaseStatus.CLOSED:
                self._check_closable(session, case, tasks)
                case.closed_at = utcnow()
            else:
                case.closed_at = None
            old = case.status
            if old == status.value:
                return CaseSummary(**_summary(case, tasks, _today()))
            case.status = status.value
            self.ctx.touch(case)
            session.flush()
            self.ctx.record(
                session, "case.status", case.name, case_id=case.id, old=old, new=status.value
            )
            return CaseSummary(**_summary(case, tasks, _today()))

    def close(self, case_ref: str, expected_version: int | None = None) -> CaseSummary:
        return self.set_status(case_ref, CaseStatus.CLOSED, expected_version)

    def _check_closable(self, session: Session, case: Case, tasks: builtins.list[Task]) -> None:
        for task in sorted(tasks, key=lambda t: t.number):
            if not task.critical:
                continue
            if task.status == TaskStatus.OPEN.value:
                raise Blocked(
                    f"{case.name} cannot be closed: the critical task #{task.number} "
                    f"“{task.title}” is still open; complete it or mark it not applicable "
                    "with a reason."
                )
            if task.status == TaskStatus.NOT_APPLICABLE.value:
                has_reason = session.scalar(
                    select(func.count())
                    .select_from(TaskEvent)
                    .where(TaskEvent.task_id == task.id, TaskEvent.action == "na")
                )
                if not has_reason:
                    raise Blocked(
                        f"{case.name} cannot be closed: the critical task #{task.number} "
                        f"“{task.title}” is marked not applicable without a reason."
                    )

    # --- tasks -----------------------------------------------------------------------------------

    def add_task(self, case_ref: str, new: NewTask) -> TaskInfo:
        """A practice-specific step; its due date follows the termination date like the rest."""
        self.ctx.require(Permission.CASE_WRITE)
        title = " ".join(new.title.split())
        if len(title) < 3:
            raise BadInput("A task needs a title of at least three characters.")
        if new.role not in TASK_ROLES:
            raise BadInput("A task is given to a manager, an IT consultant or HR.")
        with self.ctx.transaction() as session:
            case = self._case(session, case_ref)
            self._refuse_closed(case)
            due = new.due or case.termination_date
            number = int(
                session.scalar(select(func.max(Task.number)).where(Task.case_id == case.id)) or 0
            )
            deps = [self._task(session, case, n) for n in dict.fromkeys(new.depends_on)]
            task = Task(
                id=str(uuid.uuid4()),
                case_id=case.id,
                number=number + 1,
                key="",
                template="",
                title=title[:200],
                guidance=new.guidance.strip(),
                reference="Practice-specific step",
                phase=new.phase.value,
                critical=new.critical,
                offset_days=(due - case.termination_date).days,
                due=due,
                role=new.role.value,
                assignee="",
                status=TaskStatus.OPEN.value,
                completed_by="",
                version=1,
                updated_by=self.ctx.actor.name,
            )
            session.add(task)
            session.flush()
            for dep in deps:
                session.add(TaskDependency(task_id=task.id, depends_on_id=dep.id))
            self._event(session, task, "added", None, None)
            self._record_task(session, case, task, "task.add", critical=task.critical)
            return _task_info(task, deps)

    def complete(
        self,
        case_ref: str,
        task_ref: str | int,
        evidence: str = "",
        attachment: Path | None = None,
        expected_version: int | None = None,
    ) -> TaskInfo:
        """Mark a task done; refused while it waits on an open critical task."""
        self.ctx.require(Permission.TASK_COMPLETE)
        data = _read_attachment(attachment)
        with self.ctx.transaction() as session:
            case, task = self._acting_on(session, case_ref, task_ref, expected_version)
            if task.status == TaskStatus.DONE.value:
                raise BadInput(f"#{task.number} “{task.title}” is already done.")
            deps = _dependencies(session, [task])[task.id]
            waiting = [d for d in deps if d.critical and d.status == TaskStatus.OPEN.value]
            if waiting:
                first = min(waiting, key=lambda d: d.number)
                raise Blocked(
                    f"#{task.number} waits for the critical task #{first.number} "
                    f"“{first.title}”: complete that first."
                )
            blob = self._store(session, task, attachment, data)
            task.status = TaskStatus.DONE.value
            task.completed_by = self.ctx.actor.name
            task.completed_at = utcnow()
            _bump(self.ctx, task)
            self._event(session, task, "done", evidence.strip() or None, blob)
            self._record_task(
                session,
                case,
                task,
                "task.done",
                evidence=bool(evidence.strip()),
                file=blob.id if blob else None,
            )
            return _task_info(task, deps)

    def not_applicable(
        self, case_ref: str, task_ref: str | int, reason: str, expected_version: int | None = None
    ) -> TaskInfo:
        self.ctx.require(Permission.TASK_COMPLETE)
        reason = reason.strip()
        if len(reason) < 3:
            raise BadInput("Say why the task does not apply: a not-applicable needs a reason.")
        with self.ctx.transaction() as session:
            case, task = self._acting_on(session, case_ref, task_ref, expected_version)
            if task.status == TaskStatus.NOT_APPLICABLE.value:
                raise BadInput(f"#{task.number} is already marked not applicable.")
            task.status = TaskStatus.NOT_APPLICABLE.value
            task.completed_by = self.ctx.actor.name
            task.completed_at = utcnow()
            _bump(self.ctx, task)
            self._event(session, task, "na", reason, None)
            self._record_task(session, case, task, "task.na")
            return _task_info(task, _dependencies(session, [task])[task.id])

    def reopen(
        self, case_ref: str, task_ref: str | int, expected_version: int | None = None
    ) -> TaskInfo:
        self.ctx.require(Permission.TASK_COMPLETE)
        with self.ctx.transaction() as session:
            case, task = self._acting_on(session, case_ref, task_ref, expected_version)
            if task.status == TaskStatus.OPEN.value:
                raise BadInput(f"#{task.number} is already open.")
            task.status = TaskStatus.OPEN.value
            task.completed_by = ""
            task.completed_at = None
            task.due = due_date(case.termination_date, task.offset_days)
            _bump(self.ctx, task)
            self._event(session, task, "reopened", None, None)
            self._record_task(session, case, task, "task.reopen")
            return _task_info(task, _dependencies(session, [task])[task.id])

    def assign(
        self, case_ref: str, task_ref: str | int, who: str, expected_version: int | None = None
    ) -> TaskInfo:
        """Give a task to a person (their role comes with them) or to a whole role."""
        self.ctx.require(Permission.CASE_WRITE)
        who = who.strip()
        with self.ctx.transaction() as session:
            case = self._case(session, case_ref)
            task = self._task(session, case, task_ref)
            check_version(task, expected_version)
            self._refuse_closed(case)
            role_names = {r.value: r for r in TASK_ROLES}
            if who.lower() in role_names:
                task.role = role_names[who.lower()].value
                task.assignee = ""
            elif who in ("", "-"):
                task.assignee = ""
            else:
                user = session.scalars(
                    select(User).where(User.name == who, User.status == "active")
                ).first()
                if user is None:
                    raise NotFound(f"There is no active user {who!r} to give the task to.")
                if Role(user.role) not in TASK_ROLES:
                    raise BadInput(f"{who} is a read-only auditor and cannot complete tasks.")
                task.assignee = user.name
                task.role = user.role
            _bump(self.ctx, task)
            self._event(session, task, "assigned", None, None, assignee=task.assignee or task.role)
            self._record_task(
                session, case, task, "task.assign", assignee=task.assignee, role=task.role
            )
            return _task_info(task, _dependencies(session, [task])[task.id])

    def attach(
        self,
        case_ref: str,
        task_ref: str | int,
        attachment: Path | None = None,
        note: str = "",
    ) -> TaskDetail:
        """Add evidence (a note, a file or both) to a task without changing its status."""
        self.ctx.require(Permission.TASK_COMPLETE)
        note = note.strip()
        if attachment is None and not note:
            raise BadInput("Give a note or a file to attach.")
        data = _read_attachment(attachment)
        with self.ctx.transaction() as session:
            case, task = self._acting_on(session, case_ref, task_ref, None)
            blob = self._store(session, task, attachment, data)
            self._event(session, task, "evidence", note or None, blob)
            self._record_task(session, case, task, "task.evidence", file=blob.id if blob else None)
        return self.task(case.id, task.number)

    # --- helpers ---------------------------------------------------------------------------------

    def _case(self, session: Session, ref: str) -> Case:
        ref = ref.strip()
        row = session.get(Case, ref) if len(ref) == 36 else None
        if row is not None:
            return row
        named = list(session.scalars(select(Case).where(func.lower(Case.name) == ref.lower())))
        if not named and len(ref) >= 6:
            named = list(
                session.scalars(
                    select(Case).where(Case.id.startswith(ref.lower(), autoescape=True))
                )
            )
        if len(named) > 1:
            live = [c for c in named if c.status != CaseStatus.CLOSED.value]
            if len(live) == 1:
                return live[0]
            raise BadInput(f"More than one case is called {ref!r}; use the case id.")
        if not named:
            raise NotFound(f"There is no case {ref!r}.")
        return named[0]

    def _task(self, session: Session, case: Case, ref: str | int) -> Task:
        text = str(ref).strip().lstrip("#")
        row: Task | None = None
        if text.isdigit():
            row = session.scalars(
                select(Task).where(Task.case_id == case.id, Task.number == int(text))
            ).first()
        else:
            row = session.get(Task, text)
            if row is not None and row.case_id != case.id:
                row = None
        if row is None:
            raise NotFound(f"{case.name} has no task {str(ref)!r}.")
        return row

    def _refuse_closed(self, case: Case) -> None:
        if case.status == CaseStatus.CLOSED.value:
            raise BadInput(f"The case of {case.name} is closed; reopen it to change it.")

    def _may_act(self, case: Case, task: Task, expected_version: int | None) -> None:
        """Managers act on any task; others on their role's tasks or those given to them."""
        self._refuse_closed(case)
        check_version(task, expected_version)
        actor = self.ctx.actor
        if actor.role is Role.MANAGER:
            return
        if task.assignee == actor.name or (not task.assignee and task.role == actor.role.value):
            return
        given = task.assignee or f"the {task.role} role"
        raise PermissionDenied(f"#{task.number} is given to {given}; ask them or a manager.")

    def _acting_on(
        self, session: Session, case_ref: str, task_ref: str | int, expected_version: int | None
    ) -> tuple[Case, Task]:
        """The case and task the actor is about to change, once `_may_act` allows it."""
        case = self._case(session, case_ref)
        task = self._task(session, case, task_ref)
        self._may_act(case, task, expected_version)
        return case, task

    def _record_task(
        self, session: Session, case: Case, task: Task, action: str, **details: Any
    ) -> None:
        """Flush the task's changes and write their signed audit row, named by case and number."""
        session.flush()
        self.ctx.record(
            session,
            action,
            f"{case.name} #{task.number}",
            case_id=case.id,
            task_id=task.id,
            **details,
        )

    def _store(
        self, session: Session, task: Task, attachment: Path | None, data: bytes | None
    ) -> BlobRef | None:
        if attachment is None or data is None:
            return None
        return store_blob(self.ctx, session, data, attachment.name, task_scope(Role(task.role)))

    def _event(
        self,
        session: Session,
        task: Task,
        action: str,
        note: str | None,
        blob: BlobRef | None,
        **extra: str,
    ) -> None:
        """Append to the task's history; a note or file is sealed in the task's scope."""
        scope = task_scope(Role(task.role))
        private = note is not None or blob is not None
        if not self.ctx.holds(scope):
            if private:
                raise PermissionDenied(
                    f"Evidence of #{task.number} is sealed for the {scope.value} scope, which "
                    "your role does not hold."
                )
            scope = next(s for s in (Scope.HR, Scope.CRED) if self.ctx.holds(s))
        document: dict[str, Any] = {"note": note, **extra}
        if blob is not None:
            document["file"] = blob.model_dump()
        row = TaskEvent(
            id=str(uuid.uuid4()),
            task_id=task.id,
            action=action,
            actor=self.ctx.actor.name,
            at=utcnow(),
            blob_id=blob.id if blob else None,
            version=1,
        )
        self.ctx.seal(row, document, scope)
        session.add(row)

    def _detail(self, session: Session, case: Case) -> CaseDetail:
        tasks = list(
            session.scalars(select(Task).where(Task.case_id == case.id).order_by(Task.number))
        )
        deps = _dependencies(session, tasks)
        reason = notes = None
        if self.ctx.holds(Scope.HR):
            doc = self.ctx.unseal(case)
            reason, notes = doc.get("reason", ""), doc.get("notes", "")
        return CaseDetail(
            **_summary(case, tasks, _today()),
            tasks=[_task_info(t, deps[t.id]) for t in tasks],
            reason=reason,
            notes=notes,
        )

    def _task_detail(self, session: Session, task: Task) -> TaskDetail:
        deps = _dependencies(session, [task])[task.id]
        info = _task_info(task, deps)
        rows = session.scalars(
            select(TaskEvent).where(TaskEvent.task_id == task.id).order_by(TaskEvent.at)
        )
        history: list[TaskEventModel] = []
        evidence_note = na_reason = None
        attachments: list[BlobRef] = []
        sealed_for = ""
        for row in rows:
            if self.ctx.holds(Scope(row.scope)):
                doc = self.ctx.unseal(row)
                note = doc.get("note")
                file = BlobRef(**doc["file"]) if doc.get("file") else None
                if row.action == "assigned":
                    note = f"to {doc.get('assignee', '')}"
                history.append(
                    TaskEventModel(
                        at=row.at, actor=row.actor, action=row.action, note=note, attachment=file
                    )
                )
                if file is not None:
                    attachments.append(file)
                if row.action in ("done", "evidence") and doc.get("note"):
                    evidence_note = doc["note"]
                if row.action == "na":
                    na_reason = doc.get("note")
            else:
                sealed_for = row.scope
                history.append(
                    TaskEventModel(at=row.at, actor=row.actor, action=row.action, sealed=True)
                )
        return TaskDetail(
            **info.model_dump(),
            evidence_note=evidence_note,
            na_reason=na_reason if task.status == TaskStatus.NOT_APPLICABLE.value else None,
            attachments=attachments,
            history=history,
            sealed_for=sealed_for,
        )


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


# --- dashboard, reminders, demo ------------------------------------------------------------------


def _open_tasks(session: Session) -> list[tuple[Task, Case]]:
    rows = session.execute(
        select(Task, Case)
        .join(Case, Case.id == Task.case_id)
        .where(Case.status != CaseStatus.CLOSED.value, Task.status == TaskStatus.OPEN.value)
    ).all()
    return [(task, case) for task, case in rows]


def tiles(ctx: VaultContext, today: date) -> list[Tile]:
    """Critical tasks still open across open cases; overdue ones raise the tile to an alert."""
    with ctx.reading() as session:
        cases = int(session.scalar(select(func.count()).select_from(Case)) or 0)
        open_rows = _open_tasks(session) if cases else []
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
        caption = f"next due {soonest:%d %b}" if soonest else "none dated"
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
        open_rows = _open_tasks(session)
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
        return list(
            session.scalars(
                select(Case.name)
                .where(Case.status != CaseStatus.CLOSED.value)
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
