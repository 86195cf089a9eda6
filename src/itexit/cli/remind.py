"""`itexit remind`: every open exposure, then what is due; exit 1 while anything urgent is open."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any

from itexit.cli.base import EXIT_FOUND, EXIT_OK, Cli, emit

if TYPE_CHECKING:
    from itexit.domain.exposures import Exposure
    from itexit.domain.reminders import Reminder


def cmd_remind(cli: Cli) -> int:
    from itexit.cli.exposures import exposure_row, render_rows
    from itexit.domain.errors import IntegrityFailure

    session = cli.unlock()
    today = date.today()
    try:
        exposures: list[Exposure] = session.exposures.list(state="open", today=today)
        items: list[Reminder] = session.reminders(today)
    except IntegrityFailure as exc:
        # a state changed outside itexit is a finding like any other, never "all clear"
        sentence = str(exc)
        emit(cli.args, {"changed_outside_itexit": sentence}, lambda _: changed_text(sentence))
        return EXIT_FOUND
    unchecked = not session.exposures.checks_states()
    rows = {
        "exposures": [exposure_row(e) for e in exposures],
        "due": [item.model_dump(mode="json") for item in items],
        "states_checked": not unchecked,
    }

    def render(rows: dict[str, Any]) -> str:
        lines: list[str] = []
        if rows["exposures"]:
            n = len(rows["exposures"])
            lines.append(
                f"{n} exposure{'s' if n != 1 else ''} still open: the person who left can "
                "still get in this way."
            )
            lines.append(render_rows(rows["exposures"]))
        if rows["due"]:
            if lines:
                lines.append("")
            lines.append("Due or overdue:")
            for row in rows["due"]:
                flag = "OVERDUE" if row["overdue"] else "due"
                critical = " critical" if row["critical"] else ""
                lines.append(
                    f"{flag:<8}{critical:<9} {row['due'] or '—':<10}  {row['area']:<11} "
                    f"{row['title']}" + (f"  [{row['ref']}]" if row["ref"] else "")
                )
        if not lines:
            lines.append("No exposure is open, and nothing is due or overdue.")
        if unchecked:
            lines.append(UNCHECKED)
        return "\n".join(lines)

    emit(cli.args, rows, render)
    # any open exposure, not only a critical or overdue one: cron never hears "all clear"
    # while the person who left can still get in
    return EXIT_FOUND if exposures or any(needs_action(item) for item in items) else EXIT_OK


UNCHECKED = (
    "Your role holds no key, so itexit cannot check these states against its sealed records: "
    "a change made directly in the database would not show here. A practice manager or the IT "
    "consultant sees such changes."
)


def changed_text(sentence: str) -> str:
    return (
        "A record was changed outside itexit, so what is open and due cannot be trusted until "
        f"it is restored:\n  {sentence}\nRestore the vault from a backup, or ask a practice "
        "manager to look at it (itexit audit verify checks the audit log)."
    )


def needs_action(item: Reminder) -> bool:
    """Overdue anywhere, or a renewal inside its window: cron must hear while there is time."""
    from itexit.domain.reminders import ReminderArea

    return item.overdue or item.area is ReminderArea.RENEWALS


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "remind", help="open exposures and what is due; exit 1 while anything urgent is open"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_remind)
