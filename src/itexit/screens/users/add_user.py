"""Give a new person a key: their user name, role and first passphrase."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Static

from itexit.domain.errors import BadInput
from itexit.domain.models import clean_email, clean_full_name
from itexit.domain.roles import ROLE_LABELS, Role
from itexit.screens.form import FormModal, refusal_line
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


class AddUserModal(FormModal[NewUser]):
    """A short form; Add (or Ctrl+S) adds the person or says beside the field what is missing."""

    CSS_PATH = "add_user.tcss"
    AUTO_FOCUS = "#new-name"
    DIALOG_ID = "add-user-dialog"
    HEADING = "Add a person"
    SAVE_ID = "add"
    SAVE_LABEL = "Add"
    HELP = (
        "Add a person who may unlock the vault. Choose the role that matches their job: "
        "managers see everything, IT consultants the credentials, HR officers the HR records, "
        "and auditors only what happened. Give them the passphrase in person."
    )

    def __init__(self, practice_name: str) -> None:
        super().__init__()
        self._practice_name = practice_name

    def fields(self) -> ComposeResult:
        with Horizontal(classes="pair"):
            with Vertical():
                yield Label("User name", classes="field-label")
                yield Input(placeholder="One word, e.g. sam", id="new-name")
            with Vertical():
                yield Label("Full name (optional)", classes="field-label")
                yield Input(placeholder="e.g. Sam Okafor", id="new-full-name")
        yield refusal_line("new-name-message")
        with Horizontal(classes="pair", id="role-and-email"):
            with Vertical():
                yield Label("Role", classes="field-label")
                yield Select(
                    [(label, role) for role, label in ROLE_LABELS.items()],
                    prompt="Choose a role",
                    id="new-role",
                )
                yield refusal_line("new-role-message")
            with Vertical():
                yield Label("E-mail address (optional)", classes="field-label")
                yield Input(placeholder="e.g. sam@practice.example", id="new-email")
                yield refusal_line("new-email-message")
        yield PassphraseFields("Their first passphrase", id="new-passphrase")
        yield refusal_line("add-error")

    def _role(self) -> Role | None:
        value = self.query_one("#new-role", Select).value
        return value if isinstance(value, Role) else None

    def _name_problem(self) -> str | None:
        name = self.query_one("#new-name", Input).value
        if not name.strip():
            return "Type a user name."
        from itexit.services.users.members import validate_name

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
        return self._details_problem() or self.query_one(PassphraseFields).problem

    def _details_problem(self) -> str | None:
        return self._full_name_problem() or self._email_problem()

    def _full_name_problem(self) -> str | None:
        try:
            clean_full_name(self.query_one("#new-full-name", Input).value)
        except ValueError as exc:
            return str(exc)
        return None

    def _email_problem(self) -> str | None:
        try:
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
        """A line under the names says what is wrong with them; one under the e-mail address
        what is wrong with it."""
        typed = self.query_one("#new-name", Input).value.strip()
        name_problem = self._name_problem() if typed else None
        self.query_one("#new-name-message", Static).update(
            name_problem or self._full_name_problem() or ""
        )
        self.query_one("#new-email-message", Static).update(self._email_problem() or "")

    @on(Select.Changed)
    @on(PassphraseFields.Changed)
    def _update_add(self) -> None:
        self.query_one("#add-error", Static).update("")
        if self._role() is not None:
            self.query_one("#new-role-message", Static).update("")

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
    def _save(self) -> None:
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
            elif problem is not None and problem == self._email_problem():
                self.query_one("#new-email-message", Static).update(problem)
                self.query_one("#new-email", Input).focus()
            self.query_one("#add-error", Static).update(problem or "")
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
