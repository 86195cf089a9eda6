"""Help for the screen underneath: what it is for and every key it answers to."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Static

from itexit.screens.base import ItexitModal, ScreenAction


class HelpModal(ItexitModal[None]):
    """Built by the app from the current screen's `HELP` and its bindings."""

    CSS_PATH = "help.tcss"
    AUTO_FOCUS = "#help-close"
    HELP = "This is the help. Escape or enter closes it."

    BINDINGS = [
        Binding("enter", "cancel", "Close", id="help.close", tooltip="Close the help"),
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
            yield DataTable(
                id="help-keys", show_cursor=False, cursor_type="none", zebra_stripes=False
            )
            with Horizontal(classes="actions"):
                yield Button("Close", id="help-close", variant="primary")

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", DataTable)
        table.add_columns("Key", "Does")
        for action in self._actions:
            table.add_row(action.key, action.tooltip or action.description)
        table.can_focus = False

    @on(Button.Pressed, "#help-close")
    def _close(self) -> None:
        self.dismiss(None)
