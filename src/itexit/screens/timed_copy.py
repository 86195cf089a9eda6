"""Copying a value from a dialog through the clipboard path secrets use: it clears itself after
`CLEAR_SECONDS` if the clipboard still holds it (and the value is overwritten in memory then).

The clearing timer belongs to the app, so closing the dialog does not cut it short."""

from __future__ import annotations

from textual.app import App

from itexit.screens.credentials.clipboard import CLEAR_SECONDS, Clipboard
from itexit.services.memory import wipe_text

NO_CLIPBOARD = (
    "No clipboard here. Over SSH, set ITEXIT_OSC52=1 to copy through the terminal, or copy "
    "it from the screen."
)


class TimedCopy:
    """One place a dialog copies to; `copy` says where it went and when it clears."""

    def __init__(self, app: App[object]) -> None:
        self._app = app
        self._clipboard = Clipboard(app.copy_to_clipboard)

    @property
    def available(self) -> bool:
        return self._clipboard.available

    def copy(self, text: str, what: str, *, secret: bool = False) -> str:
        """Put `text` on the clipboard and plan its clearing; the sentence to show.
        A `secret` is overwritten in memory once cleared."""
        clipboard = self._clipboard
        clipboard.copy(text)

        def clear() -> None:
            clipboard.clear_if_unchanged(text)
            if secret:
                wipe_text(text)

        self._app.set_timer(CLEAR_SECONDS, clear)
        return f"{what} is on {clipboard.how}; it clears in {CLEAR_SECONDS:.0f} s."
