"""Unlock the vault: a user name and a passphrase, checked off the UI thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Header, Input, Label, LoadingIndicator, Static
from textual.worker import Worker

from itexit.domain.errors import AuthenticationFailed, ItexitError
from itexit.screens.access import VaultAccess
from itexit.screens.base import DIALOG, ItexitScreen
from itexit.services.memory import held_text, wipe, wipe_text
from itexit.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from itexit.domain.models import DashboardSummary
    from itexit.services.session import UnlockedVault


class PassphraseInput(Input):
    """A password field whose earlier values are overwritten as a person types, and whose
    value is handed over once (`take`) as UTF-8 in a buffer to wipe, the field left empty.

    Best effort: Textual keeps the value in a `str`. Only a value this field made itself from
    the keys typed is zeroed in place; a value set by the program or pasted whole may be
    shared with other code, and is only dropped.
    """

    _made: str | None = None
    """The current value, when this field made it (and nothing else holds it)."""

    def replace(self, text: str, start: int, end: int) -> None:
        old = self.value
        super().replace(text, start, end)
        new = self.value
        if new is old:
            return
        if old is self._made:
            wipe_text(old)
        self._made = new if new is not text else None

    def take(self) -> bytearray:
        """The passphrase typed, in a buffer the caller wipes; the field is emptied."""
        buffer = held_text(self.value)
        self.clear_secret()
        return buffer

    def clear_secret(self) -> None:
        typed, made = self.value, self._made
        self._made = None
        self.value = ""
        if typed is made:
            wipe_text(typed)


class UnlockScreen(ItexitScreen):
    """The door: nothing of the vault is readable until a person unlocks it here."""

    CSS_PATH = "unlock.tcss"
    AUTO_FOCUS = None
    HELP = (
        "Unlock the practice's vault with your own user name and passphrase. Each person has "
        "their own; nobody needs to know anyone else's. A wrong name or passphrase gets the "
        "same message either way, so the screen never reveals which user names exist."
    )

    BINDINGS = [
        Binding(
            "ctrl+n",
            "set_up_practice",
            "Set up my practice",
            id="unlock.setup",
            tooltip="Leave the demo practice and create your practice's own vault",
        ),
        Binding(
            "ctrl+o",
            "recover",
            "Forgot passphrase",
            id="unlock.recover",
            tooltip="Set a new passphrase with the practice's recovery kit",
        ),
        Binding(
            "ctrl+r",
            "app.restore_backup",
            "Restore a backup",
            id="unlock.restore",
            tooltip="Replace this vault with a verified backup (asks before replacing)",
        ),
    ]

    practice_name: reactive[str | None] = reactive(None)
    """Shown as the title once the vault has been opened."""

    @dataclass
    class VaultUnlocked(Message):
        """A person unlocked the vault; the app takes the session from here."""

        session: UnlockedVault
        summary: DashboardSummary | None = None

    @dataclass
    class SetupChosen(Message):
        """From the demo: leave it and set up the practice's own vault."""

    def __init__(
        self,
        access: VaultAccess,
        *,
        practice_name: str | None = None,
        user: str | None = None,
        notice: str | None = None,
        demo: bool = False,
    ) -> None:
        super().__init__()
        self._access = access
        self._demo = demo
        self._user = user or ""
        self._notice = notice
        self.set_reactive(UnlockScreen.practice_name, practice_name)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="unlock-card", classes="card"):
            yield Static(self._title(), id="unlock-title", classes="heading")
            yield Static(self._where(), id="unlock-where", classes="hint")
            notice = Static(self._notice or "", id="unlock-notice", classes="notice")
            notice.display = bool(self._notice)
            yield notice
            yield Label("User name", classes="field-label")
            yield Input(self._user, placeholder="Your user name", id="user")
            yield Label("Passphrase", id="passphrase-label", classes="field-label")
            yield PassphraseInput(password=True, placeholder="Your passphrase", id="passphrase")
            yield Static("", id="unlock-error", classes="field-message")
            with Vertical(id="unlock-actions", classes="actions"):
                yield LoadingIndicator(id="unlock-busy")
                yield Button("Unlock", id="unlock", variant="primary")
            if self._demo:
                with Horizontal(id="unlock-setup-row"):
                    yield Static("Done looking around?", classes="hint")
                    yield Button("Set up my practice", id="unlock-setup")
        yield KeyBar()

    def _where(self) -> str:
        if self._demo:
            return "The made-up demo practice, kept apart from your practice's vault."
        return self._access.location.describe()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "set_up_practice":
            return self._demo
        if action == "recover":
            return not self._demo  # the demo's people are listed with their passphrases
        return True

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_recover(self) -> None:
        """A forgotten passphrase: the recovery kit sets a new one, then the vault opens."""
        from itexit.screens.recover import RecoverModal

        name = self.query_one("#user", Input).value.strip()
        session = await self.app.push_screen_wait(RecoverModal(self._access, name))
        if session is not None:
            self._set_busy(True)
            self._after_recovery(session)

    @work(thread=True, exit_on_error=False, group="unlock", exclusive=True)
    def _after_recovery(self, session: UnlockedVault) -> None:
        self._opened(session)

    @on(Button.Pressed, "#unlock-setup")
    def action_set_up_practice(self) -> None:
        """Leave the demo and create the practice's own vault."""
        if self._demo:
            self.post_message(self.SetupChosen())

    def on_mount(self) -> None:
        self.query_one("#unlock-busy").display = False
        target = "#passphrase" if self._user else "#user"
        self.query_one(target, Input).focus()

    def _title(self) -> str:
        if self.practice_name and self._demo:
            return f"Unlock {self.practice_name} (demo)"
        if self.practice_name:
            return f"Unlock {self.practice_name}"
        return "Unlock the vault"

    def watch_practice_name(self) -> None:
        if self.is_mounted:
            self.query_one("#unlock-title", Static).update(self._title())

    @on(Input.Submitted, "#user")
    def _to_passphrase(self) -> None:
        self.query_one("#passphrase", Input).focus()

    @on(Input.Submitted, "#passphrase")
    @on(Button.Pressed, "#unlock")
    def action_unlock_vault(self) -> None:
        """Check the name and passphrase in a worker; the form waits meanwhile."""
        name = self.query_one("#user", Input).value.strip()
        field = self.query_one("#passphrase", PassphraseInput)
        error = self.query_one("#unlock-error", Static)
        if not name:
            error.update("Type your user name.")
            self.query_one("#user", Input).focus()
            return
        if not field.value:
            error.update("Type your passphrase.")
            field.focus()
            return
        error.update("")
        self._set_busy(True)
        self.unlock(name, field.take())

    def _set_busy(self, busy: bool) -> None:
        self.query_one("#unlock-busy").display = busy
        self.query_one("#unlock", Button).display = not busy
        for field in self.query(Input):
            field.disabled = busy

    @work(thread=True, exit_on_error=False, group="unlock", exclusive=True)
    def unlock(self, name: str, passphrase: bytearray) -> None:
        """Unlock with the passphrase's buffer, which is wiped here unless it is handed on to
        sign the member list."""
        handed_on = False
        try:
            handed_on = self._unlock(name, passphrase)
        finally:
            if not handed_on:
                wipe(passphrase)

    def _unlock(self, name: str, passphrase: bytearray) -> bool:
        gateway = self._access.open()
        from itexit.services.roster import RosterUnsigned

        try:
            session = gateway.unlock(name, passphrase)
        except AuthenticationFailed as refused:
            self.call_later(self._show_refusal, str(refused))
            return False
        except RosterUnsigned as unsigned:
            if not unsigned.can_sign:
                self.call_later(self._show_refusal, str(unsigned))
                return False
            try:
                lines = gateway.upgrade_preview()
            except ItexitError:
                self.call_later(self._show_refusal, str(unsigned))
                return False
            self.call_later(self._ask_to_sign, name, passphrase, lines)
            return True
        self._opened(session)
        return False

    @work(thread=True, exit_on_error=False, group="unlock", exclusive=True)
    def sign_roster(self, name: str, passphrase: bytearray) -> None:
        """Sign the member list as the manager shown it, then carry on as an unlock."""
        try:
            session = self._access.open().upgrade(name, passphrase)
        except ItexitError as refused:
            self.call_later(self._show_refusal, str(refused))
            return
        finally:
            wipe(passphrase)
        self._opened(session)

    def _opened(self, session: UnlockedVault) -> None:
        # The dashboard comes next: its numbers are read here, off the screen's thread. If they
        # cannot be read, the vault is still unlocked: the dashboard reads them itself and says
        # what went wrong.
        try:
            summary: DashboardSummary | None = session.dashboard()
        except ItexitError:
            summary = None
        self.post_message(self.VaultUnlocked(session, summary))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "unlock" and event.worker.is_finished:
            self._set_busy(False)

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def _ask_to_sign(self, name: str, passphrase: bytearray, lines: list[str]) -> None:
        """The vault's member list was never signed: a manager is asked to sign it."""
        from itexit.screens.sign_roster import SignRosterModal

        self._set_busy(False)
        if await self.app.push_screen_wait(SignRosterModal(lines)):
            self._set_busy(True)
            self.sign_roster(name, passphrase)
        else:
            wipe(passphrase)
            self._show_refusal(
                "Nothing was signed; the vault stays locked until a manager signs its member list."
            )

    def _show_refusal(self, reason: str) -> None:
        """The name and passphrase did not unlock the vault; `reason` is the sentence to show."""
        self._set_busy(False)
        self.query_one("#unlock-error", Static).update(reason)
        passphrase = self.query_one("#passphrase", PassphraseInput)
        passphrase.clear_secret()
        passphrase.focus()
