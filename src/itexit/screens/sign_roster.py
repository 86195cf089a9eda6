"""Show what signing an older vault's member list vouches for, then ask once."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from itexit.screens.base import ItexitModal


class SignRosterModal(ItexitModal[bool]):
    """Returns True to sign the member list as shown, None (escape) or False to stop."""

    CSS_PATH = "sign_roster.tcss"
    AUTO_FOCUS = "#not-now"
    HELP = (
        "This vault was made before itexit signed its member list. Signing it once, as it is "
        "now, makes itexit refuse any later change to who may unlock, their role or their keys "
        "that a manager did not sign, even one made directly in the database."
    )

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self._lines = lines

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="sign-roster-dialog", classes="dialog"):
            yield Static("Sign the member list?", classes="heading")
            yield Static(
                "Check that these are exactly the people, roles and keys you expect. A file "
                "vault is backed up first; back up a shared database yourself before you go on.",
                classes="hint",
            )
            yield Static("\n".join(self._lines), id="sign-roster-list", markup=False)
            with Horizontal(classes="actions"):
                yield Button("Not now", id="not-now")
                yield Button("Sign as shown", id="sign", variant="primary")

    @on(Button.Pressed, "#sign")
    def _sign(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#not-now")
    def _not_now(self) -> None:
        self.dismiss(False)
