"""The line of keys at the foot of every screen, drawn as one widget.

Textual's stock footer cuts the line wherever the terminal ends: at 80x24 most screens lose
their last keys half-way through a word, help's among them. This bar shows whole keys only and,
when they do not all fit, keeps `? More keys` (help lists every key). It keeps what the stock
footer offers: a click runs the key, a disabled key is dimmed and rings the bell, hovering
highlights a key and shows its tooltip, and the command palette's key sits on the right. It
is kept for that, not for speed: the stock footer draws the dashboard as quickly
(`bench/tricks.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen


@dataclass(frozen=True)
class BarKey:
    """One key as the bar shows it."""

    key: str
    display: str
    description: str
    enabled: bool
    tooltip: str
    binding_id: str | None = None


@dataclass(frozen=True)
class _Placed:
    """A key and the columns it occupies, `start` inclusive and `end` exclusive."""

    item: BarKey
    start: int
    end: int


class KeyBar(Widget, can_focus=False):
    """The current screen's keys on one line; the command palette's key on the right."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "keybar--key",
        "keybar--description",
        "keybar--hover",
        "keybar--separator",
    }
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        & > .keybar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .keybar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .keybar--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        & > .keybar--separator {
            color: $foreground 20%;
        }
    }
    """

    PINNED: tuple[str, ...] = ("app.help",)
    """Binding ids kept on the bar when it is too narrow for every key: help lists the rest."""

    MORE_KEYS = "More keys"
    """What the pinned help key says when some keys did not fit: it lists them all."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._read: tuple[tuple[BarKey, ...], BarKey | None] | None = None
        self._placed: list[_Placed] = []
        self._hovered: BarKey | None = None

    # -- what to show ---------------------------------------------------------------------

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        """Read the keys again at the next frame; the signal fires on every focus change."""
        self._read = None
        self.refresh()

    @property
    def keys(self) -> tuple[BarKey, ...]:
        """The keys shown on the left, in the screen's binding order."""
        return self._current_keys()[0]

    @property
    def palette_key(self) -> BarKey | None:
        """The command palette's key, shown on the right, or None if the app has none."""
        return self._current_keys()[1]

    def _current_keys(self) -> tuple[tuple[BarKey, ...], BarKey | None]:
        if self._read is None:
            self._read = self._read_keys()
        return self._read

    def _read_keys(self) -> tuple[tuple[BarKey, ...], BarKey | None]:
        app = self.app
        active = self.screen.active_bindings

        def bar_key(binding: Binding, enabled: bool, tooltip: str) -> BarKey:
            return BarKey(
                key=binding.key,
                display=app.get_key_display(binding),
                description=binding.description,
                enabled=enabled,
                tooltip=tooltip or binding.tooltip or binding.description,
                binding_id=binding.id,
            )

        seen_actions: set[str] = set()
        keys: list[BarKey] = []
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in seen_actions:
                seen_actions.add(binding.action)
                keys.append(bar_key(binding, enabled, tooltip))
        palette = None
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
            palette = bar_key(binding, enabled, "")
        return tuple(keys), palette

    # -- drawing --------------------------------------------------------------------------

    def render(self) -> Text:
        width = self.size.width
        key_style = self.get_component_rich_style("keybar--key")
        description_style = self.get_component_rich_style("keybar--description")
        hover_style = self.get_component_rich_style("keybar--hover")
        dim = Style(dim=True)

        def chunk(item: BarKey) -> Text:
            text = Text(end="")
            text.append(f" {item.display} ", style=key_style)
            if item.description:
                text.append(f"{item.description} ", style=description_style)
            if item == self._hovered:
                text.stylize(hover_style)
            if not item.enabled:
                text.stylize(dim)
            return text

        right = Text(end="")
        palette = self.palette_key
        if palette is not None:  # drawn as the stock footer draws it: "▏^p palette "
            right.append("▏", style=self.get_component_rich_style("keybar--separator"))
            key = Text(end="")
            key.append(palette.display, style=key_style)
            key.append(f" {palette.description}", style=description_style)
            if palette == self._hovered:
                key.stylize(hover_style)
            right.append_text(key)
            right.append(" ")
        room = max(0, width - right.cell_len)

        chunks = [(item, chunk(item)) for item in self.keys]
        if sum(text.cell_len for _, text in chunks) - 1 > room:
            # Too narrow for every key: the pinned ones go last, after as many of the others
            # as fit in what they leave, and help says it lists the keys left out.
            pinned = [
                (more, chunk(more))
                for i, _ in chunks
                if i.binding_id in self.PINNED
                for more in [replace(i, description=self.MORE_KEYS)]
            ]
            others = [(i, t) for i, t in chunks if i.binding_id not in self.PINNED]
            kept = sum(t.cell_len for _, t in pinned)
            fitted = []
            for item, text in others:
                if kept + text.cell_len - 1 > room:  # the last space may give way
                    break  # whole keys only: a key cut in half is no use to anyone
                kept += text.cell_len
                fitted.append((item, text))
            chunks = fitted + pinned
        line = Text(end="", no_wrap=True, overflow="crop")
        placed: list[_Placed] = []
        for item, text in chunks:
            if line.cell_len + text.cell_len - 1 == room:
                text.right_crop(1)  # its trailing space gives way to the separator
            elif line.cell_len + text.cell_len > room:
                break
            placed.append(_Placed(item, line.cell_len, line.cell_len + text.cell_len))
            line.append_text(text)
        if palette is not None:
            line.append(" " * max(0, width - line.cell_len - right.cell_len))
            start = line.cell_len + 1  # after the separator
            placed.append(_Placed(palette, start, start + right.cell_len - 2))
            line.append_text(right)
        self._placed = placed
        return line

    # -- the mouse ------------------------------------------------------------------------

    def key_at(self, x: int) -> BarKey | None:
        """The key drawn at column `x`, if any."""
        return next((p.item for p in self._placed if p.start <= x < p.end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._hover(self.key_at(event.x))

    def on_leave(self, event: events.Leave) -> None:
        self._hover(None)

    def _hover(self, item: BarKey | None) -> None:
        if item != self._hovered:
            self._hovered = item
            self.tooltip = item.tooltip if item is not None else None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        item = self.key_at(event.x)
        if item is None:
            return
        event.stop()
        if item.enabled:
            self.app.simulate_key(item.key)
        else:
            self.app.bell()

    def shown(self) -> Iterable[BarKey]:
        """The keys that fitted at the last drawing, the palette's last."""
        return (p.item for p in self._placed)
