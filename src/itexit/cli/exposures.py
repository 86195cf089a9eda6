"""`itexit exposure`: what the departing person can still reach, from the one ledger."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any

from itexit.cli.base import EXIT_OK, Cli, emit
from itexit.domain.exposures import ExposureState

if TYPE_CHECKING:
    from itexit.domain.exposures import Exposure


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD.") from None


def exposure_row(item: Exposure) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind,
        "severity": item.severity.label,
        "state": item.state.value,
        "person": item.person,
        "case_id": item.case_id,
        "subject": item.subject,
        "why": item.why,
        "overdue": item.overdue,
        "due": item.due.isoformat() if item.due else None,
        "closes_with": item.closing.command,
        "app": f"{item.closing.key.upper()} {item.closing.screen}",
    }
    if item.acceptance is not None:
        row["accepted"] = {
            "by": item.acceptance.accepted_by,
            "reason": item.acceptance.reason,
            "until": item.acceptance.until.isoformat(),
            "lapsed": item.acceptance.until < date.today(),
        }
    if item.closed_change:
        row["closed"] = {
            "by": item.closed_by or None,
            "at": item.closed_at.isoformat() if item.closed_at else None,
            "change": item.closed_change,
        }
    return row


def render_rows(rows: list[dict[str, Any]]) -> str:
    lines = []
    for r in rows:
        flag = "OVERDUE " if r["overdue"] and r["state"] == "open" else ""
        state = "" if r["state"] == "open" else f" [{r['state']}]"
        lines.append(
            f"{r['id']}  {r['severity']:<8} {flag}{r['person']}: {r['subject']}{state}\n"
            f"    {r['why']}\n    closes with: {r['closes_with']}  (app: {r['app']})"
        )
    return "\n".join(lines)


def cmd_list(cli: Cli) -> int:
    args = cli.args
    items = cli.unlock().exposures.list(person=args.person, case=args.case, state=args.state)
    rows = [exposure_row(e) for e in items]

    def render(rows: list[dict[str, Any]]) -> str:
        if not rows:
            return f"No {args.state} exposures." if args.state != "all" else "No exposures."
        return f"{len(rows)} {args.state} exposure{'s' if len(rows) != 1 else ''}:\n" + (
            render_rows(rows)
        )

    emit(args, rows, render)
    return EXIT_OK


def cmd_show(cli: Cli) -> int:
    item = cli.unlock().exposures.get(cli.args.id)
    row = exposure_row(item)

    def render(row: dict[str, Any]) -> str:
        lines = [
            f"{row['id']} — {item.kind_label} ({row['severity']}), {row['state']}",
            f"Person:  {row['person']}",
            f"Subject: {row['subject']}",
            f"Why:     {row['why']}",
            f"Closes with: {row['closes_with']}",
            f"In the app:  {row['app']}",
        ]
        if "accepted" in row:
            acc = row["accepted"]
            lapsed = " (lapsed: open again)" if acc["lapsed"] else ""
            lines.append(f"Accepted by {acc['by']} until {acc['until']}{lapsed}: {acc['reason']}")
        if "closed" in row:
            closed = row["closed"]
            lines.append(
                f"Closed: {closed['change']}"
                + (f" by {closed['by']}" if closed["by"] else "")
                + (f" at {closed['at']}" if closed["at"] else "")
            )
        return "\n".join(lines)

    emit(cli.args, row, render)
    return EXIT_OK


def cmd_accept(cli: Cli) -> int:
    args = cli.args
    item = cli.unlock().exposures.accept(args.id, args.reason, args.until)
    print(
        f"Accepted {item.id} ({item.subject}) until {args.until}: it is open again after that "
        "date. Recorded in the audit log."
    )
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    exposures = sub.add_parser(
        "exposure", help="what the departing person can still reach"
    ).add_subparsers(dest="exposure_command", metavar="ACTION", required=True)

    p = exposures.add_parser("list", help="exposures, most severe first")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--person", metavar="NAME", help="only this person's")
    who.add_argument("--case", metavar="CASE", help="only this case's (name or id)")
    states = [state.value for state in ExposureState]
    p.add_argument("--state", choices=[*states, "all"], default=ExposureState.OPEN.value)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = exposures.add_parser("show", help="one exposure: why, and what closes it")
    p.add_argument("id", metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = exposures.add_parser("accept", help="carry a risk knowingly until a date (managers)")
    p.add_argument("id", metavar="ID")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p.add_argument("--until", required=True, type=_date, metavar="YYYY-MM-DD")
    p.set_defaults(func=cmd_accept)
