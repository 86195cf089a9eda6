"""Set up the practice's vault: its name, the first manager, and that manager's passphrase."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Header, Input, Label, LoadingIndicator, Static
from textual.worker import Worker

from itexit.domain.errors import BadInput
from itexit.screens.access import VaultAccess
from itexit.screens.base import ItexitScreen
from itexit.widgets.keybar import KeyBar
from itexit.widgets.passphrase_fields import PassphraseFields

if TYPE_CHECKING:
    from itexit.services.gateway import SetupResult


class SetupScreen(ItexitScreen):
    """A short form; Create stays disabled until every field is right."""

    CSS_PATH = "setup.tcss"
    AUTO_FOCUS = "#practice"
    HELP = (
        "Create the encrypted vault for your practice. The first person is a practice manager "
        "who can add everyone else later. Choose a passphrase of a few unrelated words; it is "
        "never stored, so keep it somewhere safe. A recovery kit is shown next, once."
    )

    BINDINGS = [
        Binding(
            "escape",
            "go_back",
            "Back",
            id="setup.back",
            tooltip="Return to the first screen without creating anything",
        ),
        Binding(
            "ctrl+s",
            "create_vault",
            "Create",
            id="setup.create",
            tooltip="Create the vault once every field is filled in correctly",
        ),
    ]

    @dataclass
    class VaultCreated(Message):
        """The vault exists and its first manager is unlocked."""

        result: SetupResult

    @dataclass
    class SetupAbandoned(Message):
        """The person went back without creating a vault."""

    def __init__(self, access: VaultAccess) -> None:
        super().__init__()
        self._access = access

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with VerticalScroll(id="setup-form", classes="card"):
            yield Static("Set up your practice", classes="heading")
            yield Label("Practice name", classes="field-label")
            yield Input(placeholder="e.g. Greenway Family Practice", id="practice")
            yield Static("", id="practice-message", classes="field-message")
            yield Label("Your name (the first practice manager)", classes="field-label")
            yield Input(placeholder="The name you will unlock with, e.g. maria", id="manager")
            yield Static("", id="manager-message", classes="field-message")
            yield PassphraseFields("Your passphrase", id="setup-passphrase")
            yield Static("", id="setup-error", classes="field-message")
            with Horizontal(classes="actions"):
                yield LoadingIndicator(id="setup-busy")
                yield Button("Back", id="back")
                yield Button("Create the vault", id="create", variant="primary", disabled=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#setup-busy").display = False

    def _names(self) -> tuple[str, str]:
        practice = self.query_one("#practice", Input).value.strip()
        manager = self.query_one("#manager", Input).value.strip()
        return practice, manager

    def _problem(self) -> str | None:
        practice, manager = self._names()
        if not practice:
            return "Type the practice's name."
        if not manager:
            return "Type your name."
        return self.query_one(PassphraseFields).problem

    @on(Input.Changed, "#practice, #manager")
    def _names_changed(self, event: Input.Changed) -> None:
        message = self.query_one(f"#{event.input.id}-message", Static)
        if not event.value.strip():
            message.update("This is needed.")
        elif event.input.id == "manager" and any(c.isspace() for c in event.value.strip()):
            message.update("A user name is one word, without spaces.")
        else:
            message.update("")
        self.query_one(PassphraseFields).set_user_inputs(self._names())
        self._update_create()

    @on(PassphraseFields.Changed)
    def _passphrase_changed(self) -> None:
        self._update_create()

    def _update_create(self) -> None:
        self.query_one("#create", Button).disabled = self._problem() is not None
        self.query_one("#setup-error", Static).update("")

    @on(Input.Submitted, "#practice")
    def _to_manager(self) -> None:
        self.query_one("#manager", Input).focus()

    @on(Input.Submitted, "#manager")
    def _to_passphrase(self) -> None:
        self.query_one("#passphrase", Input).focus()

    @on(Input.Submitted, "#repeat")
    @on(Button.Pressed, "#create")
    def action_create_vault(self) -> None:
        """Create the vault in a worker (key derivation takes about half a second)."""
        problem = self._problem()
        if problem is not None:
            self.query_one("#setup-error", Static).update(problem)
            return
        if self.query_one("#setup-busy").display:
            return
        practice, manager = self._names()
        self._set_busy(True)
        self.create_vault(practice, manager, self.query_one(PassphraseFields).value)

    @on(Button.Pressed, "#back")
    def action_go_back(self) -> None:
        self.post_message(self.SetupAbandoned())

    def _set_busy(self, busy: bool) -> None:
        self.query_one("#setup-busy").display = busy
        self.query_one("#create", Button).display = not busy
        self.query_one("#back", Button).display = not busy

    def create_vault(self, practice: str, manager: str, passphrase: str) -> None:
        def create() -> SetupResult | BadInput:
            try:
                return self._access.open().create(practice, manager, passphrase)
            except BadInput as refused:
                return refused

        self.in_background(create, self._created, group="setup")

    def _created(self, result: SetupResult | BadInput) -> None:
        """The vault was created, or the service refused the form with one sentence."""
        if isinstance(result, BadInput):
            self.query_one("#setup-error", Static).update(str(result))
        else:
            self.post_message(self.VaultCreated(result))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "setup" and event.worker.is_finished:
            self._set_busy(False)
