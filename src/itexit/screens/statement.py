"""The HR exit statement of a case: prepare, print and record the signing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from itexit.screens.base import ItexitScreen

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


class StatementScreen(ItexitScreen):
    """Exit statement."""

    CSS_PATH = "statement.tcss"
    HELP = "The HR exit statement of a case: prepare, print and record the signing."

    def __init__(self, session: UnlockedVault, case_id: str) -> None:
        super().__init__()
        self._session = session
        self._case_id = case_id

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        yield Static("Exit statement", classes="heading")
        yield Footer()
