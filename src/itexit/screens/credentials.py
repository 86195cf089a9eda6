"""Every credential the departing person knew, and its rotation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from itexit.screens.base import ItexitScreen

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


class CredentialsScreen(ItexitScreen):
    """Credentials."""

    CSS_PATH = "credentials.tcss"
    HELP = "Every credential the departing person knew, and its rotation."

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._session = session

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        yield Static("Credentials", classes="heading")
        yield Footer()
