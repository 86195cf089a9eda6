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


class RekeyedModal(ItexitModal[bool]):
    """Someone else re-keyed the vault: say so, and offer to lock now (True) or later."""

    CSS_PATH = "error.tcss"
    AUTO_FOCUS = "#rekeyed-lock"
    HELP = (
        "A manager removed someone from another workstation, so the vault now has new keys. "
        "Lock and unlock again to carry on with them."
    )

    def __init__(self, message: str) -> None:
        super().__init__()
        self._message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="rekeyed-dialog", classes="dialog"):
            yield Static("The vault has new keys", classes="heading", markup=False)
            yield Static(self._message, id="rekeyed-message", markup=False)
            with Horizontal(classes="actions"):
                yield Button("Lock now", id="rekeyed-lock", variant="primary")
                yield Button("Later", id="cancel")

    @on(Button.Pressed, "#rekeyed-lock")
    def _lock(self) -> None:
        self.dismiss(True)
