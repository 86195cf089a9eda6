"""A person's full name and e-mail address, as the practice knows them."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from itexit.domain.models import UserInfo, clean_email, clean_full_name
from itexit.screens.base import ItexitModal


@dataclass(frozen=True)
class PersonDetails:
    """What the modal returns: the cleaned values and the version they were typed against."""

    full_name: str
    email: str
    expected_version: int


class PersonDetailsModal(ItexitModal[PersonDetails]):
    """Edit who a user is: the full name and e-mail address other records are matched by."""

    CSS_PATH = "user_details.tcss"
    AUTO_FOCUS = "#person-full-name"
    HELP = (
        "The person's full name and e-mail address. When someone leaves, their vault account "
        "is recognised by these, so keep them as they appear on contracts and contacts."
    )
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="person.save", tooltip="Save the details"),
    ]

    def __init__(self, user: UserInfo) -> None:
        super().__init__()
        self._user = user

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="person-dialog", classes="dialog"):
            yield Static(f"Details of {self._user.name}", classes="heading", markup=False)
            yield Label("Full name", classes="field-label")
            yield Input(self._user.full_name, placeholder="e.g. Sam Okafor", id="person-full-name")
            yield Label("E-mail address", classes="field-label")
            yield Input(
                self._user.email, placeholder="e.g. sam@practice.example", id="person-email"
            )
            yield Static("", id="person-message", classes="field-message")
            with Horizontal(classes="actions"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")

    def _value(self) -> tuple[PersonDetails | None, str]:
        try:
            full_name = clean_full_name(self.query_one("#person-full-name", Input).value)
            email = clean_email(self.query_one("#person-email", Input).value)
        except ValueError as exc:
            return None, str(exc)
        return PersonDetails(full_name, email, self._user.version), ""

    @on(Input.Changed)
    def _changed(self) -> None:
        self.query_one("#person-message", Static).update(self._value()[1])

    @on(Input.Submitted, "#person-full-name")
    def _to_email(self) -> None:
        self.query_one("#person-email", Input).focus()

    @on(Input.Submitted, "#person-email")
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        value, problem = self._value()
        if value is None:
            self.query_one("#person-message", Static).update(problem)
            return
        self.dismiss(value)
