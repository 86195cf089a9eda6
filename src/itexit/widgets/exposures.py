"""The open exposures, grouped by person, most severe first; choosing one opens its screen."""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from itexit.domain.exposures import Exposure, Severity

MARKS = {
    Severity.CRITICAL: ("!!", "bold red"),
    Severity.HIGH: ("! ", "bold yellow"),
    Severity.MEDIUM: ("· ", "cyan"),
}


def exposure_line(item: Exposure) -> Table:
    """`!! F5  Firewall — Password they knew or could read`; overdue subjects in red. A row too
    long for the screen wraps under its own text, not under the mark and key."""
    mark, style = MARKS.get(item.severity, ("· ", ""))
    bullet = Text("  ")
    bullet.append(mark, style=style)
    bullet.append(f" {item.closing.key.upper():<3} ", style="dim")
    words = Text()
    words.append(item.subject, style="bold red" if item.overdue else "bold")
    words.append(f" — {item.kind_label}")
    row = Table.grid(expand=True)
    row.add_column(width=bullet.cell_len, no_wrap=True)
    row.add_column(ratio=1)
    row.add_row(bullet, words)
    return row


class ExposureList(OptionList):
    """One row per open exposure under its person's name; Enter opens the screen that closes it."""

    DEFAULT_CSS = """
    ExposureList {
        height: auto;
        max-height: 12;
        border: none;
        padding: 0;
        background: transparent;
    }
    """

    @dataclass
    class Chosen(Message):
        """Someone chose an exposure: open the screen that closes it."""

        exposure: Exposure

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002  (Textual's name)
        super().__init__(id=id)
        self._items: dict[str, Exposure] = {}

    def show(self, exposures: list[Exposure]) -> None:
        self.clear_options()
        self._items = {e.id: e for e in exposures}
        people: dict[str, list[Exposure]] = {}
        for item in exposures:
            people.setdefault(item.person, []).append(item)
        options: list[Option] = []
        for person, items in people.items():
            critical = sum(1 for e in items if e.severity is Severity.CRITICAL)
            head = Text(person, style="bold")
            head.append(f"  {len(items)} open" + (f", {critical} critical" if critical else ""))
            options.append(Option(head, disabled=True))
            options.extend(Option(exposure_line(e), id=e.id) for e in items)
        self.add_options(options)

    def highlighted_exposure(self) -> Exposure | None:
        """The exposure under the cursor, if the cursor is on one."""
        if self.highlighted is None:
            return None
        return self._items.get(self.get_option_at_index(self.highlighted).id or "")

    @on(OptionList.OptionSelected)
    def _chosen(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        item = self._items.get(message.option.id or "")
        if item is not None:
            self.post_message(self.Chosen(item))
