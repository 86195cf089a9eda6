"""A forgotten passphrase: the practice's recovery kit sets a new one, then the vault opens."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input

from itexit.domain.errors import ItexitError
from itexit.screens.access import VaultAccess
from itexit.screens.form import FormModal, labelled, refusal_line
from itexit.widgets.passphrase_fields import PassphraseFields

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


class RecoverModal(FormModal["UnlockedVault"]):
    """Returns the unlocked vault once the kit has set the new passphrase; None if cancelled."""

    CSS_PATH = "recover.tcss"
    DIALOG_ID = "recover-dialog"
    HEADING = "Forgot your passphrase? Use the recovery kit"
    SAVE_ID = "recover"
    SAVE_LABEL = "Set and unlock"
    SCROLL_FIELDS = True
    HELP = (
        "The recovery kit printed or saved when the practice's vault was set up opens it for any "
        "person: type your user name, the kit's code (as printed: spaces, dashes and capitals do "
        "not matter) and a new passphrase. Your old passphrase stops working. The audit log "
        "records that the kit was used."
    )

    def __init__(self, access: VaultAccess, user: str = "") -> None:
        super().__init__()
        self._access = access
        self._user = user

    def fields(self) -> ComposeResult:
        yield from labelled(
            "Your user name",
            Input(self._user, placeholder="Your user name", id="recover-user"),
            refusal=True,
        )
        kit = Input(password=True, placeholder="ITX1-…, as on the kit", id="recover-kit")
        yield from labelled("Recovery kit", kit, refusal=True)
        yield PassphraseFields("New passphrase", id="recover-passphrase")

    def below_fields(self) -> ComposeResult:
        yield refusal_line("recover-message")

    def on_mount(self) -> None:
        target = "#recover-kit" if self._user else "#recover-user"
        self.query_one(target, Input).focus()
        super().on_mount()

    @on(Input.Submitted, "#recover-user")
    def _to_kit(self) -> None:
        self.query_one("#recover-kit", Input).focus()

    @on(Input.Submitted, "#recover-kit")
    def _to_passphrase(self) -> None:
        self.query_one("#recover-passphrase #passphrase", Input).focus()

    @on(Input.Submitted, "#recover-passphrase #repeat")
    def _submitted(self) -> None:
        self._save()

    def _save(self) -> None:
        name = self.query_one("#recover-user", Input).value.strip()
        kit = self.query_one("#recover-kit", Input).value.strip()
        fields = self.query_one(PassphraseFields)
        refusals: dict[str, str] = {}
        if not name:
            refusals["recover-user"] = "Type your user name."
        if not kit:
            refusals["recover-kit"] = "Type the code printed on the recovery kit."
        self.show_refusals(refusals, ("recover-user", "recover-kit"))
        problem = None if refusals else fields.problem
        self.refuse("recover", problem or "")
        if refusals or problem:
            return
        self.refuse("recover", "Checking the kit…")
        self.query_one("#recover").disabled = True
        self.in_background(
            partial(self._recover, name, kit, fields.value), self._recovered, group="recover"
        )

    def _recover(self, name: str, kit: str, new: str) -> UnlockedVault | str:
        try:
            return self._access.open().recover(kit, name, new)
        except ItexitError as refused:
            return str(refused)

    def _recovered(self, result: UnlockedVault | str) -> None:
        self.query_one("#recover").disabled = False
        if isinstance(result, str):
            self.refuse("recover", result)
            return
        self.query_one("#recover-kit", Input).value = ""
        self.query_one(PassphraseFields).clear()
        self.dismiss(result)
