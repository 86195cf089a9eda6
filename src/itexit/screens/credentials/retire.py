"""Retire a credential (the system is gone; its history stays) or delete one added by mistake."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from itexit.domain.credentials import CredentialSummary
from itexit.domain.errors import ItexitError
from itexit.screens.base import ItexitModal

REASON_MIN = 3


@dataclass
class RetireChoice:
    """What the person decided: retire with a reason, or delete for good."""

    delete: bool
    reason: str
    expected_version: int
    done: str = ""
    """Once carried out through the dialog's own function: what happened, in one sentence."""


Carry = Callable[[RetireChoice], str]


class RetireCredentialModal(ItexitModal[RetireChoice]):
    """Asks for the reason to retire; deleting needs a second, deliberate press."""

    CSS_PATH = "cred_retire.tcss"
    AUTO_FOCUS = "#retire-reason"
    HELP = (
        "Retire a credential when its system is gone: it leaves the list and the rotation "
        "campaign, and its history and the audit record stay. Delete only one added by mistake "
        "and never checked; one with a history of checks can only be retired."
    )
    BINDINGS = [Binding("ctrl+s", "retire", "Retire", id="retire.save", tooltip="Retire it")]

    def __init__(self, credential: CredentialSummary, carry_out: Carry | None = None) -> None:
        super().__init__()
        self._credential = credential
        self._delete_armed = False
        self._carry_out = carry_out

    def compose(self) -> ComposeResult:
        c = self._credential
        with VerticalScroll(id="retire-dialog", classes="dialog -danger"):
            yield Static(f"Retire {c.system}?", classes="heading", markup=False)
            yield Static(
                "It leaves the list, the rotation campaign and the dashboard. Its history, "
                "secrets and the audit record stay; the command line lists it with "
                "`cred list --status retired`.",
                classes="hint",
            )
            yield Label("Why is it retired?", classes="field-label")
            yield Input(placeholder="e.g. the old server was switched off", id="retire-reason")
            yield Static("", id="retire-message", classes="field-message")
            with Horizontal(classes="actions"):
                yield Button("Cancel", id="cancel")
                yield Button("Delete", id="delete", variant="error")
                yield Button("Retire", id="retire", variant="primary")

    def _reason(self) -> str:
        return " ".join(self.query_one("#retire-reason", Input).value.split())

    @on(Input.Submitted, "#retire-reason")
    @on(Button.Pressed, "#retire")
    def action_retire(self) -> None:
        reason = self._reason()
        if len(reason) < REASON_MIN:
            self.query_one("#retire-message", Static).update(
                "Say why it is retired (e.g. the system was switched off)."
            )
            self.query_one("#retire-reason", Input).focus()
            return
        self._finish(RetireChoice(False, reason, self._credential.version))

    @on(Button.Pressed, "#delete")
    def _delete(self) -> None:
        if not self._delete_armed:
            self._delete_armed = True
            button = self.query_one("#delete", Button)
            button.label = "Delete for good"
            button.refresh(layout=True)  # a longer label needs a wider button
            self.query_one("#retire-message", Static).update(
                "Deleting cannot be undone: only for a credential added by mistake and never "
                "checked. Press Delete for good to confirm."
            )
            return
        self._finish(RetireChoice(True, self._reason(), self._credential.version))

    def _finish(self, choice: RetireChoice) -> None:
        if self._carry_out is None:
            self.dismiss(choice)
            return
        for button in self.query(Button):
            button.disabled = True
        self.in_background(
            partial(self._carry, self._carry_out, choice),
            partial(self._carried, choice),
            group="cred-retire",
        )

    @staticmethod
    def _carry(carry_out: Carry, choice: RetireChoice) -> str | None:
        """Carry the choice out through the dialog's own function; the refusal, or None."""
        try:
            choice.done = carry_out(choice)
        except ItexitError as exc:
            return str(exc)
        return None

    def _carried(self, choice: RetireChoice, refusal: str | None) -> None:
        """Done: the dialog closes. Refused: the refusal beside what was typed; the reason
        stays, the dialog stays open."""
        if refusal is None:
            self.dismiss(choice)
            return
        for button in self.query(Button):
            button.disabled = False
        self._delete_armed = False
        button = self.query_one("#delete", Button)
        button.label = "Delete"
        button.refresh(layout=True)
        self.query_one("#retire-message", Static).update(refusal)
        self.query_one("#retire-reason", Input).focus()
