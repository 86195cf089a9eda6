"""One dashboard tile: a headline count, what it means, and the key that opens its area."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Digits, Static

from itexit.domain.models import Tile

SEVERITIES = ("ok", "warn", "alert", "idle")


class DashboardTile(Vertical, can_focus=True):
    """A focusable card for a `Tile`; enter or a click posts `Chosen`."""

    DEFAULT_CSS = """
    DashboardTile {
        height: auto;
        min-height: 7;
        padding: 0 1;
        border: round $panel-lighten-2;
        border-title-color: $text;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
    }
    DashboardTile:focus {
        border: round $accent;
        background-tint: $accent 6%;
    }
    DashboardTile > .tile-title {
        display: none;
        text-style: bold;
    }
    DashboardTile.-title-inside > .tile-title {
        display: block;
    }
    DashboardTile > Digits {
        width: auto;
        color: $text;
    }
    DashboardTile > .tile-count {
        display: none;
        text-style: bold;
    }
    DashboardTile > .tile-caption {
        color: $text-muted;
    }
    DashboardTile.-ok > Digits, DashboardTile.-ok > .tile-count {
        color: $text-success;
    }
    DashboardTile.-warn { border: round $warning 70%; }
    DashboardTile.-warn > Digits, DashboardTile.-warn > .tile-count { color: $text-warning; }
    DashboardTile.-alert { border: round $error 80%; }
    DashboardTile.-alert > Digits, DashboardTile.-alert > .tile-count { color: $text-error; }
    DashboardTile.-unset > .tile-caption, DashboardTile.-idle > .tile-caption {
        color: $text-disabled;
    }
    DashboardTile.-unset, DashboardTile.-idle {
        border-title-color: $text-muted;
    }
    DashboardTile.-unset > .tile-count {
        display: block;
        text-style: italic;
        color: $text-disabled;
    }
    DashboardTile.-unset > Digits {
        display: none;
    }
    """

    BINDINGS = [
        Binding(
            "enter",
            "choose_tile",
            "Open",
            show=False,
            id="tile.open",
            tooltip="Open the area this tile stands for",
        )
    ]

    @dataclass
    class Chosen(Message):
        """The person asked to open the tile's area."""

        tile: Tile

    def __init__(self, tile: Tile, number: int, *, id: str | None = None) -> None:  # noqa: A002
        classes = f"-{tile.severity}" if tile.severity in SEVERITIES else ""
        if tile.count is None:
            classes += " -unset"
        super().__init__(id=id, classes=classes)
        self.tile = tile
        self.number = number
        self.border_title = tile.title
        self.border_subtitle = f"key {number}" if number <= 9 else ""  # keys 1-9 open tiles

    def compose(self) -> ComposeResult:
        count = self.tile.count
        yield Static(self.tile.title, classes="tile-title", markup=False)
        yield Digits(str(count) if count is not None else "")
        yield Static(
            str(count) if count is not None else "not set up yet",
            classes="tile-count",
            markup=False,
        )
        if count is not None or self.tile.caption != "not set up yet":
            yield Static(self.tile.caption, classes="tile-caption", markup=False)

    def on_resize(self) -> None:
        """A title too long for the top border moves inside the tile, where it wraps whole."""
        # the border draws "╭─ title ─╮": four columns of frame and a space either side
        inside = len(self.tile.title) + 6 > self.outer_size.width
        self.set_class(inside, "-title-inside")
        self.border_title = "" if inside else self.tile.title

    def action_choose_tile(self) -> None:
        self.post_message(self.Chosen(self.tile))

    def on_click(self) -> None:
        self.post_message(self.Chosen(self.tile))
