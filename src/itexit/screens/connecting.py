"""A moment of patience while a shared vault on a database server is reached."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Header, LoadingIndicator, Static

from itexit.screens.base import ItexitScreen
from itexit.widgets.keybar import KeyBar


class ConnectingScreen(ItexitScreen):
    """Shown only for a server vault, until the app knows whether a vault exists there."""

    CSS_PATH = "connecting.tcss"
    HELP = "itexit is reaching the database server that holds the shared vault."

    def __init__(self, where: str) -> None:
        super().__init__()
        self._where = where

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="connecting-card", classes="card"):
            yield Static(f"Connecting to {self._where} …", classes="heading", markup=False)
            yield LoadingIndicator()
        yield KeyBar()
