"""The key bar at the foot of every screen: what it shows, and what a click or a hover does."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from itexit.widgets.keybar import KeyBar


class Editable(Static, can_focus=True):
    """A focusable line with a key of its own."""

    BINDINGS = [Binding("e", "edit", "Edit")]

    def action_edit(self) -> None:
        self.app.done.append("edit")  # type: ignore[attr-defined]


class Keys(App[None]):
    """Three shown keys (one disabled), one hidden, and a text field with its own key."""

    AUTO_FOCUS = None
    BINDINGS = [
        Binding("r", "refresh_numbers", "Refresh", tooltip="Read the numbers again"),
        Binding("x", "export", "Export"),
        Binding("h", "hidden", "Hidden", show=False),
        Binding("d", "delete", "Delete"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.done: list[str] = []
        self.bells = 0
        self.can_export = True

    def compose(self) -> ComposeResult:
        yield Static("body")
        yield Editable("editable", id="editable")
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "delete":
            return None  # shown, dimmed, and refused
        if action == "export":
            return self.can_export or None
        return True

    def action_refresh_numbers(self) -> None:
        self.done.append("refresh")

    def action_export(self) -> None:
        self.done.append("export")

    def action_hidden(self) -> None:
        self.done.append("hidden")

    def action_delete(self) -> None:
        self.done.append("delete")

    def action_help(self) -> None:
        self.done.append("help")

    def bell(self) -> None:
        self.bells += 1


def bar_text(app: App[Any]) -> str:
    bar = app.query_one(KeyBar)
    return str(bar.render())


async def test_the_bar_shows_the_keys_that_are_shown_and_the_palette_on_the_right() -> None:
    app = Keys()
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        text = bar_text(app)
        assert text.startswith(" r Refresh  x Export  d Delete  ? Help ")
        assert "Hidden" not in text
        assert text.endswith("▏^p palette ")
        assert len(text) == 80
        shown = [key.key for key in app.query_one(KeyBar).shown()]
        assert shown == ["r", "x", "d", "question_mark", "ctrl+p"]


async def test_a_click_on_a_key_runs_it_and_a_disabled_key_rings_the_bell() -> None:
    app = Keys()
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        await pilot.click(KeyBar, offset=(3, 0))  # on "Refresh"
        await pilot.click(KeyBar, offset=(12, 0))  # on "Export"
        await pilot.pause()
        assert app.done == ["refresh", "export"]
        await pilot.click(KeyBar, offset=(24, 0))  # on "Delete", which is disabled
        await pilot.click(KeyBar, offset=(40, 0))  # between the keys: nothing
        await pilot.pause()
        assert app.done == ["refresh", "export"]
        assert app.bells == 1


async def test_a_key_that_becomes_disabled_is_dimmed_and_refused() -> None:
    app = Keys()
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        assert [key.enabled for key in bar.keys] == [True, True, False, True]
        app.can_export = False
        app.refresh_bindings()
        await pilot.pause()
        assert [key.enabled for key in bar.keys] == [True, False, False, True]
        dimmed = [span for span in bar.render().spans if span.style and "dim" in str(span.style)]
        assert dimmed, "a disabled key is drawn dim"
        await pilot.click(KeyBar, offset=(12, 0))
        await pilot.pause()
        assert app.done == [] and app.bells == 1


async def test_hovering_a_key_highlights_it_and_shows_its_tooltip() -> None:
    app = Keys()
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        plain = bar.render()
        await pilot.hover(KeyBar, offset=(3, 0))
        await pilot.pause()
        assert bar.tooltip == "Read the numbers again"
        assert bar.render().spans != plain.spans
        await pilot.hover(KeyBar, offset=(12, 0))
        await pilot.pause()
        assert bar.tooltip == "Export"  # no tooltip of its own: the description
        await pilot.hover(Static)
        await pilot.pause()
        assert bar.tooltip is None


async def test_a_narrow_bar_shows_whole_keys_only_and_help_says_it_lists_the_rest() -> None:
    app = Keys()
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        text = bar_text(app)
        assert len(text) == 40
        # " r Refresh  x Export  d Delete  ? Help " is 39 columns; the palette's takes 12
        assert text == " r Refresh  ? More keys     ▏^p palette "
        shown = [key.key for key in app.query_one(KeyBar).shown()]
        assert shown == ["r", "question_mark", "ctrl+p"]
        await pilot.click(KeyBar, offset=(text.index("? More keys") + 2, 0))
        await pilot.pause()
        assert app.done == ["help"]
        await pilot.resize_terminal(25, 5)
        await pilot.pause()
        assert bar_text(app) == " ? More keys ▏^p palette "  # "Refresh" no longer fits
        await pilot.resize_terminal(50, 5)
        await pilot.pause()
        # every key fits once the last one's trailing space gives way to the separator
        assert bar_text(app) == " r Refresh  x Export  d Delete  ? Help▏^p palette "


async def test_the_keys_follow_the_focus() -> None:
    app = Keys()
    async with app.run_test(size=(120, 5)) as pilot:
        app.set_focus(None)
        await pilot.pause()
        assert "Edit" not in bar_text(app)
        app.query_one("#editable", Editable).focus()
        await pilot.pause()
        text = bar_text(app)
        assert " e Edit " in text and " r Refresh " in text
        await pilot.click(KeyBar, offset=(text.index(" e Edit ") + 2, 0))
        await pilot.pause()
        assert app.done == ["edit"]
        app.set_focus(None)
        await pilot.pause()
        assert "Edit" not in bar_text(app)


async def test_a_click_on_the_palette_key_opens_the_command_palette() -> None:
    app = Keys()
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        await pilot.click(KeyBar, offset=(72, 0))
        await pilot.pause()
        assert type(app.screen).__name__ == "CommandPalette"
