"""The mailbox screen's regions: the review status line, the message detail and the review log.

Each region owns how it draws what it is given; the screen decides when.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.widgets import DataTable, Static

from itexit.domain.mailbox import (
    ACTION_LABELS,
    CLASS_LABELS,
    ActionEntry,
    Mailbox,
    MessageClass,
    MessageRow,
    ReviewEntry,
    ReviewStatus,
    preferred_unsubscribe,
)
from itexit.domain.wording import count, day, moment

DATE_FORMAT = "%d %b %Y"
SHORT_CLASS = {
    MessageClass.RENEWAL: "renewal",
    MessageClass.BILLING: "billing",
    MessageClass.SUPPORT: "support",
    MessageClass.SECURITY: "security",
    MessageClass.NEWSLETTER: "list",
    MessageClass.PERSONAL: "personal",
    MessageClass.OTHER: "other",
}
ALL_CLASSES = "all"


def _who(sender: str) -> str:
    """The display name of a From header, else the address."""
    name, _, rest = sender.partition("<")
    name = name.strip().strip('"')
    return name or rest.rstrip(">").strip() or sender


def render_cell(row: MessageRow, key: str) -> str | Text:
    if key == "date":
        if row.date is None:
            return "—"
        today = date.today()  # another year's message shows its year, not its time
        return moment(row.date, today) if row.date.year == today.year else day(row.date, today)
    if key == "class":
        label = SHORT_CLASS[row.msg_class]
        if row.unsubscribed:
            label += " ✓"
        style = {
            MessageClass.RENEWAL: "bold yellow",
            MessageClass.SECURITY: "bold red",
        }.get(row.msg_class, "")
        return Text(label, style=style)
    if row.sealed:
        return Text("(sealed)", style="dim italic")
    if key == "sender":
        return _who(row.sender)
    return row.subject


class ReviewStatusLine(Static):
    """When the next review is due, how much came in since the last, who reviews, until when.

    The parts are laid on lines by the width there is, a part never split across two lines,
    so "reviewer priya" or a date is never cut at 80 columns.
    """

    _parts: tuple[tuple[str, str], ...] = ()

    def show(self, box: Mailbox, status: ReviewStatus) -> None:
        parts: list[tuple[str, str]] = []
        if status.next_due is None:
            parts.append(("No more reviews: past keep-until.", ""))
        elif status.overdue:
            days = status.days_overdue
            parts.append(
                (
                    f"Review OVERDUE since {day(status.next_due, date.today())} "
                    f"({count(days, 'day')})",
                    "bold red",
                )
            )
        else:
            parts.append((f"Next review due {status.next_due:%a %d %b}", "bold"))
        parts.append((f"{status.new_messages} new since the last review", ""))
        parts.append((f"reviewer {status.owner}", ""))
        parts.append((status.cadence, "dim"))
        parts.append((f"keep until {box.keep_until:{DATE_FORMAT}}", "dim"))
        if box.last_sync_at is not None:
            added = moment(box.last_sync_at.astimezone(), date.today())
            parts.append((f"messages last added {added}", "dim"))
        self._parts = tuple((text, style) for text, style in parts if text)
        self._lay_out()

    def say(self, sentence: str) -> None:
        """A plain sentence in place of the status (no mailbox yet)."""
        self._parts = ()
        self.update(sentence)

    def on_resize(self) -> None:
        if self._parts:
            self._lay_out()

    def _lay_out(self) -> None:
        width = self.content_size.width or max(self.app.size.width - 4, 20)
        pieces: list[tuple[str, str] | str] = []
        used = 0
        for text, style in self._parts:
            if used and used + 3 + len(text) > width:
                pieces.append("\n")
                used = 0
            elif used:
                pieces.append(" · ")
                used += 3
            if not used:  # a part starting a line starts as a sentence does
                text = text[:1].upper() + text[1:]
            pieces.append((text, style))
            used += len(text)
        self.update(Text.assemble(*pieces))


class ReviewDetail(Static):
    """The highlighted review's findings, whole: the table's column cuts them at 80 columns."""

    def show(self, review: ReviewEntry | None) -> None:
        if review is None:
            self.update(Text("No review recorded yet.", style="dim"))
            return
        findings = "(sealed: needs the cred key)" if review.sealed else review.findings
        when = review.at.astimezone().strftime("%d %b %Y %H:%M")
        self.update(
            Text.assemble(
                (f"{when} · {review.reviewer}: ", "dim"),
                findings.strip() or "(no findings written)",
            )
        )


class MessageDetail(Static):
    """The headers of the highlighted message, or why they cannot be shown."""

    def show(self, row: MessageRow | None) -> None:
        body = self
        if row is None:
            body.update(Text("Highlight a message to see its headers.", style="dim"))
            return
        when = row.date.astimezone().strftime("%a %d %b %Y %H:%M") if row.date else "no date"
        lines: list[tuple[str, str] | str] = [
            (CLASS_LABELS[row.msg_class], "bold"),
            (" (set by hand)" if row.manual else "", "dim"),
            "\n",
        ]
        if row.sealed:
            lines += [
                ("Date  ", "dim"),
                when,
                "\n\n",
                ("Subject and sender are sealed: your role does not hold the cred key.", "dim"),
            ]
            body.update(Text.assemble(*lines))
            return
        for label, value in (
            ("Date", when),
            ("From", row.sender),
            ("To", row.to),
            ("Subject", row.subject),
            ("Folder", row.folder),
            ("List", row.list_id),
        ):
            if value:
                lines += [(f"{label:<8}", "dim"), value, "\n"]
        target = preferred_unsubscribe(row.list_unsubscribe)
        if target:
            lines += ["\n", ("Unsubscribe  ", "dim"), (target, "bold")]
            lines += [("  ✓ logged" if row.unsubscribed else "  press u to log it", "dim")]
            lines += ["\n"]
        if row.msg_class is MessageClass.RENEWAL:
            lines += ["\n", ("Press n to create a renewal from this notice.", "dim")]
        body.update(Text.assemble(*lines))


def show_review_log(
    reviews_table: DataTable[object],
    actions_table: DataTable[object],
    reviews: list[ReviewEntry],
    actions: list[ActionEntry],
) -> None:
    """Fill the review log's two tables: the reviews recorded and the actions logged."""
    table = reviews_table
    table.clear()
    for review in reviews:
        findings = "(sealed: needs the cred key)" if review.sealed else review.findings
        table.add_row(
            review.at.astimezone().strftime("%d %b %Y %H:%M"),
            review.reviewer,
            str(review.messages_reviewed),
            str(review.actions),
            Text(findings.replace("\n", " ")),
            key=review.id,
        )
    atable = actions_table
    atable.clear()
    for action in actions:
        detail = "(sealed)" if action.sealed else (action.target or action.note)
        atable.add_row(
            action.at.astimezone().strftime("%d %b %Y %H:%M"),
            action.by,
            ACTION_LABELS[action.kind],
            Text(detail),
            key=action.id,
        )
