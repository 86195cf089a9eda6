"""Vendors, their services and who they will talk to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from itexit.screens.base import ItexitScreen

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


class VendorsScreen(ItexitScreen):
    """Vendors."""

    CSS_PATH = "vendors.tcss"
    HELP = "Vendors, their services and who they will talk to."

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._session = session

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        yield Static("Vendors", classes="heading")
        yield Footer()
