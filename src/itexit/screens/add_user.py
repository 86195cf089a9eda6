"""Give a new person a key: their user name, role and first passphrase."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from itexit.domain.models import clean_email, clean_full_name
from itexit.domain.roles import ROLE_LABELS, Role
from itexit.screens.base import ItexitModal
from itexit.widgets.passphrase_fields import PassphraseFields


@dataclass(frozen=True)
class NewUser:
    """What the modal returns; the passphrase is handed to the service and not kept."""

    name: str
    role: Role
    passphrase: str
    full_name: str = ""
    email: str = ""

    def __repr__(self) -> str:
        return f"NewUser(name={self.name!r}, role={self.role.value!r})"


class AddUserModal(ItexitModal[NewUser]):
    """A short form; Add stays disabled until the name, role and passphrase are right."""

    CSS_PATH = "add_user.tcss"
    AUTO_FOCUS = "#new-name"
    HELP = (
        "Add a person who may unlock the vault. Choose the role that matches their job: "
        "managers see everything, IT consultants the credentials, HR officers the HR records, "
        "and auditors only what happened. Give them the passphrase in person."
    )

    def __init__(self, practice_name: str) -> None:
        super().__init__()
        self._practice_name = practice_name

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="add-user-dialog", classes="dialog"):
            yield Static("Add a person", classes="heading")
            with Horizontal(classes="pair"):
                with Vertical():
                    yield Label("User name", classes="field-label")
                    yield Input(placeholder="One word, e.g. sam", id="new-name")
                with Vertical():
                    yield Label("Full name (optional)", classes="field-label")
                    yield Input(placeholder="e.g. Sam Okafor", id="new-full-name")
            yield Static("", id="new-name-message", classes="field-message")
            with Horizontal(classes="pair"):
                with Vertical():
                    yield Label("Role", classes="field-label")
                    yield Select(
                        [(label, role) for role, label in ROLE_LABELS.items()],
                        prompt="Choose a role",
                        id="new-role",
                    )
                with Vertical():
                    yield Label("E-mail address (optional)", classes="field-label")
                    yield Input(placeholder="e.g. sam@practice.example", id="new-email")
            yield PassphraseFields("Their first passphrase", id="new-passphrase")
            with Horizontal(classes="actions"):
                yield Button("Cancel", id="cancel")
                yield Button("Add", id="add", variant="primary", disabled=True)

    def _role(self) -> Role | None:
        value = self.query_one("#new-role", Select).value
        return value if isinstance(value, Role) else None

    def _problem(self) -> str | None:
        name = self.query_one("#new-name", Input).value.strip()
        if not name:
            return "Type a user name."
        if any(character.isspace() for character in name):
            return "A user name is one word, without spaces."
        if self._role() is None:
            return "Choose a role."
        return self._details_problem() or self.query_one(PassphraseFields).problem

    def _details_problem(self) -> str | None:
        try:
            clean_full_name(self.query_one("#new-full-name", Input).value)
            clean_email(self.query_one("#new-email", Input).value)
        except ValueError as exc:
            return str(exc)
        return None

    @on(Input.Changed, "#new-full-name")
    @on(Input.Changed, "#new-email")
    def _details_changed(self) -> None:
        self._show_message()
        self._update_add()

    @on(Input.Changed, "#new-name")
    def _name_changed(self, event: Input.Changed) -> None:
        name = event.value.strip()
        self.query_one(PassphraseFields).set_user_inputs((name, self._practice_name))
        self._show_message()
        self._update_add()

    def _show_message(self) -> None:
        """One line under the names: what is wrong with the user name or the details."""
        name = self.query_one("#new-name", Input).value.strip()
        spaced = name and any(character.isspace() for character in name)
        self.query_one("#new-name-message", Static).update(
            "A user name is one word, without spaces." if spaced else self._details_problem() or ""
        )

    @on(Select.Changed)
    @on(PassphraseFields.Changed)
    def _update_add(self) -> None:
        self.query_one("#add", Button).disabled = self._problem() is not None

    @on(Input.Submitted, "#new-name")
    def _to_full_name(self) -> None:
        self.query_one("#new-full-name", Input).focus()

    @on(Input.Submitted, "#new-full-name")
    def _to_role(self) -> None:
        self.query_one("#new-role", Select).focus()

    @on(Input.Submitted, "#new-email")
    def _to_passphrase(self) -> None:
        self.query_one("#passphrase", Input).focus()

    @on(Input.Submitted, "#repeat")
    @on(Button.Pressed, "#add")
    def _add(self) -> None:
        role = self._role()
        if self._problem() is not None or role is None:
            return
        name = self.query_one("#new-name", Input).value.strip()
        self.dismiss(
            NewUser(
                name,
                role,
                self.query_one(PassphraseFields).value,
                clean_full_name(self.query_one("#new-full-name", Input).value),
                clean_email(self.query_one("#new-email", Input).value),
            )
        )
