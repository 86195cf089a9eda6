"""Give a new person a key: their user name, role and first passphrase."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from itexit.domain.errors import BadInput
from itexit.domain.roles import ROLE_LABELS, Role
from itexit.screens.base import ItexitModal
from itexit.widgets.passphrase_fields import PassphraseFields


@dataclass(frozen=True)
class NewUser:
    """What the modal returns; the passphrase is handed to the service and not kept."""

    name: str
    role: Role
    passphrase: str

    def __repr__(self) -> str:
        return f"NewUser(name={self.name!r}, role={self.role.value!r})"


class AddUserModal(ItexitModal[NewUser]):
    """A short form; Add (or Ctrl+S) adds the person or says beside the field what is missing."""

    CSS_PATH = "add_user.tcss"
    AUTO_FOCUS = "#new-name"
    HELP = (
        "Add a person who may unlock the vault. Choose the role that matches their job: "
        "managers see everything, IT consultants the credentials, HR officers the HR records, "
        "and auditors only what happened. Give them the passphrase in person."
    )

    BINDINGS = [
        Binding(
            "ctrl+s",
            "add_person",
            "Add",
            id="add_user.add",
            tooltip="Add the person, or say what is still missing",
        ),
    ]

    def __init__(self, practice_name: str) -> None:
        super().__init__()
        self._practice_name = practice_name

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="add-user-dialog", classes="dialog"):
            yield Static("Add a person", classes="heading")
            yield Label("User name", classes="field-label")
            yield Input(placeholder="One word, e.g. sam", id="new-name")
            yield Static("", id="new-name-message", classes="field-message")
            yield Label("Role", classes="field-label")
            yield Select(
                [(label, role) for role, label in ROLE_LABELS.items()],
                prompt="Choose a role",
                id="new-role",
            )
            yield Static("", id="new-role-message", classes="field-message")
            yield PassphraseFields("Their first passphrase", id="new-passphrase")
            yield Static("", id="add-error", classes="field-message")
            with Horizontal(classes="actions"):
                yield Button("Cancel", id="cancel")
                yield Button("Add", id="add", variant="primary")

    def _role(self) -> Role | None:
        value = self.query_one("#new-role", Select).value
        return value if isinstance(value, Role) else None

    def _name_problem(self) -> str | None:
        name = self.query_one("#new-name", Input).value
        if not name.strip():
            return "Type a user name."
        from itexit.services.users import validate_name

        try:
            validate_name(name)
        except BadInput as refused:
            return str(refused)
        return None

    def _problem(self) -> str | None:
        name_problem = self._name_problem()
        if name_problem is not None:
            return name_problem
        if self._role() is None:
            return "Choose a role."
        return self.query_one(PassphraseFields).problem

    @on(Input.Changed, "#new-name")
    def _name_changed(self, event: Input.Changed) -> None:
        message = self.query_one("#new-name-message", Static)
        name = event.value.strip()
        message.update((self._name_problem() or "") if name else "")
        self.query_one(PassphraseFields).set_user_inputs((name, self._practice_name))
        self._update_add()

    @on(Select.Changed)
    @on(PassphraseFields.Changed)
    def _update_add(self) -> None:
        self.query_one("#add-error", Static).update("")
        if self._role() is not None:
            self.query_one("#new-role-message", Static).update("")

    @on(Input.Submitted, "#new-name")
    def _to_role(self) -> None:
        self.query_one("#new-role", Select).focus()

    @on(Input.Submitted, "#repeat")
    @on(Button.Pressed, "#add")
    def action_add_person(self) -> None:
        """Add the person, or say beside the field what is missing; nothing typed is lost."""
        problem = self._problem()
        role = self._role()
        if problem is not None or role is None:
            if problem == "Choose a role.":
                self.query_one("#new-role-message", Static).update(problem)
                self.query_one("#new-role", Select).focus()
            elif problem == self._name_problem():
                self.query_one("#new-name-message", Static).update(problem or "")
                self.query_one("#new-name", Input).focus()
            self.query_one("#add-error", Static).update(problem or "")
            return
        name = self.query_one("#new-name", Input).value.strip()
        self.dismiss(NewUser(name, role, self.query_one(PassphraseFields).value))
