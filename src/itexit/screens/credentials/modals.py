"""Dialogs of the credentials screen: attest a manual check, a check's result, the history.

The add / edit form is in `form.py` (re-exported here).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Label, Select, Static

from itexit.domain.credentials import CheckOutcome, HistoryEntry, SecretStage, status_label
from itexit.screens.base import ItexitModal
from itexit.screens.credentials.form import CredentialFormModal, FormResult

__all__ = [
    "AttestModal",
    "Attestation",
    "CheckResultModal",
    "CredentialFormModal",
    "FormResult",
    "HistoryModal",
]


@dataclass
class Attestation:
    how: str
    note: str
    works: SecretStage | None = None


class AttestModal(ItexitModal[Attestation]):
    """A person checked a secret by hand: who is recorded; they say how, and add a note."""

    CSS_PATH = "cred_modals.tcss"
    HELP = "An attestation is kept in the history with your name and the time."

    def __init__(self, system: str, question: str, *, ask_which: bool = False) -> None:
        super().__init__()
        self._system = system
        self._question = question
        self._ask_which = ask_which

    def compose(self) -> ComposeResult:
        with Vertical(id="attest", classes="dialog"):
            yield Static(f"Attest: {self._system}", classes="dialog-title")
            yield Static(self._question, classes="hint")
            if self._ask_which:
                yield Label("Which secret works?")
                yield Select(
                    [
                        ("the pending (new) one", "pending"),
                        ("the current one", "current"),
                        ("the previous one", "previous"),
                        ("none of them", "none"),
                    ],
                    value="current",
                    allow_blank=False,
                    id="at-which",
                )
            yield Label("How did you check it?")
            yield Input(id="at-how", placeholder="e.g. logged in at the admin console")
            yield Label("Note (optional)")
            yield Input(id="at-note")
            yield Static("", id="at-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Attest", variant="primary", id="at-ok")
                yield Button("Cancel", id="at-cancel")

    def on_mount(self) -> None:
        self.query_one("#at-how", Input).focus()

    @on(Button.Pressed, "#at-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#at-ok")
    def _ok(self) -> None:
        how = self.query_one("#at-how", Input).value.strip()
        if not how:
            self.query_one("#at-error", Static).update("Say how you checked it.")
            return
        works = None
        if self._ask_which:
            chosen = str(self.query_one("#at-which", Select).value)
            works = None if chosen == "none" else SecretStage(chosen)
        self.dismiss(Attestation(how, self.query_one("#at-note", Input).value.strip(), works))


class HistoryModal(ItexitModal[None]):
    """Every check, attestation and rotation step of one credential, oldest first; what the
    system answered is shown whole, wrapped under its step."""

    CSS_PATH = "cred_modals.tcss"
    HELP = "The credential's history: who did what, when, and what the system answered."

    def __init__(self, system: str, entries: list[HistoryEntry]) -> None:
        super().__init__()
        self._system = system
        self._entries = entries

    def compose(self) -> ComposeResult:
        with Vertical(id="history", classes="dialog"):
            yield Static(f"History: {self._system}", classes="dialog-title", markup=False)
            with VerticalScroll(id="history-list", can_focus=True):
                if not self._entries:
                    yield Static("Nothing recorded yet.", classes="hint")
                for h in self._entries:
                    step = h.kind.replace("_", " ")
                    status = status_label(h.status_after)
                    line = Content.assemble(
                        (f"{h.at:%d %b %Y %H:%M}", "bold"),
                        f"  {h.actor} · {step} · {h.outcome} → {status}",
                    )
                    yield Static(line, classes="history-step")
                    said = h.attested_how or h.detail
                    if said:
                        yield Static(Content(said), classes="history-detail")
                    if h.note:
                        yield Static(Content(f"Note: {h.note}"), classes="history-detail")
            with Horizontal(classes="buttons"):
                yield Button("Close", variant="primary", id="hist-close")

    def on_mount(self) -> None:
        self.query_one("#history-list").focus()

    @on(Button.Pressed, "#hist-close")
    def _close(self) -> None:
        self.dismiss(None)


class CheckResultModal(ItexitModal[None]):
    """What a check came to: the outcome, the server's answer in one whole sentence, and what
    to do next."""

    CSS_PATH = "cred_modals.tcss"
    HELP = "The answer of the system checked, and the next step."

    def __init__(self, result: CheckOutcome) -> None:
        super().__init__()
        self._result = result

    def compose(self) -> ComposeResult:
        r = self._result
        heading = OUTCOME_WORDS.get(r.outcome, r.outcome.replace("_", " "))
        with Vertical(id="check-result", classes="dialog" + ("" if r.ok else " -problem")):
            yield Static(
                Content(f"{r.summary.system}: {heading}"), classes="dialog-title", id="cr-title"
            )
            yield Static(Content(r.detail), id="cr-detail")
            yield Static(Content(r.guidance), id="cr-guidance", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Close", variant="primary", id="cr-close")

    def on_mount(self) -> None:
        self.query_one("#cr-close", Button).focus()

    @on(Button.Pressed, "#cr-close")
    def _close(self) -> None:
        self.dismiss(None)


OUTCOME_WORDS = {
    "accepted": "the secret works",
    "rejected": "the secret was refused",
    "unreachable": "could not be checked",
    "error": "could not be checked",
}
"""A verifier's outcome, as the result dialog's title says it."""
