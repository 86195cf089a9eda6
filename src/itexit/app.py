"""The Textual app: routing between screens, global keys, the command palette, lock on idle."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from types import FrameType
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import App, ScreenStackError
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.widget import Widget
from textual.widgets import Header, Static
from textual.worker import Worker, WorkerState

from itexit.domain.errors import ItexitError, VaultRekeyed
from itexit.domain.roles import ROLE_LABELS, Permission
from itexit.domain.text import plain_reason, without_errno
from itexit.screens.access import VaultAccess
from itexit.screens.areas import AREAS, BY_KEY, area_screen
from itexit.screens.base import ItexitModal, ItexitScreen, WorkFailed, screen_actions
from itexit.screens.commands import ScreenCommands
from itexit.screens.connecting import ConnectingScreen
from itexit.screens.error import ErrorModal, RekeyedModal
from itexit.screens.first_run import FirstRunScreen
from itexit.screens.help import HelpModal, help_title
from itexit.screens.unlock import UnlockScreen
from itexit.services.location import VaultLocation

if TYPE_CHECKING:
    from itexit.domain.models import DashboardSummary
    from itexit.screens.dashboard import DashboardScreen
    from itexit.screens.setup import SetupScreen
    from itexit.services.gateway import Gateway
    from itexit.services.session import UnlockedVault

CALM = Theme(
    name="itexit",
    primary="#6C9BC2",
    secondary="#8AA8A1",
    accent="#7FB3D5",
    warning="#D9A94E",
    error="#D0675E",
    success="#7FAE83",
    foreground="#D8DEE4",
    background="#161A1F",
    surface="#1E242B",
    panel="#28303A",
    dark=True,
    variables={"button-focus-text-style": "bold underline"},
)

KEY_SETTLE_SECONDS = 0.25
"""The longest one key may hold the next back (a key that starts long work does not wait)."""

QUIET_TURNS = 4
"""Turns of the event loop with nothing waiting on the screen before a key counts as done."""

UNEXPECTED = "Something unexpected went wrong; nothing more was changed. Details are in {where}."


def describe_duration(seconds: float) -> str:
    """`300` → "5 minutes", `90` → "90 seconds", `60` → "1 minute"."""
    whole = round(seconds)
    if whole >= 60 and whole % 60 == 0:
        minutes = whole // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{whole} second{'s' if whole != 1 else ''}"


def _moves_on(message: Message) -> bool:
    """Whether a message sent to the app while a key settles decides where the next key goes:
    the key itself back from its widget, a callback (focus moves this way), or a screen's own
    request; notifications and the like keep their place in the queue."""
    if isinstance(message, events.Key):
        return message.is_forwarded
    return isinstance(message, events.Callback) or type(message).__module__.startswith("itexit.")


@dataclass
class VaultOpened(Message):
    """The gateway is open: whether a vault exists there and, if so, the practice's name."""

    exists: bool
    practice_name: str | None


HEADER_SIDES = 18
"""Columns of the header beside its title: the icon's on the left, the clock's on the right."""


class ItexitApp(App[int]):
    """Routes between screens; the screens lay things out and the services do the work."""

    # The dashboard follows the unlock at once: its styles are parsed with the app's at start,
    # not by a full re-parse of every stylesheet the moment it is first shown.
    CSS_PATH: ClassVar[list[str | PurePath]] = ["app.tcss", "screens/dashboard.tcss"]
    TITLE = "itexit"
    COMMANDS: ClassVar[set[Any]] = {ScreenCommands}
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    _settling_key = False

    BINDINGS = [
        Binding(
            "ctrl+l",
            "lock",
            "Lock",
            id="app.lock",
            tooltip="Lock now; the keys are forgotten until someone unlocks again",
        ),
        Binding(
            "f1,question_mark",
            "show_help",
            "Help",
            key_display="?",
            id="app.help",
            tooltip="What this screen is for and every key it answers to",
        ),
        Binding(
            "f2",
            "show_dashboard",
            "Dashboard",
            show=False,
            id="app.dashboard",
            tooltip="The dashboard: what the departing person can still reach",
        ),
        Binding(
            "f3",
            "show_users",
            "Users",
            show=False,
            id="app.users",
            tooltip="Go to the people who can unlock the vault",
        ),
        *(
            Binding(
                area.binding,
                f"show_area('{area.key}')",
                area.title,
                show=False,
                id=f"app.{area.key}",
                tooltip=f"Go to {area.title.lower()}",
            )
            for area in AREAS
        ),
        Binding(
            "ctrl+n",
            "set_up_practice",
            "Set up my practice",
            show=False,
            id="app.setup",
            tooltip="Leave the demo practice and create your practice's own vault",
        ),
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            priority=True,
            id="app.quit",
            tooltip="Lock the vault and close itexit",
        ),
    ]

    def __init__(
        self,
        location: VaultLocation,
        user: str | None = None,
        idle_timeout: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        gateway: Gateway | None = None,
    ) -> None:
        super().__init__()
        self.access = VaultAccess(location, gateway)
        self.practice_access = self.access
        """The practice's own vault; `access` is the demo's while the demo is open."""
        self.demo_access = VaultAccess(VaultLocation.demo())
        self.in_demo = False
        self.prefill_user = user
        self.idle_timeout = idle_timeout
        self.session: UnlockedVault | None = None
        self._clock = clock
        self._last_input = clock()
        self._practice_name: str | None = None
        self._kit_pending = False
        self._during_key: list[Message] = []
        self._previous_handlers: dict[int, Any] = {}
        # Chosen before the first stylesheet parse, so the styles are not parsed twice.
        self.register_theme(CALM)
        self.theme = CALM.name

    # --- start-up ---------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._install_signal_handlers()
        self.set_interval(1.0, self.lock_if_idle, name="idle-lock")
        found = self.access.location.file_exists()
        if found is False:
            self._reset(FirstRunScreen(self.access, self.demo_access))
            return
        if found is None:
            self._reset(ConnectingScreen(self.access.location.describe()))
        else:
            self._show_unlock()
        self.open_vault()

    @work(thread=True, exit_on_error=False, group="vault-open")
    def open_vault(self) -> None:
        gateway = self.access.open()
        exists = gateway.exists()
        self.post_message(VaultOpened(exists, gateway.practice_name() if exists else None))
        if exists:
            # Load what unlocking leads to while the person is still typing.
            import itexit.screens.dashboard
            import itexit.services.dashboard  # noqa: F401

    def on_vault_opened(self, message: VaultOpened) -> None:
        self._practice_name = message.practice_name
        screen = self.screen
        if not message.exists:
            if isinstance(screen, ConnectingScreen | UnlockScreen) and not self.in_demo:
                self._reset(FirstRunScreen(self.access, self.demo_access))
            return
        if self.session is None:
            self.title = message.practice_name or self.TITLE
            self.sub_title = "locked"
        if isinstance(screen, ConnectingScreen):
            self._show_unlock()
        elif isinstance(screen, UnlockScreen):
            screen.practice_name = message.practice_name

    def on_resize(self, event: events.Resize) -> None:
        """The header's title is worked out for a width: a new width works it out again."""
        self.call_after_refresh(self._fit_header)

    def _fit_header(self) -> None:
        for header in self.screen.query(Header):
            for title in header.query("HeaderTitle").results(Static):
                title.update(header.format_title())

    def format_title(self, title: str, sub_title: str) -> Content:
        if not sub_title:
            return Content(title)
        # who is unlocked, and as what, always shows whole: a long practice name gives way
        room = self.size.width - HEADER_SIDES - len(" · ") - len(sub_title)
        if len(title) > room:
            title = title[: max(room - 1, 8)].rstrip() + "…"
        return Content.assemble((title, "bold"), (" · ", "dim"), sub_title)

    # --- routing ------------------------------------------------------------------------------

    def _reset(self, screen: Screen[Any]) -> None:
        """Drop every screen and dialog, then show `screen` alone above the blank base."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screen)

    def _show_unlock(self, notice: str | None = None) -> None:
        self._reset(
            UnlockScreen(
                self.access,
                practice_name=self._practice_name,
                user=self.prefill_user,
                notice=notice,
                demo=self.in_demo,
            )
        )

    def on_first_run_screen_setup_chosen(self) -> None:
        from itexit.screens.setup import SetupScreen

        self.push_screen(SetupScreen(self.access))

    def on_setup_screen_setup_abandoned(self) -> None:
        from itexit.screens.setup import SetupScreen

        if isinstance(self.screen, SetupScreen):
            self.pop_screen()

    def on_first_run_screen_demo_built(self, message: FirstRunScreen.DemoBuilt) -> None:
        result = message.result
        self.access = self.demo_access
        self.in_demo = True
        self._practice_name = result.practice_name
        self.title = f"{result.practice_name} (demo)"
        self.sub_title = "locked"
        if result.users and self.prefill_user is None:
            self.prefill_user = result.users[0].name
        from itexit.screens.demo_users import DemoUsersModal

        self.push_screen(DemoUsersModal(result), lambda _: self._show_unlock())

    def on_unlock_screen_setup_chosen(self) -> None:
        self.action_set_up_practice()

    def action_set_up_practice(self) -> None:
        """Leave the demo (locking it) for the practice's own set-up."""
        if not self.in_demo:
            return
        session, self.session = self.session, None
        if session is not None:
            session.lock()
        self.access = self.practice_access
        self.in_demo = False
        self._practice_name = None
        self.prefill_user = None
        self.title = self.TITLE
        self.sub_title = ""
        from itexit.screens.setup import SetupScreen

        self._reset(FirstRunScreen(self.access, self.demo_access))
        self.push_screen(SetupScreen(self.access))

    def on_setup_screen_vault_created(self, message: SetupScreen.VaultCreated) -> None:
        self._start_session(message.result.session)
        from itexit.screens.recovery_kit import RecoveryKitScreen

        self._kit_pending = True
        self._reset(RecoveryKitScreen(message.result.recovery_kit, message.result.session))

    def on_recovery_kit_screen_kit_stored(self) -> None:
        self._kit_pending = False
        self.action_show_dashboard()

    def action_restore_backup(self) -> None:
        """Restore a backup here (confirmed before it replaces a vault), then ask to unlock."""
        from itexit.screens.backup_restore import RestoreModal, restored_notice

        def restored(result: Any) -> None:
            if result is not None:
                self._show_unlock(restored_notice(result))
                self.open_vault()

        self.push_screen(RestoreModal(self.access), restored)

    def on_unlock_screen_vault_unlocked(self, message: UnlockScreen.VaultUnlocked) -> None:
        self._start_session(message.session)
        self._reset(self._dashboard(message.session, message.summary))

    def on_dashboard_screen_area_chosen(self, message: DashboardScreen.AreaChosen) -> None:
        if message.area == "users":
            self.action_show_users()
        elif message.area in BY_KEY:
            self.action_show_area(message.area)
        else:
            self.notify(f"{message.title} is not set up yet.")

    def action_show_area(self, area: str) -> None:
        """Open an area above the dashboard, so escape or F2 comes back to it."""
        session = self.session
        if (
            session is None
            or self._kit_pending
            or area not in BY_KEY
            or type(self.screen).__name__ == BY_KEY[area].screen
        ):
            return
        self._dashboard_alone(session)
        self.push_screen(area_screen(BY_KEY[area], session))

    def _dashboard_alone(self, session: UnlockedVault) -> None:
        """Leave only the dashboard on the stack: the one already there, or a new one."""
        from itexit.screens.dashboard import DashboardScreen

        stack = self.screen_stack
        if len(stack) > 1 and isinstance(stack[1], DashboardScreen):
            while len(self.screen_stack) > 2:
                self.pop_screen()
        else:
            self._reset(self._dashboard(session))

    @staticmethod
    def _dashboard(
        session: UnlockedVault, summary: DashboardSummary | None = None
    ) -> DashboardScreen:
        from itexit.screens.dashboard import DashboardScreen

        return DashboardScreen(session, summary)

    def _start_session(self, session: UnlockedVault) -> None:
        self.session = session
        session.ctx.follow_rekey = False  # a re-key by someone else is shown, not followed
        identity = session.identity
        self._practice_name = identity.practice_name
        self.prefill_user = identity.name
        self._last_input = self._clock()
        self.title = identity.practice_name + (" (demo)" if self.in_demo else "")
        self.sub_title = f"{identity.name} ({ROLE_LABELS[identity.role]})"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "set_up_practice":
            return self.in_demo
        if action in ("lock", "show_dashboard", "show_users", "show_area"):
            # The recovery kit is shown once: nothing leaves it before it is confirmed stored.
            return self.session is not None and not self._kit_pending
        return True

    def action_show_dashboard(self) -> None:
        if self.session is not None and not self._kit_pending:
            self._reset(self._dashboard(self.session))

    def action_show_users(self) -> None:
        session = self.session
        if session is None or self._kit_pending:
            return
        if not session.can(Permission.USER_MANAGE):
            self.notify(
                "Only a practice manager can see and change who unlocks the vault.",
                title="Managers only",
                severity="warning",
            )
            return
        from itexit.screens.users import UsersScreen

        if not isinstance(self.screen, UsersScreen):
            self._dashboard_alone(session)
            self.push_screen(UsersScreen(session))

    def action_show_help(self) -> None:
        screen = self.screen
        if isinstance(screen, HelpModal):
            return
        purpose = screen.HELP if isinstance(screen, ItexitScreen | ItexitModal) else ""
        self.push_screen(HelpModal(help_title(screen), purpose, screen_actions(screen)))

    # --- errors ----------------------------------------------------------------------------------

    def on_work_failed(self, message: WorkFailed) -> None:
        self.show_error(message.error)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.show_error(event.worker.error)

    def show_error(self, error: BaseException) -> None:
        """The one place failures reach the person: a sentence in a modal, details in the log."""
        if isinstance(error, VaultRekeyed):
            if not isinstance(self.screen, RekeyedModal):
                self.push_screen(RekeyedModal(str(error)), self._lock_after_rekey)
            return
        if isinstance(error, ItexitError):
            sentence = without_errno(str(error))
        else:
            from itexit.services.crashlog import record_crash

            where = record_crash(error)
            sentence = UNEXPECTED.format(where=where)
            if isinstance(error, OSError):
                sentence = (
                    f"The computer could not do this: {plain_reason(error)}. "
                    f"Details for support are in {where}."
                )
        self.push_screen(ErrorModal(sentence))

    # --- locking ---------------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseEvent):
            self._last_input = self._clock()
        if isinstance(event, events.Key) and not event.is_forwarded and not self._settling_key:
            await self._handle_key_whole(event)
            return
        await super().on_event(event)

    def post_message(self, message: Message) -> bool:
        # While a key is being settled, what it sends the app (the key itself coming back up to
        # try the bindings, a screen's request, a focus change) is handled at once, ahead of
        # the keys typed after it.
        if self._settling_key and _moves_on(message):
            self._during_key.append(message)
            return True
        return super().post_message(message)

    async def _handle_key_whole(self, event: events.Key) -> None:
        """Let one key finish (its field, its bindings, the focus it moves) before the next.

        Keys typed quickly, or by a password manager, wait in the app's queue; without this
        the next key would reach the field that was focused when it arrived, so `abc` Tab
        `xyz` would fill one field and `/` then a letter would run the letter's binding.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + KEY_SETTLE_SECONDS
        self._settling_key = True
        try:
            await super().on_event(event)
            quiet = 0
            while quiet < QUIET_TURNS and loop.time() < deadline:
                await asyncio.sleep(0)
                if not self._screen_quiet():
                    quiet = 0
                elif self._during_key:
                    # the screen has done its part (mounted, laid out): now the app's
                    quiet = 0
                    pending, self._during_key = self._during_key, []
                    for message in pending:
                        await self.on_event(message)  # type: ignore[arg-type]
                else:
                    quiet += 1
        finally:
            self._settling_key = False
            pending, self._during_key = self._during_key, []
            for message in pending:
                super().post_message(message)

    def _screen_quiet(self) -> bool:
        try:
            nodes = list(self.screen.walk_children(Widget, with_self=True))
        except ScreenStackError:  # no screen yet
            return True
        return all(node.is_mounted and not node.message_queue_size for node in nodes)

    def lock_if_idle(self) -> None:
        """Lock if nobody pressed a key or moved the mouse for `idle_timeout` seconds."""
        if self.session is not None and self._clock() - self._last_input >= self.idle_timeout:
            self.lock_vault(f"Locked after {describe_duration(self.idle_timeout)} idle.")

    def _lock_after_rekey(self, lock: bool | None) -> None:
        if lock:
            self.lock_vault("Locked: the vault has new keys. Unlock to carry on.")

    def action_lock(self) -> None:
        self.lock_vault("Locked.")

    def lock_vault(self, notice: str) -> None:
        """Forget the keys, drop every screen, and ask for a passphrase again."""
        session, self.session = self.session, None
        if session is None:
            return
        session.lock()
        self._kit_pending = False
        self.sub_title = "locked"
        self._show_unlock(notice)

    def _install_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()

        def handle(signum: int, frame: FrameType | None) -> None:
            loop.call_soon_threadsafe(self.call_later, self._lock_and_exit, signum)

        for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if signum is not None:
                self._previous_handlers[signum] = signal.signal(signum, handle)

    def _lock_and_exit(self, signum: int) -> None:
        session, self.session = self.session, None
        if session is not None:
            session.lock()
        self.exit(return_code=128 + signum)

    async def action_quit(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            session.lock()
        self.exit(return_code=0)

    def on_unmount(self) -> None:
        for signum, previous in self._previous_handlers.items():
            signal.signal(signum, previous)
        self._previous_handlers.clear()
        if self.session is not None:
            self.session.lock()
            self.session = None
        self.practice_access.close()
        self.demo_access.close()


def run_app(location: VaultLocation, user: str | None = None) -> int:
    """Run the TUI until the person quits; the exit code for the shell. It never dumps core."""
    from itexit.services.process import harden_process

    harden_process()
    app = ItexitApp(location, user=user)
    app.run()
    return app.return_code or 0
