"""How a credential's secret is changed on its system: by a person, or by itexit itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Label, Select, Static

from itexit.domain.changing import CHANGEABLE, ChangeMethod
from itexit.domain.credentials import CredentialSummary
from itexit.domain.errors import ItexitError
from itexit.screens.base import ItexitModal

METHOD_WORDS: dict[ChangeMethod, str] = {
    ChangeMethod.PERSON: "A person sets it by hand; itexit checks it",
    ChangeMethod.SELF: "itexit logs in as this account and changes it",
    ChangeMethod.ADMIN: "itexit changes it with an admin login",
}
"""The choices as the dialog offers them, and what the screen says once one is saved."""


@dataclass
class ChangerChoice:
    method: ChangeMethod
    admin: str | None
    done: str = ""
    """Once carried out through the dialog's own function: what happened, in one sentence."""


Carry = Callable[[ChangerChoice], str]


class ChangerModal(ItexitModal[ChangerChoice]):
    """Choose who changes the secret when it is rotated; the rotation of all due ones (A) then
    changes those itexit may change, and proves the old secrets dead."""

    CSS_PATH = "cred_retire.tcss"
    AUTO_FOCUS = "#changer-method"
    HELP = (
        "By default a person sets each new secret on its system and itexit checks it. For "
        "PostgreSQL, MariaDB, LDAP and SSH logins itexit can change it itself, logging in as the "
        "account or with an admin login stored here; then 'Rotate all due' (A) changes it and "
        "proves the old one dead."
    )
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="changer.save", tooltip="Save the choice")]

    def __init__(
        self,
        credential: CredentialSummary,
        current: tuple[ChangeMethod, str],
        admins: list[CredentialSummary],
        carry_out: Carry,
    ) -> None:
        super().__init__()
        self._credential = credential
        self._current = current
        self._admins = admins
        self._carry_out = carry_out

    def compose(self) -> ComposeResult:
        c = self._credential
        method, admin = self._current
        changeable = c.verifier in CHANGEABLE
        with VerticalScroll(id="retire-dialog", classes="dialog"):
            yield Static(f"How {c.system} is changed", classes="heading", markup=False)
            yield Static(
                "When its password is rotated, who sets the new one on the system?"
                if changeable
                else "itexit can change passwords itself only on PostgreSQL, MariaDB, LDAP and "
                "SSH logins; this one stays with a person.",
                classes="hint",
            )
            yield Label("Who changes it", classes="field-label")
            yield Select(
                [(METHOD_WORDS[m], m) for m in ChangeMethod],
                value=method,
                allow_blank=False,
                id="changer-method",
            )
            yield Label("Admin login (for an admin change)", classes="field-label")
            yield Select(
                [(a.system, a.id) for a in self._admins],
                value=admin if admin in {a.id for a in self._admins} else Select.NULL,
                prompt="No admin login of this kind stored"
                if not self._admins
                else "Choose the admin login",
                id="changer-admin",
            )
            yield Static("", id="changer-message", classes="field-message")
            with Horizontal(classes="actions"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        method = self.query_one("#changer-method", Select).value
        admin = self.query_one("#changer-admin", Select).value
        assert isinstance(method, ChangeMethod)
        if method is ChangeMethod.ADMIN and not isinstance(admin, str):
            self._refused("Choose the admin login that may change this one.", "#changer-admin")
            return
        chosen = admin if method is ChangeMethod.ADMIN and isinstance(admin, str) else None
        choice = ChangerChoice(method, chosen)
        for button in self.query(Button):
            button.disabled = True
        self.in_background(
            partial(self._carry, self._carry_out, choice),
            partial(self._carried, choice),
            group="cred-changer",
        )

    @staticmethod
    def _carry(carry_out: Carry, choice: ChangerChoice) -> str | None:
        """Save the choice through the dialog's own function; the refusal, or None."""
        try:
            choice.done = carry_out(choice)
        except ItexitError as exc:
            return str(exc)
        return None

    def _carried(self, choice: ChangerChoice, refusal: str | None) -> None:
        """Saved: the dialog closes. Refused: the sentence beside the choice; it stays open."""
        if refusal is None:
            self.dismiss(choice)
            return
        for button in self.query(Button):
            button.disabled = False
        self._refused(refusal, "#changer-method")

    def _refused(self, sentence: str, field: str) -> None:
        self.query_one("#changer-message", Static).update(sentence)
        self.query_one(field).focus()
