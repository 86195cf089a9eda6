"""Contracts, licences, domains and certificates, by the next date to act."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from itexit.screens.base import ItexitScreen

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


class RenewalsScreen(ItexitScreen):
    """Renewals."""

    CSS_PATH = "renewals.tcss"
    HELP = "Contracts, licences, domains and certificates, by the next date to act."

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._session = session

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        yield Static("Renewals", classes="heading")
        yield Footer()
