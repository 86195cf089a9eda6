"""First run: no vault here yet, so look around the demo practice or set up your own.

The demo is kept in a file of its own between visits: choosing it again reopens it as it was
left, and `n` (once there is one) starts it afresh after asking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Header, LoadingIndicator, Static
from textual.worker import Worker

from itexit.screens.access import VaultAccess
from itexit.screens.base import ItexitModal, ItexitScreen
from itexit.services.location import VaultLocation
from itexit.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from itexit.services.demo import DemoResult

NEW_DEMO = "Made-up people and systems, in a file of their own."
KEPT_DEMO = "Opens as you left it. Press n to start it afresh."

INTRO = (
    "itexit keeps the keys to your practice's systems in an encrypted vault and walks you "
    "through taking them back from a departing IT person or vendor, one step at a time."
)


class FirstRunScreen(ItexitScreen):
    """Two choices, side by side: the demo practice or a real set-up."""

    CSS_PATH = "first_run.tcss"
    HELP = (
        "There is no vault at this location yet. The demo practice is made up, with sample "
        "people and passphrases, so you can look around safely. Setting up your practice "
        "creates the real, encrypted vault and its first practice manager."
    )

    BINDINGS = [
        Binding(
            "d",
            "open_demo",
            "Demo practice",
            id="first_run.demo",
            tooltip="Open the made-up demo practice (as you left it) and show its sample users",
        ),
        Binding(
            "s",
            "set_up_practice",
            "Set up my practice",
            id="first_run.setup",
            tooltip="Create your practice's vault and its first manager",
        ),
        Binding(
            "n",
            "start_demo_afresh",
            "Demo afresh",
            id="first_run.demo_afresh",
            tooltip="Throw away what was done in the demo and build it again as new",
        ),
        Binding(
            "r",
            "app.restore_backup",
            "Restore a backup",
            id="first_run.restore",
            tooltip="Put a verified backup of your practice's vault back in place",
        ),
    ]

    @dataclass
    class DemoBuilt(Message):
        """The demo practice exists now; its sample users can log in."""

        result: DemoResult

    @dataclass
    class SetupChosen(Message):
        """The person wants to set up their own practice."""

    def __init__(self, access: VaultAccess, demo: VaultAccess | None = None) -> None:
        super().__init__()
        self._access = access
        self._demo = demo or VaultAccess(VaultLocation.demo())
        self._demo_kept = False
        """A demo practice is already built: choosing the demo reopens it."""

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="first-run-body"):
            yield Static("Welcome to itexit", classes="heading")
            yield Static(INTRO, id="first-run-intro")
            yield Static(
                f"No vault exists yet at {self._access.location.describe()}.",
                id="first-run-where",
                classes="hint",
            )
            with Horizontal(id="first-run-choices"):
                with Vertical(classes="choice"):
                    yield Button("Open the demo practice", id="demo", variant="default")
                    yield Static(NEW_DEMO, id="first-run-demo-hint", classes="hint")
                with Vertical(classes="choice"):
                    yield Button("Set up my practice", id="setup", variant="primary")
                    yield Static(
                        "Create your encrypted vault and its first practice manager.",
                        classes="hint",
                    )
            yield LoadingIndicator(id="first-run-busy")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#first-run-busy").display = False
        self.query_one("#setup", Button).focus()
        if self._demo.location.file_exists():
            self.in_background(self._find_demo, self._show_demo_kept, group="demo-kept")

    def _find_demo(self) -> bool:
        from itexit.services.demo import existing_demo

        return existing_demo(self._demo.open()) is not None

    def _show_demo_kept(self, kept: bool) -> None:
        self._demo_kept = kept
        self.query_one("#first-run-demo-hint", Static).update(KEPT_DEMO if kept else NEW_DEMO)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start_demo_afresh":
            return self._demo_kept
        return super().check_action(action, parameters)

    @on(Button.Pressed, "#demo")
    def action_open_demo(self) -> None:
        """Open the demo practice (building it the first time) in a worker; the app shows its
        users when it is ready."""
        self._open_demo(afresh=False)

    def action_start_demo_afresh(self) -> None:
        """Ask first: starting afresh throws away everything done in the demo."""
        if not self._demo_kept or self.query_one("#first-run-busy").display:
            return

        def chosen(afresh: bool | None) -> None:
            if afresh:
                self._open_demo(afresh=True)

        self.app.push_screen(StartAfreshModal(), chosen)

    def _open_demo(self, *, afresh: bool) -> None:
        if self.query_one("#first-run-busy").display:
            return
        self.query_one("#first-run-busy").display = True
        self.query_one("#first-run-choices").disabled = True
        self.build_demo(afresh=afresh)

    @on(Button.Pressed, "#setup")
    def action_set_up_practice(self) -> None:
        self.post_message(self.SetupChosen())

    def build_demo(self, *, afresh: bool = False) -> None:
        def build() -> DemoResult:
            from itexit.services.demo import build_demo, existing_demo

            # The demo has a file of its own: the practice's vault is never touched.
            gateway = self._demo.open()
            kept = None if afresh else existing_demo(gateway)
            return kept or build_demo(gateway, force=True)

        self.in_background(
            build, lambda result: self.post_message(self.DemoBuilt(result)), group="demo"
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "demo" and event.worker.is_finished:
            self.query_one("#first-run-busy").display = False
            self.query_one("#first-run-choices").disabled = False


class StartAfreshModal(ItexitModal[bool]):
    """Returns True to throw the demo away and build it again, False or None to keep it."""

    CSS_PATH = "first_run.tcss"
    AUTO_FOCUS = "#keep-demo"
    HELP = (
        "The demo practice keeps what you did in it. Starting afresh builds it again as new, "
        "dated from today; nothing of your practice's own vault is touched."
    )

    def compose(self) -> ComposeResult:
        with Vertical(id="afresh-dialog", classes="dialog -danger"):
            yield Static("Start the demo afresh?", classes="heading")
            yield Static(
                "Everything done in the demo practice since it was built is thrown away "
                "(people removed, passwords rotated, tasks closed, reviews logged), and it "
                "is built again as new. Your practice's own vault is not touched.",
                id="afresh-text",
            )
            with Horizontal(classes="actions"):
                yield Button("Keep it as it is", id="keep-demo")
                yield Button("Start afresh", id="afresh", variant="error")

    @on(Button.Pressed, "#afresh")
    def _afresh(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#keep-demo")
    def _keep(self) -> None:
        self.dismiss(False)
