"""The checklist and the exit statement: critical tasks overdue, unsigned statements, property
not returned, listed passwords not yet in the inventory."""

from __future__ import annotations

from sqlalchemy import func, select

from itexit.domain.exposures import Closing, Exposure, ExposureKind, Severity
from itexit.domain.roles import Scope
from itexit.domain.statements import PropertyState, StatementStatus
from itexit.services.exposures import IT_KINDS, World, make
from itexit.services.states import check_cases, check_statements, check_tasks
from itexit.store.checklist import Case, Task
from itexit.store.statements import ExitStatement, HandoverEntry

AREA = "checklist"
KINDS = frozenset(
    {
        ExposureKind.CRITICAL_TASK.value,
        ExposureKind.STATEMENT.value,
        ExposureKind.LISTED_PASSWORD.value,
    }
)
"""The kinds of exposure this module makes (the ledger asks it only for these)."""


def exposures(world: World) -> list[Exposure]:
    ctx = world.ctx
    today = world.today
    out: list[Exposure] = []
    with ctx.reading() as session:
        # fetched whatever their plain state says, so a state closed in SQL is checked
        overdue = session.execute(
            select(Task, Case)
            .join(Case, Case.id == Task.case_id)
            .where(Task.critical.is_(True), Task.due < today)
            .order_by(Task.due, Task.number)
        ).all()
        check_cases(ctx, {case.id: case for _, case in overdue}.values())
        live = [(task, case) for task, case in overdue if case.status != "closed"]
        check_tasks(ctx, session, (task for task, _ in live))
        late = [(task, case.id, case.name) for task, case in live if task.status == "open"]
        statements = {
            row.case_id: row
            for row in session.scalars(
                select(ExitStatement).join(Case, Case.id == ExitStatement.case_id)
            )
        }
        check_statements(ctx, statements.values())
        documents = {
            case_id: ctx.unseal(row)
            for case_id, row in statements.items()
            if ctx.holds(Scope(row.scope))
        }
        pending = dict(
            session.execute(
                select(ExitStatement.case_id, func.count(HandoverEntry.id))
                .join(HandoverEntry, HandoverEntry.statement_id == ExitStatement.id)
                .group_by(ExitStatement.case_id)
            ).all()
        )
    for task, case_id, case_name in late:
        out.append(
            make(
                ExposureKind.CRITICAL_TASK.value,
                Severity.CRITICAL,
                world.person_of_case(case_id),
                f"#{task.number} {task.title}",
                f"task:{task.id}",
                f"The critical task #{task.number} of {case_name} was due on "
                f"{task.due:%d %b %Y} and is still open.",
                Closing(
                    command=f'itexit task done "{case_name}" {task.number} --evidence "what"',
                    screen="checklist",
                    key="f4",
                ),
                area=AREA,
                overdue=True,
                due=task.due,
            )
        )
    for person in world.live:
        if person.case_kind not in IT_KINDS:
            continue
        row = statements.get(person.case_id)
        case = person.case_name
        if row is None or row.status != StatementStatus.SIGNED.value:
            out.append(
                make(
                    ExposureKind.STATEMENT.value,
                    Severity.HIGH,
                    person,
                    "Exit statement",
                    f"statement:{person.case_id}",
                    f"{person.full_name} has not signed an exit statement: nothing on record "
                    "says their access ended or their passwords were all handed over.",
                    Closing(
                        command=f'itexit statement pdf "{case}" OUT.pdf, then itexit statement '
                        f'record "{case}" --signed-on DATE --witness NAME --signed-copy FILE',
                        screen="checklist",
                        key="f4",
                    ),
                    area=AREA,
                    overdue=person.termination_date < today,
                    due=person.termination_date,
                )
            )
        doc = documents.get(person.case_id)
        for item in doc.get("property", []) if doc else []:
            if item.get("state") != PropertyState.OUTSTANDING.value:
                continue
            name = str(item.get("name", ""))
            out.append(
                make(
                    ExposureKind.STATEMENT.value,
                    Severity.HIGH,
                    person,
                    name,
                    f"property:{person.case_id}:{item.get('id', name)}",
                    f"{name} has not been returned by {person.full_name}.",
                    Closing(
                        command=f'itexit statement property "{case}" returned "{name}"',
                        screen="checklist",
                        key="f4",
                    ),
                    area=AREA,
                )
            )
        waiting = int(pending.get(person.case_id, 0))
        if waiting:
            out.append(
                make(
                    ExposureKind.LISTED_PASSWORD.value,
                    Severity.HIGH,
                    person,
                    f"{waiting} listed password{'s' if waiting != 1 else ''}",
                    f"handover:{person.case_id}",
                    f"{person.full_name} listed passwords on the exit statement that are not "
                    "yet in the credential inventory to verify.",
                    Closing(
                        command="itexit cred receive (as an IT consultant or manager: the listed "
                        "passwords join the inventory)",
                        screen="credentials",
                        key="f5",
                    ),
                    area=AREA,
                )
            )
    return out
