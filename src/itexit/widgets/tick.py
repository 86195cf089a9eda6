"""Tick boxes that show their state in the mark itself, not only in its colour.

Textual draws a ticked and an unticked box alike (`▐X▌`), told apart by colour alone: on a
monochrome terminal, or to someone who does not see the colours apart, every box looks ticked.
These draw the X only when ticked (`▐ ▌` otherwise).
"""

from __future__ import annotations

from typing import Any, TypeVar

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList

SelectionType = TypeVar("SelectionType")
TICKED = Checkbox.BUTTON_INNER
UNTICKED = " "


class TickBox(Checkbox):
    """A checkbox whose X is there only when it is ticked."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.BUTTON_INNER = TICKED if self.value else UNTICKED

    def watch_value(self) -> None:
        self.BUTTON_INNER = TICKED if self.value else UNTICKED
        super().watch_value()


class TickList(SelectionList[SelectionType]):
    """A selection list whose boxes show an X only beside the chosen lines."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        index = self.scroll_offset.y + y
        if len(segments) < 3 or segments[1].text != TICKED or index >= self.option_count:
            return strip  # not a line with a box on it
        if self.get_option_at_index(index).value in self.selected:
            return strip
        mark = segments[1]
        segments[1] = Segment(UNTICKED, mark.style, mark.control)
        return Strip(segments, strip.cell_length)
