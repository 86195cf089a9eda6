"""The termination checklist: one case per departing person or vendor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from itexit.screens.base import ItexitScreen

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


class CaseListScreen(ItexitScreen):
    """Cases."""

    CSS_PATH = "cases.tcss"
    HELP = "The termination checklist: one case per departing person or vendor."

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._session = session

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        yield Static("Cases", classes="heading")
        yield Footer()
