"""`itexit remind`: what is due or overdue across the vault; exit 1 when anything is overdue."""

from __future__ import annotations

import argparse
from datetime import date

from itexit.cli.base import EXIT_FOUND, EXIT_OK, Cli, emit


def cmd_remind(cli: Cli) -> int:
    from itexit.domain.reminders import Reminder

    items: list[Reminder] = cli.unlock().reminders(date.today())
    rows = [item.model_dump(mode="json") for item in items]

    def render(rows: list[dict[str, object]]) -> str:
        if not rows:
            return "Nothing is due or overdue."
        lines = []
        for row in rows:
            flag = "OVERDUE" if row["overdue"] else "due"
            critical = " critical" if row["critical"] else ""
            lines.append(
                f"{flag:<8}{critical:<9} {row['due'] or '—':<10}  {row['area']:<11} {row['title']}"
                + (f"  [{row['ref']}]" if row["ref"] else "")
            )
        return "\n".join(lines)

    emit(cli.args, rows, render)
    return EXIT_FOUND if any(item.overdue for item in items) else EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("remind", help="what is due or overdue; exit 1 when anything is overdue")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_remind)
