"""Import credentials from a password-manager export, previewed first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from itexit.screens.base import ItexitScreen

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


class ImportScreen(ItexitScreen):
    """Import."""

    CSS_PATH = "imports.tcss"
    HELP = "Import credentials from a password-manager export, previewed first."

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._session = session

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        yield Static("Import", classes="heading")
        yield Footer()
