"""The rotation wizard: generate → saved → set it on the system → confirm → prove the old fails.

Each step is its own button; the new secret is committed as pending before it is shown, so
closing the wizard (or a crash) at any point loses nothing: reopening it resumes where it was.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from itexit.domain.credentials import (
    CheckOutcome,
    CredentialStatus,
    CredentialSummary,
    PasswordPolicy,
    RotationStarted,
)
from itexit.screens.base import ItexitModal
from itexit.screens.timed_copy import NO_CLIPBOARD, TimedCopy

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

STEPS = (
    "Generate a new secret to the system's policy",
    "Saved in the vault as pending",
    "Set it on the system",
    "Confirm: the new secret works",
    "Prove the old secret fails",
)


def current_step(status: CredentialStatus) -> int:
    return {
        CredentialStatus.ROTATION_PENDING: 2,
        CredentialStatus.ROTATED: 4,
        CredentialStatus.LOCKED_OUT: 5,
    }.get(status, 0)


class RotationWizard(ItexitModal[CredentialSummary]):
    """One credential's rotation, step by step; returns the summary as it ends."""

    CSS_PATH = "rotation_wizard.tcss"
    HELP = (
        "The new secret is saved before you see it. Set it on the system, then confirm: the app "
        "checks it works. Last, prove the old secret fails: only then can the departing person "
        "no longer use it. A system checked by hand asks you to say how you checked."
    )

    BINDINGS = [
        Binding(
            "ctrl+s",
            "next_step",
            "Next step",
            id="wizard.next",
            tooltip="Generate, confirm or prove the old one fails: what the step asks",
        )
    ]

    def __init__(self, session: UnlockedVault, summary: CredentialSummary) -> None:
        super().__init__()
        self._session = session
        self._summary = summary
        self._step = current_step(summary.status)
        if self._step == len(STEPS) and summary.rotation_due:
            self._step = 0  # proven dead once, but someone leaving could read that secret
        self._secret_shown = False
        self._members: list[str] = []

    @property
    def manual(self) -> bool:
        return self._summary.verifier == "manual"

    def compose(self) -> ComposeResult:
        with Vertical(id="wizard", classes="dialog"):
            yield Static(f"Rotate: {self._summary.system}", classes="dialog-title")
            yield Static("", id="wiz-steps")
            with Horizontal(id="wiz-policy"):
                yield Label("Length")
                yield Input("20", id="wiz-length", type="integer", max_length=3)
                yield Label("or words")
                yield Input("0", id="wiz-words", type="integer", max_length=2)
            yield Static("", id="wiz-secret")
            yield Static("", id="wiz-message")
            yield Input(
                id="wiz-attest",
                placeholder="How did you check? (e.g. logged in at the console)",
            )
            with Horizontal(classes="buttons"):
                yield Button("Generate and save", variant="primary", id="wiz-generate")
                yield Button("Show pending", id="wiz-show")
                yield Button("Copy", id="wiz-copy")
                yield Button("Confirm it works", variant="primary", id="wiz-confirm")
                yield Button("Check old fails", variant="primary", id="wiz-old")
                yield Button("Close", id="wiz-close")

    def on_mount(self) -> None:
        self._members = self._session.exposures.still_members()
        self._render_step()

    def _render_step(self, message: str = "") -> None:
        lines = []
        for index, title in enumerate(STEPS):
            if index < self._step:
                mark = "[green]✔[/]"
            elif index == self._step:
                mark = "[bold yellow]▶[/]"
            else:
                mark = "[dim]○[/]"
            lines.append(f" {mark} {index + 1}. {title}")
        self.query_one("#wiz-steps", Static).update("\n".join(lines))
        step = self._step
        self.query_one("#wiz-policy").display = step == 0
        self.query_one("#wiz-generate").display = step == 0
        self.query_one("#wiz-show").display = step == 2 and not self._secret_shown
        self.query_one("#wiz-copy").display = step == 2
        self.query_one("#wiz-confirm").display = step == 2
        self.query_one("#wiz-old").display = step == 4
        self.query_one("#wiz-attest").display = self.manual and step in (2, 4)
        hint = {
            0: "A new secret will be generated and saved before it is shown.",
            2: "Set the pending secret on the system now, then confirm.",
            4: "The new secret is current. Now prove the old one no longer works.",
            5: "Done: the old secret is proven dead.",
        }.get(step, "")
        if step == 0 and self._members:
            hint = (
                f"⚠ {', '.join(self._members)} can still unlock itexit and will read the new "
                "secret: remove them first (Users, F3), or generate it knowing that."
            )
        self.query_one("#wiz-message", Static).update(message or hint)
        self._focus_step()

    def _focus_step(self) -> None:
        """Focus what the current step needs, so a second Enter never lands on Close."""
        step = self._step
        if step == 0:
            if not any(field.has_focus for field in self.query("#wiz-policy Input")):
                self.query_one("#wiz-generate", Button).focus()
        elif step in (2, 4):
            target = "#wiz-attest" if self.manual else ("#wiz-confirm" if step == 2 else "#wiz-old")
            self.query_one(target).focus()
        elif step == 5:
            self.query_one("#wiz-close", Button).focus()

    # --- step 1: generate and save ---------------------------------------------------------------

    @on(Input.Submitted, "#wiz-length, #wiz-words")
    @on(Button.Pressed, "#wiz-generate")
    def _generate(self) -> None:
        try:
            length = int(self.query_one("#wiz-length", Input).value or "20")
            words = int(self.query_one("#wiz-words", Input).value or "0")
            policy = PasswordPolicy(length=length, passphrase_words=words)
        except ValueError:
            self._render_step("Length is 8 to 128 characters; words 0 to 12.")
            return
        self.query_one("#wiz-generate", Button).disabled = True
        self.in_background(
            partial(self._session.credentials.start_rotation, self._summary.id, policy=policy),
            self._started,
            group="rotation",
            exclusive=False,
        )

    def _started(self, started: RotationStarted) -> None:
        self._summary = started.summary
        self._step = 2
        self._show_secret(started.secret.get_secret_value())
        self._render_step(
            f"Saved as pending (strength: {started.strength_label}). "
            "Set it on the system now, then confirm."
        )

    def _show_secret(self, secret: str) -> None:
        from textual.content import Content

        self._secret_shown = True
        shown = self.query_one("#wiz-secret", Static)
        # Not markup: a secret may hold "[" or "\\" and must appear exactly as it is stored.
        shown.update(Content.assemble("New secret:  ", (secret, "bold")))
        shown.display = True

    @on(Button.Pressed, "#wiz-show")
    def _show(self) -> None:
        self.in_background(
            partial(self._session.credentials.reveal, self._summary.id, "pending"),
            self._revealed,
            group="rotation",
            exclusive=False,
        )

    def _revealed(self, secret: str) -> None:
        self._show_secret(secret)
        self._render_step()

    @on(Button.Pressed, "#wiz-copy")
    def _copy(self) -> None:
        if not TimedCopy(self.app).available:
            self.query_one("#wiz-message", Static).update(NO_CLIPBOARD)
            return
        # the pending secret, audited as a copy before it reaches the clipboard
        self.in_background(
            partial(self._session.credentials.copy, self._summary.id, "pending"),
            self._copied,
            group="rotation",
            exclusive=False,
        )

    def _copied(self, secret: str) -> None:
        said = TimedCopy(self.app).copy(secret, "The new secret", secret=True)
        self.query_one("#wiz-message", Static).update(said)

    # --- steps 4 and 5: confirm, then prove the old one fails -------------------------------------

    def _attestation(self) -> str | None:
        if not self.manual:
            return None
        how = self.query_one("#wiz-attest", Input).value.strip()
        if not how:
            self._render_step("This system is checked by hand: say how you checked it.")
            return ""
        return how

    @on(Input.Submitted, "#wiz-attest")
    def _attested(self) -> None:
        """Enter in "How did you check?" submits the step it belongs to."""
        if self._step == 2:
            self._confirm()
        elif self._step == 4:
            self._old()

    @on(Button.Pressed, "#wiz-confirm")
    def _confirm(self) -> None:
        attest = self._attestation()
        if attest == "":
            return
        self.query_one("#wiz-message", Static).update("Checking the new secret…")
        self.in_background(
            partial(self._session.credentials.confirm_rotation, self._summary.id, attest=attest),
            self._checked,
            group="rotation",
            exclusive=False,
        )

    @on(Button.Pressed, "#wiz-old")
    def _old(self) -> None:
        attest = self._attestation()
        if attest == "":
            return
        self.query_one("#wiz-message", Static).update("Trying the old secret…")
        self.in_background(
            partial(self._session.credentials.verify, self._summary.id, old=True, attest=attest),
            self._checked,
            group="rotation",
            exclusive=False,
        )

    def _checked(self, result: CheckOutcome) -> None:
        self._summary = result.summary
        self._step = current_step(result.summary.status)
        if self._step == 4:
            self.query_one("#wiz-secret", Static).update("")
            self.query_one("#wiz-secret", Static).display = False
        self.query_one("#wiz-attest", Input).value = ""
        self._render_step(f"{result.guidance} ({result.detail})")

    def action_next_step(self) -> None:
        """Ctrl+S, as in every form: the step's own button (Close once it is done)."""
        step = self._step
        if step == 0:
            if not self.query_one("#wiz-generate", Button).disabled:
                self._generate()
        elif step == 2:
            self._confirm()
        elif step == 4:
            self._old()
        elif step == len(STEPS):
            self._close()

    @on(Button.Pressed, "#wiz-close")
    def _close(self) -> None:
        self.dismiss(self._summary)

    def action_cancel(self) -> None:
        self.dismiss(self._summary)
