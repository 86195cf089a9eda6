"""`itexit case`, `task` and `template`: the termination checklist from scripts and cron."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from itexit.cli.base import EXIT_OK, Cli, emit, private_option
from itexit.domain.checklist import CaseKind, CaseStatus
from itexit.domain.errors import BadInput
from itexit.domain.roles import role_name, role_noun
from itexit.domain.wording import count

KINDS = tuple(kind.cli_name for kind in CaseKind)
STAGES = tuple(status.value for status in CaseStatus)
STATUS_WORDS = {"open": "open", "done": "done", "na": "n/a"}


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD.") from None


def cmd_case_new(cli: Cli) -> int:
    from itexit.domain.checklist import CaseKind, NewCase

    args = cli.args
    session = cli.unlock()
    case = session.cases.create(
        NewCase(
            name=args.name,
            kind=CaseKind.parse(args.kind),
            termination_date=args.termination_date,
            reason=args.reason or "",
            notes=args.notes or "",
            templates=args.template or [],
            emails=args.email or [],
            phones=args.phone or [],
            vault_user=args.vault_user or "",
        )
    )
    print(
        f"Opened the case of {case.name} ({case.kind.label}, leaving {case.termination_date}): "
        f"{count(case.tasks_total, 'task')}, {case.critical_open} critical. Case id {case.id}."
    )
    return EXIT_OK


def _case_row(case: Any) -> dict[str, Any]:
    return {
        "id": case.id,
        "name": case.name,
        "kind": case.kind.cli_name,
        "termination_date": case.termination_date.isoformat(),
        "status": case.status.value,
        "tasks": case.tasks_total,
        "tasks_closed": case.tasks_closed,
        "critical_open": case.critical_open,
        "critical_overdue": case.critical_overdue,
        "next_due": case.next_due.isoformat() if case.next_due else None,
        "version": case.version,
    }


def cmd_case_list(cli: Cli) -> int:
    cases = cli.unlock().cases.list()
    rows = [_case_row(c) for c in cases]

    def render(rows: list[dict[str, Any]]) -> str:
        if not rows:
            return "No cases yet: itexit case new --name NAME --kind KIND --termination-date DATE"
        lines = [
            f"{'NAME':<24} {'KIND':<12} {'LEAVES':<10} {'STATUS':<10} {'DONE':>7}  CRITICAL OPEN"
        ]
        for r in rows:
            flag = f"  ({r['critical_overdue']} OVERDUE)" if r["critical_overdue"] else ""
            lines.append(
                f"{r['name'][:24]:<24} {r['kind']:<12} {r['termination_date']:<10} "
                f"{r['status']:<10} {r['tasks_closed']:>3}/{r['tasks']:<3}  "
                f"{r['critical_open']}{flag}"
            )
        return "\n".join(lines)

    emit(cli.args, rows, render)
    return EXIT_OK


def cmd_case_show(cli: Cli) -> int:
    from itexit.domain.checklist import Phase

    today = date.today()
    case = cli.unlock().cases.get(cli.args.case)
    row = _case_row(case)
    row["reason"] = case.reason
    row["notes"] = case.notes
    row["tasks"] = [
        {
            "id": t.id,
            "number": t.number,
            "title": t.title,
            "phase": t.phase.value,
            "critical": t.critical,
            "due": t.due.isoformat() if t.due else None,
            "overdue": t.overdue(today),
            "status": t.status.value,
            "role": t.role.value,
            "assignee": t.assignee or None,
            "depends_on": t.depends_on,
            "completed_by": t.completed_by or None,
            "completed_at": t.completed_at.isoformat() if t.completed_at else None,
        }
        for t in case.tasks
    ]

    def render(row: dict[str, Any]) -> str:
        lines = [
            f"{case.name} — {case.kind.label}, leaves {case.termination_date}, {case.status.value}",
            f"{case.tasks_closed} of {count(case.tasks_total, 'task')} closed, "
            f"{case.critical_open} critical open. Case id {case.id}",
        ]
        phase = None
        order = list(Phase)
        for t in sorted(case.tasks, key=lambda t: (order.index(t.phase), t.number)):
            if t.phase != phase:
                phase = t.phase
                lines += ["", phase.label]
            mark = {"open": "[ ]", "done": "[x]", "na": "[-]"}[t.status.value]
            crit = "!" if t.critical else " "
            late = " OVERDUE" if t.overdue(today) else ""
            who = t.assignee or role_name(t.role)
            wait = f" (waits for #{', #'.join(map(str, t.waiting_on_critical))})" * bool(
                t.waiting_on_critical
            )
            due = t.due.isoformat() if t.due else ""
            lines.append(f"  {t.number:>3} {mark}{crit} {due:<10} {who:<11} {t.title}{late}{wait}")
        return "\n".join(lines)

    emit(cli.args, row, render)
    return EXIT_OK


def cmd_case_close(cli: Cli) -> int:
    case = cli.unlock().cases.close(cli.args.case)
    print(f"The case of {case.name} is closed.")
    return EXIT_OK


def cmd_case_status(cli: Cli) -> int:
    from itexit.domain.checklist import CaseStatus

    case = cli.unlock().cases.set_status(cli.args.case, CaseStatus(cli.args.status))
    print(f"The case of {case.name} is {case.status.value}.")
    return EXIT_OK


def cmd_task_done(cli: Cli) -> int:
    args = cli.args
    attach = Path(args.attach) if args.attach else None
    task = cli.unlock().cases.complete(
        args.case, args.task, evidence=args.evidence or "", attachment=attach
    )
    print(f"#{task.number} “{task.title}” is done.")
    return EXIT_OK


def cmd_task_na(cli: Cli) -> int:
    task = cli.unlock().cases.not_applicable(cli.args.case, cli.args.task, cli.args.reason)
    print(f"#{task.number} “{task.title}” is marked not applicable.")
    return EXIT_OK


def cmd_task_assign(cli: Cli) -> int:
    task = cli.unlock().cases.assign(cli.args.case, cli.args.task, cli.args.assignee)
    who = task.assignee or role_noun(task.role)
    print(f"#{task.number} “{task.title}” is given to {who}.")
    return EXIT_OK


def cmd_template_list(cli: Cli) -> int:
    from itexit.services import templates

    infos = [t.info() for t in templates.available()]
    rows = [
        {
            "id": i.id,
            "title": i.title,
            "kinds": [k.cli_name for k in i.kinds],
            "tasks": i.tasks,
            "source": i.source,
            "path": i.path,
        }
        for i in infos
    ]
    emit(
        cli.args,
        rows,
        lambda rs: "\n".join(
            f"{r['id']:<26} {count(r['tasks'], 'task'):>9}  {', '.join(r['kinds']):<24} "
            f"{r['title']}"
            for r in rs
        ),
    )
    return EXIT_OK


def cmd_template_validate(cli: Cli) -> int:
    from itexit.services import templates

    path = Path(cli.args.file)
    if not path.is_file():
        raise BadInput(f"There is no template file {path}.")
    template = templates.load_file(path)
    info = template.info()
    print(f"{path}: valid template {info.id!r} with {count(info.tasks, 'task')}.")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `case`, `task` and `template` to the parser."""
    cases = sub.add_parser("case", help="departure cases and their checklists").add_subparsers(
        dest="case_command", metavar="ACTION", required=True
    )
    p = cases.add_parser("new", help="open a case from one or more templates")
    p.add_argument("--name", required=True, help="the departing person or vendor")
    p.add_argument("--kind", required=True, choices=KINDS)
    p.add_argument("--termination-date", required=True, type=_date, metavar="YYYY-MM-DD")
    p.add_argument(
        "--template", action="append", metavar="ID", help="template id (repeat; default by kind)"
    )
    private_option(p, "--reason", "reason (kept with the HR records)")
    private_option(p, "--notes", "notes (kept with the HR records)", multiline=True)
    p.add_argument(
        "--email", action="append", metavar="ADDRESS", help="their e-mail address (repeatable)"
    )
    p.add_argument("--phone", action="append", metavar="NUMBER", help="their phone (repeatable)")
    p.add_argument(
        "--vault-user", metavar="USER", help="their itexit account: removing it becomes task 1"
    )
    p.set_defaults(func=cmd_case_new)
    p = cases.add_parser("list", help="every case with its progress")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_case_list)
    p = cases.add_parser("show", help="a case's checklist")
    p.add_argument("case", help="case name or id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_case_show)
    p = cases.add_parser("close", help="close a case (refused while a critical task is open)")
    p.add_argument("case", help="case name or id")
    p.set_defaults(func=cmd_case_close)
    p = cases.add_parser(
        "status", help="move a case to planning, active, monitoring or closed (closing is checked)"
    )
    p.add_argument("case", help="case name or id")
    p.add_argument("status", choices=STAGES)
    p.set_defaults(func=cmd_case_status)

    tasks = sub.add_parser("task", help="the tasks of a case").add_subparsers(
        dest="task_command", metavar="ACTION", required=True
    )
    p = tasks.add_parser("done", help="mark a task done, with evidence")
    p.add_argument("case", help="case name or id")
    p.add_argument("task", help="task number (as in `case show`) or id")
    p.add_argument("--evidence", metavar="TEXT")
    p.add_argument("--attach", metavar="FILE", help="a file kept in the vault with its fingerprint")
    p.set_defaults(func=cmd_task_done)
    p = tasks.add_parser("na", help="mark a task not applicable, with the reason")
    p.add_argument("case")
    p.add_argument("task")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p.set_defaults(func=cmd_task_na)
    p = tasks.add_parser("assign", help="give a task to a user (or to a role)")
    p.add_argument("case")
    p.add_argument("task")
    p.add_argument("assignee", metavar="USER", help="user name, or manager / consultant / hr")
    p.set_defaults(func=cmd_task_assign)

    tmpl = sub.add_parser("template", help="checklist templates").add_subparsers(
        dest="template_command", metavar="ACTION", required=True
    )
    p = tmpl.add_parser("list", help="the shipped and the practice's own templates")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_template_list)
    p = tmpl.add_parser("validate", help="check a template file; errors name file, line, field")
    p.add_argument("file")
    p.set_defaults(func=cmd_template_validate)
