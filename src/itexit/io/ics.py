"""The renewals calendar: one all-day event per cancel-by date and per renewal date, with alarms.

UIDs are derived from the vault and the renewal, so re-importing an updated file moves the
events instead of duplicating them. Costs, e-mails and notes stay out unless asked for.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from icalendar import Alarm, Calendar, Event

from itexit.domain.renewals import RenewalState, RenewalSummary
from itexit.domain.text import clean
from itexit.domain.wording import count

ALARM_DAYS = (14, 3)
PRODID = "-//itexit//Renewals//EN"


def _event(
    uid: str, day: date, summary: str, description: str, stamp: datetime, categories: str
) -> Event:
    # no control character or escape sequence reaches a calendar program
    summary, description = clean(summary), clean(description, multiline=True)
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("categories", [categories])
    event.add("transp", "TRANSPARENT")
    for days in ALARM_DAYS:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{summary} in {count(days, 'day')}")
        alarm.add("trigger", timedelta(days=-days))
        event.add_component(alarm)
    return event


def _details(item: RenewalSummary, include_details: bool) -> str:
    lines = [
        f"Kind: {item.kind.value}",
        f"Vendor: {item.vendor}",
        f"Renewal date: {item.renewal_date.isoformat()}",
        f"Auto-renews: {'yes' if item.auto_renew else 'no'}; "
        f"notice {count(item.notice_days, 'day')}",
        f"Billing: {item.billing_cycle.value.replace('_', '-')}",
    ]
    if item.departing_contact:
        lines.append("Tied to the departing person: move it to the practice.")
    if include_details:
        if item.cost is not None:
            lines.append(f"Cost: {item.cost}")
        for label, value in (
            ("Owner", item.owner),
            ("Registrant", item.registrant_email),
            ("Billing e-mail", item.billing_email),
            ("Notes", item.notes),
        ):
            if value:
                lines.append(f"{label}: {value}")
    return "\n".join(lines)


def build_calendar(
    items: Sequence[RenewalSummary], vault_id: str, include_details: bool = False
) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Renewals")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for item in items:
        if item.state is RenewalState.RETIRED:
            continue
        name = f"{item.vendor}: {item.item}"
        description = _details(item, include_details)
        if item.state is RenewalState.ACTIVE and item.cancel_by != item.renewal_date:
            verb = "Cancel by" if item.auto_renew else "Renew by"
            calendar.add_component(
                _event(
                    f"{item.id}-cancel-by@{vault_id}.itexit",
                    item.cancel_by,
                    f"{verb}: {name}",
                    description,
                    stamp,
                    "cancel-by",
                )
            )
        verb = (
            "Ends"
            if item.state is RenewalState.CANCELLING
            else ("Renews" if item.auto_renew else "Expires")
        )
        calendar.add_component(
            _event(
                f"{item.id}-renewal@{vault_id}.itexit",
                item.renewal_date,
                f"{verb}: {name}",
                description,
                stamp,
                "renewal",
            )
        )
    return calendar


def write_calendar(
    path: Path, items: Sequence[RenewalSummary], vault_id: str, include_details: bool = False
) -> int:
    """Write the calendar atomically (temporary file, then rename); returns the event count."""
    calendar = build_calendar(items, vault_id, include_details)
    data = calendar.to_ical()
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600 if include_details else 0o644)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return len(calendar.walk("VEVENT"))
