"""First run: no vault here yet, so look around the demo practice or set up your own."""

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
from itexit.screens.base import ItexitScreen
from itexit.services.location import VaultLocation
from itexit.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from itexit.services.demo import DemoResult

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
            tooltip="Build the made-up demo practice and show its sample users",
        ),
        Binding(
            "s",
            "set_up_practice",
            "Set up my practice",
            id="first_run.setup",
            tooltip="Create your practice's vault and its first manager",
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
                    yield Static(
                        "Made-up people and systems, in a file of their own.",
                        classes="hint",
                    )
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

    @on(Button.Pressed, "#demo")
    def action_open_demo(self) -> None:
        """Build the demo practice in a worker; the app shows its users when it is ready."""
        if self.query_one("#first-run-busy").display:
            return
        self.query_one("#first-run-busy").display = True
        self.query_one("#first-run-choices").disabled = True
        self.build_demo()

    @on(Button.Pressed, "#setup")
    def action_set_up_practice(self) -> None:
        self.post_message(self.SetupChosen())

    def build_demo(self) -> None:
        def build() -> DemoResult:
            from itexit.services.demo import build_demo

            # A fresh demo each time, in its own file: the practice's vault is never touched.
            return build_demo(self._demo.open(), force=True)

        self.in_background(
            build, lambda result: self.post_message(self.DemoBuilt(result)), group="demo"
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "demo" and event.worker.is_finished:
            self.query_one("#first-run-busy").display = False
            self.query_one("#first-run-choices").disabled = False
