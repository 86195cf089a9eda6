"""The open exposures, grouped by person, most severe first; choosing one opens its screen."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from itexit.domain.exposures import Exposure, Severity

SUBJECT_MAX = 30
"""The shortest a subject is cut to; a wider list gives each subject the room its row has."""

_AROUND_SUBJECT = len("  !! F5  ") + len(" — ") + 1
"""The cells of a row besides the subject and the kind (one spare)."""

MARKS = {
    Severity.CRITICAL: ("!!", "bold red"),
    Severity.HIGH: ("! ", "bold yellow"),
    Severity.MEDIUM: ("· ", "cyan"),
}


def exposure_line(item: Exposure, width: int = 0) -> Text:
    """`!! [F5] Firewall — Password they knew or could read`; overdue subjects in red.

    The subject takes what the row's `width` leaves beside the kind, at least SUBJECT_MAX.
    """
    mark, style = MARKS.get(item.severity, ("· ", ""))
    room = max(SUBJECT_MAX, width - _AROUND_SUBJECT - len(item.kind_label))
    subject = item.subject if len(item.subject) <= room else item.subject[: room - 1] + "…"
    line = Text("  ")
    line.append(mark, style=style)
    line.append(f" {item.closing.key.upper():<3} ", style="dim")
    line.append(subject, style="bold red" if item.overdue else "bold")
    line.append(f" — {item.kind_label}")
    return line


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
        self._shown: list[Exposure] = []
        self._width = 0

    def _row_width(self) -> int:
        """The cells a row's text has: the list's width less its scroll bar and the option's
        padding once laid out, else the screen's less its padding too."""
        width = self.size.width - 4 if self.size.width > 0 else 0
        if width <= 0:
            try:
                width = self.app.size.width - 8
            except RuntimeError:  # not in a running app
                return 0
        return width

    def on_resize(self) -> None:
        if self._shown and self._row_width() != self._width:
            highlighted = self.highlighted
            self.show(self._shown)
            self.highlighted = highlighted

    def show(self, exposures: list[Exposure]) -> None:
        self.clear_options()
        self._shown = exposures
        self._width = width = self._row_width()
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
            options.extend(Option(exposure_line(e, width), id=e.id) for e in items)
        self.add_options(options)

    @on(OptionList.OptionSelected)
    def _chosen(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        item = self._items.get(message.option.id or "")
        if item is not None:
            self.post_message(self.Chosen(item))
