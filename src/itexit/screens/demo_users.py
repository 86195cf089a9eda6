"""The demo practice's sample people and passphrases, so the visitor can log in as any of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Static

from itexit.domain.roles import ROLE_LABELS
from itexit.screens.base import ItexitModal

if TYPE_CHECKING:
    from itexit.services.demo import DemoResult


WIDE_ENOUGH_FOR_DESCRIPTIONS = 110


class DemoUsersModal(ItexitModal[None]):
    """A table of the demo's users; closing it leads to the unlock screen."""

    CSS_PATH = "demo_users.tcss"
    AUTO_FOCUS = "#demo-continue"
    HELP = (
        "The demo practice is made up. Each sample person has a different role, so logging "
        "in as each shows what that role may see and do."
    )

    def __init__(self, result: DemoResult) -> None:
        super().__init__()
        self._result = result
        self._roomy = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="demo-dialog", classes="dialog"):
            yield Static(f"{self._result.practice_name} is ready", classes="heading", markup=False)
            yield Static(
                "These made-up people can log in. Note one name and passphrase for the next "
                "screen; the demo passphrases are public, never use them for real.",
                id="demo-intro",
            )
            yield DataTable(id="demo-users", cursor_type="none", zebra_stripes=True)
            with Horizontal(classes="actions"):
                yield Button("Go to unlock", id="demo-continue", variant="primary")

    def on_mount(self) -> None:
        self._fill(self.app.size.width >= WIDE_ENOUGH_FOR_DESCRIPTIONS)

    def on_resize(self, event: events.Resize) -> None:
        """Show or drop the descriptions when the window is widened or narrowed."""
        roomy = event.size.width >= WIDE_ENOUGH_FOR_DESCRIPTIONS
        if roomy != self._roomy:
            self._fill(roomy)

    def _fill(self, roomy: bool) -> None:
        self._roomy = roomy
        table = self.query_one("#demo-users", DataTable)
        table.clear(columns=True)
        table.add_columns("Name", "Role", "Passphrase", *(["Who they are"] if roomy else []))
        for user in self._result.users:
            cells = [user.name, ROLE_LABELS[user.role], user.passphrase]
            table.add_row(*cells, *([user.description] if roomy else []))

    @on(Button.Pressed, "#demo-continue")
    def _continue(self) -> None:
        self.dismiss(None)
