"""Set a new passphrase for one person; the old one stops working at once."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from itexit.screens.base import ItexitModal
from itexit.widgets.passphrase_fields import PassphraseFields


class ChangePassphraseModal(ItexitModal[str]):
    """Returns the new passphrase, or None if cancelled."""

    CSS_PATH = "change_passphrase.tcss"
    AUTO_FOCUS = "#passphrase"
    HELP = (
        "Choose a new passphrase for this person. Their old passphrase stops unlocking the "
        "current vault, but copies and backups made before today still open with it."
    )

    def __init__(self, name: str) -> None:
        super().__init__()
        self._user_name = name

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="change-passphrase-dialog", classes="dialog"):
            yield Static(f"New passphrase for {self._user_name}", classes="heading", markup=False)
            yield PassphraseFields(
                "New passphrase", user_inputs=(self._user_name,), id="changed-passphrase"
            )
            with Horizontal(classes="actions"):
                yield Button("Cancel", id="cancel")
                yield Button("Change", id="change", variant="primary", disabled=True)

    @on(PassphraseFields.Changed)
    def _update_change(self, message: PassphraseFields.Changed) -> None:
        self.query_one("#change", Button).disabled = not message.ready

    @on(Input.Submitted, "#repeat")
    @on(Button.Pressed, "#change")
    def _change(self) -> None:
        fields = self.query_one(PassphraseFields)
        if fields.ready:
            self.dismiss(fields.value)
