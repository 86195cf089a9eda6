"""The former employee's mailbox: messages, findings and the review log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from itexit.screens.base import ItexitScreen

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


class MailboxScreen(ItexitScreen):
    """Mailbox."""

    CSS_PATH = "mailbox.tcss"
    HELP = "The former employee's mailbox: messages, findings and the review log."

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._session = session

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        yield Static("Mailbox", classes="heading")
        yield Footer()
