"""The one place a failed action is reported: a sentence, never a traceback."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from itexit.screens.base import ItexitModal


class ErrorModal(ItexitModal[None]):
    """Shows the sentence of an error; enter or escape closes it."""

    CSS_PATH = "error.tcss"
    AUTO_FOCUS = "#error-close"
    HELP = "Something you asked for could not be done. The message says why; nothing was changed."

    BINDINGS = [
        Binding("enter", "cancel", "Close", id="error.close", tooltip="Close this message"),
    ]

    def __init__(self, message: str, title: str = "That did not work") -> None:
        super().__init__()
        self._message = message
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="error-dialog", classes="dialog -danger"):
            yield Static(self._title, classes="heading", markup=False)
            yield Static(self._message, id="error-message", markup=False)
            with Horizontal(classes="actions"):
                yield Button("OK", id="error-close", variant="primary")

    @on(Button.Pressed, "#error-close")
    def _close(self) -> None:
        self.dismiss(None)
