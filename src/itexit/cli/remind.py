"""`itexit remind`: what is due or overdue; exit 1 when anything is overdue or a renewal is due."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from itexit.cli.base import EXIT_FOUND, EXIT_OK, Cli, emit

if TYPE_CHECKING:
    from itexit.domain.reminders import Reminder


def cmd_remind(cli: Cli) -> int:
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
    return EXIT_FOUND if any(needs_action(item) for item in items) else EXIT_OK


def needs_action(item: Reminder) -> bool:
    """Overdue anywhere, or a renewal inside its window: cron must hear while there is time."""
    from itexit.domain.reminders import ReminderArea

    return item.overdue or item.area is ReminderArea.RENEWALS


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("remind", help="what is due or overdue; exit 1 when anything is overdue")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_remind)
