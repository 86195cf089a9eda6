"""Help for the screen underneath: what it is for and every key it answers to."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import Static

from itexit.screens.base import ItexitModal, ScreenAction


class HelpModal(ItexitModal[None]):
    """Built by the app from the current screen's `HELP` and its bindings."""

    CSS_PATH = "help.tcss"
    HELP = "This is the help. Escape or enter closes it."

    BINDINGS = [
        Binding(
            "enter,question_mark", "cancel", "Close", id="help.close", tooltip="Close the help"
        ),
    ]

    def __init__(self, title: str, purpose: str, actions: list[ScreenAction]) -> None:
        super().__init__()
        self._title = title
        self._purpose = purpose
        self._actions = actions

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Static(self._title, classes="heading", markup=False)
            yield Static(self._purpose, id="help-purpose", markup=False)
            with Grid(id="help-keys"):
                for action in self._actions:
                    yield Static(action.key, classes="help-key", markup=False)
                    yield Static(action.tooltip or action.description, markup=False)
            yield Static("Escape closes this help.", id="help-close", classes="hint")
