"""The recovery kit, shown once at set-up: the only way back in if every passphrase is lost.

Nothing leaves this screen (no dashboard, no area key, no escape) until the person has typed
the kit's last group back from their stored copy; that confirmation is an audited event the
dashboard reports. The kit can be saved as a 0600 text file or a printable PDF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Header, Input, Label, Static

from itexit.domain.errors import ItexitError
from itexit.domain.recovery_kit import kit_lines
from itexit.screens.base import ItexitScreen
from itexit.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

INSTRUCTION = (
    "Print it or write it down exactly as shown, and lock it away. If every passphrase is "
    "forgotten, this kit still opens the vault; so can anyone holding it. It is shown only now."
)

STAY = "Store the recovery kit first: type its last group below, then press Ctrl+S."


def default_kit_path(practice: str) -> Path:
    """A PDF in the home folder named after the practice."""
    slug = re.sub(r"[^a-z0-9]+", "-", practice.lower()).strip("-") or "practice"
    return Path.home() / f"{slug}-recovery-kit.pdf"


class RecoveryKitScreen(ItexitScreen):
    """The kit in large type, a way to save it, and a typed-back group before the app goes on."""

    CSS_PATH = "recovery_kit.tcss"
    AUTO_FOCUS = "#kit-check"
    HELP = (
        "The recovery kit is a key that opens the vault without any passphrase. It is shown "
        "only now. Print it (save it as a PDF first if you like) or write it down, lock it "
        "away, then type its last group from your copy to confirm. The app does not go on "
        "until you do."
    )

    BINDINGS = [
        Binding(
            "ctrl+s",
            "confirm_stored",
            "I have stored it",
            id="recovery_kit.confirm",
            tooltip="Confirm the kit is stored, once its last group is typed back",
        ),
        Binding(
            "escape",
            "stay",
            "Back",
            show=False,
            id="recovery_kit.back",
            tooltip="The kit must be stored before going anywhere else",
        ),
    ]

    @dataclass
    class KitStored(Message):
        """The person confirmed the kit is stored; the kit leaves the screen for good."""

    def __init__(self, kit: str, session: UnlockedVault | None = None) -> None:
        super().__init__()
        self._kit = kit
        self._session = session

    def compose(self) -> ComposeResult:
        practice = self._session.identity.practice_name if self._session else "practice"
        yield Header(show_clock=False, icon="")
        with VerticalScroll(id="kit-body", classes="card"):
            yield Static("Your recovery kit", classes="heading")
            yield Static("\n".join(kit_lines(self._kit)), id="kit", markup=False)
            yield Static(INSTRUCTION, id="kit-instruction")
            if self._session is not None:
                yield Label("Save a copy to print (.pdf, or .txt for text)", classes="field-label")
                with Horizontal(id="kit-save-row"):
                    yield Input(str(default_kit_path(practice)), id="kit-path")
                    yield Button("Save", id="kit-save")
                yield Static("", id="kit-save-message", classes="hint")
            yield Label(
                "From your stored copy, type the kit's last group to confirm",
                classes="field-label",
            )
            yield Input(placeholder="the five letters after the last dash", id="kit-check")
            yield Static("", id="kit-check-message", classes="field-message")
            with Horizontal(classes="actions"):
                yield Button("I have stored it", id="kit-continue", variant="primary")
        yield KeyBar()

    def _typed_back(self) -> bool:
        typed = re.sub(r"[\s-]", "", self.query_one("#kit-check", Input).value).upper()
        return typed == self._kit.rsplit("-", 1)[-1]

    @on(Input.Changed, "#kit-check")
    def _check_changed(self) -> None:
        self.query_one("#kit-check-message", Static).update("")

    @on(Input.Submitted, "#kit-check")
    @on(Button.Pressed, "#kit-continue")
    def action_confirm_stored(self) -> None:
        message = self.query_one("#kit-check-message", Static)
        if not self.query_one("#kit-check", Input).value.strip():
            message.update("Type the kit's last group, from your stored copy, to confirm.")
            self.query_one("#kit-check", Input).focus()
            return
        if not self._typed_back():
            message.update(
                "That is not the kit's last group: check your copy against the kit above."
            )
            self.query_one("#kit-check", Input).focus()
            return
        if self._session is not None:
            self.record_stored(self._session)
        else:
            self.post_message(self.KitStored())

    def record_stored(self, session: UnlockedVault) -> None:
        self.in_background(
            session.confirm_recovery_kit_stored,
            lambda _: self.post_message(self.KitStored()),
            group="kit-stored",
        )

    def action_stay(self) -> None:
        self.notify(STAY, title="Recovery kit", severity="warning")

    @on(Input.Submitted, "#kit-path")
    @on(Button.Pressed, "#kit-save")
    def _save(self) -> None:
        if self._session is None:
            return
        raw = self.query_one("#kit-path", Input).value.strip()
        if not raw:
            self.query_one("#kit-save-message", Static).update("Type where to save the kit.")
            return
        self.save_kit(self._session, Path(raw))

    def save_kit(self, session: UnlockedVault, path: Path) -> None:
        def save() -> Path | ItexitError:
            try:
                return session.save_recovery_kit(self._kit, path)
            except ItexitError as refused:
                return refused

        self.in_background(save, self._saved, group="kit-save")

    def _saved(self, written: Path | ItexitError) -> None:
        """The kit was written to `written`, or refused with a sentence that says why."""
        note = self.query_one("#kit-save-message", Static)
        if isinstance(written, ItexitError):
            note.set_class(True, "field-message")
            note.update(str(written))
        else:
            note.set_class(False, "field-message")
            note.update(
                f"Saved to {written} (only you can read it). Print it, then delete the file."
            )
