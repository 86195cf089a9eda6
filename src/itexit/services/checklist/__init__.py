"""Cases and tasks: the termination checklist, built from templates, critical steps first."""

from __future__ import annotations

import builtins
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itexit.domain.checklist import (
    CASE_NAME_MAX,
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
from itexit.domain.exposures import TASK_BINDINGS, ExposuresStillOpen, blocking
from itexit.domain.people import NewPerson, PersonKind
from itexit.domain.roles import Permission, Role, Scope, role_noun, scope_words
from itexit.services import people, templates
from itexit.services.blobs import store_blob
from itexit.services.checklist.rows import (
    _bump,
    _dependencies,
    _read_attachment,
    _summary,
    _task_info,
)
from itexit.services.context import VaultContext, check_version, plain_enum
from itexit.services.states import TASK_STAMP, check_cases, check_tasks, task_stamp
from itexit.store.checklist import Case, Task, TaskDependency, TaskEvent
from itexit.store.models import User, utcnow

if TYPE_CHECKING:
    from itexit.domain.exposures import Exposure

NAME_MAX = CASE_NAME_MAX
REMOVE_ACCOUNT_KEY = "itexit:remove-account"
"""The key of the critical task a case starts with when its person has an itexit account."""


def _today() -> date:
    return date.today()


def _short(case_id: str) -> str:
    return case_id[:8]


# --- the service ---------------------------------------------------------------------------------


OpenExposures = Callable[[str], "builtins.list[Exposure]"]
"""The open, not accepted exposures of a case (by case id), from the ledger above the areas."""


class CaseService:
    """Every checklist use case; each write is one transaction with its audit row."""

    def __init__(self, ctx: VaultContext, exposures: OpenExposures | None = None) -> None:
        self.ctx = ctx
        self._exposures = exposures

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
            check_cases(self.ctx, cases)
            for case in cases:
                if case.status != CaseStatus.CLOSED.value:
                    check_tasks(self.ctx, session, tasks[case.id])
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
            person = people.record(
                self.ctx,
                session,
                case,
                NewPerson(
                    full_name=name,
                    kind=PersonKind.VENDOR
                    if new.kind is CaseKind.IT_VENDOR
                    else PersonKind.EMPLOYEE,
                    emails=new.emails,
                    phones=new.phones,
                    vault_user=new.vault_user,
                ),
            )
            if person.user_id is not None:
                number += 1
                removal = Task(
                    id=str(uuid.uuid4()),
                    case_id=case.id,
                    number=number,
                    key=REMOVE_ACCOUNT_KEY,
                    template="",
                    title=f"Remove {name} from itexit",
                    guidance=(
                        "Remove their itexit account (Users, F3; or itexit user remove): until "
                        "then they can unlock the vault and read every password rotated after "
                        "they left. Completes itself once the account is removed."
                    ),
                    reference="itexit",
                    phase=Phase.DAY_OF.value,
                    critical=True,
                    offset_days=0,
                    due=new.termination_date,
                    role=Role.MANAGER.value,
                    assignee="",
                    status=TaskStatus.OPEN.value,
                    completed_by="",
                    version=1,
                    updated_by=self.ctx.actor.name,
                )
                created.append(removal)
                session.add(removal)
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
                person_id=person.id,
                vault_user=new.vault_user.strip() or None,
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

    def _refuse_while_exposed(self, case: Case, task: Task) -> None:
        """A task the app can check is done when the state says so, never by a tick alone."""
        if self._exposures is None or task.key not in TASK_BINDINGS:
            return
        still = blocking(task.key, self._exposures(case.id))
        if still:
            raise Blocked(
                f"#{task.number} “{task.title}” cannot be ticked yet: {still[0].why.rstrip('.')} "
                f"({still[0].id}); it completes itself once that is closed."
            )

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
        if self._exposures is not None:
            still = self._exposures(case.id)
            if still:
                named = "; ".join(f"{e.id} {e.kind_label}: {e.subject}" for e in still[:5])
                more = f" and {len(still) - 5} more" if len(still) > 5 else ""
                raise ExposuresStillOpen(
                    f"{case.name} cannot be closed: {len(still)} exposure"
                    f"{'s are' if len(still) != 1 else ' is'} still open ({named}{more}); close "
                    "each, or accept the risk with itexit exposure accept ID --reason TEXT "
                    "--until DATE.",
                    case.name,
                    still,
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
            self._refuse_while_exposed(case, task)
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

    def complete_seen(self, case_id: str, task_id: str, seen: str) -> bool:
        """Complete a bound task because the state satisfies it: done by the app, with what it saw.

        Audited under the unlocked person's key like every change; the task's history says the
        app completed it and why. Returns False when someone else got there first.
        """
        with self.ctx.transaction() as session:
            case = self._case(session, case_id)
            task = session.get(Task, task_id)
            if task is None or task.case_id != case.id or task.status != TaskStatus.OPEN.value:
                return False
            task.status = TaskStatus.DONE.value
            task.completed_by = "itexit"
            task.completed_at = utcnow()
            _bump(self.ctx, task)
            self._event(session, task, "done", f"Completed by itexit: {seen}", None)
            self._record_task(session, case, task, "task.done", by_app=True, seen=seen)
        return True

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
        given = task.assignee or role_noun(task.role)
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
        return store_blob(
            self.ctx, session, data, attachment.name, task_scope(plain_enum(Role, task, "role"))
        )

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
        scope = task_scope(plain_enum(Role, task, "role"))
        private = note is not None or blob is not None
        if not self.ctx.holds(scope):
            if private:
                raise PermissionDenied(
                    f"Evidence of #{task.number} is kept with {scope_words(scope)}, which your "
                    "role cannot open."
                )
            scope = next(s for s in (Scope.HR, Scope.CRED) if self.ctx.holds(s))
        document: dict[str, Any] = {"note": note, **extra, TASK_STAMP: task_stamp(task)}
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
        check_tasks(self.ctx, session, tasks)
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


from itexit.services.checklist.board import (  # noqa: E402  re-exported for the registry
    REMIND_AHEAD_DAYS,
    reminders,
    tiles,
)
from itexit.services.people import departing  # noqa: E402  who is leaving, read by other areas

__all__ = [
    "REMIND_AHEAD_DAYS",
    "CaseService",
    "departing",
    "reminders",
    "tiles",
]
