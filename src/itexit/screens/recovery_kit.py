"""The recovery kit, shown once at set-up: the only way back in if every passphrase is lost."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, Header, Static

from itexit.screens.base import ItexitScreen
from itexit.widgets.keybar import KeyBar

INSTRUCTION = (
    "Print this page or write the kit down by hand, then lock it away, for example in the "
    "practice safe. If every passphrase is forgotten, this kit still opens the vault. "
    "Anyone holding it can open the vault, so never email it, photograph it or save it on "
    "this computer. It will not be shown again."
)


def kit_lines(kit: str, groups_per_line: int = 5) -> str:
    """The kit letter-spaced in groups, five to a line, easy to read aloud and copy by hand."""
    groups = [" ".join(group).ljust(9) for group in kit.split("-")]
    lines = [
        "   ".join(groups[start : start + groups_per_line])
        for start in range(0, len(groups), groups_per_line)
    ]
    width = max(len(line) for line in lines)
    return "\n".join(line.ljust(width) for line in lines)


class RecoveryKitScreen(ItexitScreen):
    """The kit in large spaced type and one checkbox before the app goes on."""

    CSS_PATH = "recovery_kit.tcss"
    AUTO_FOCUS = "#kit-stored"
    HELP = (
        "The recovery kit is a key that opens the vault without any passphrase. It is shown "
        "only now. Store it on paper, somewhere locked, before you continue."
    )

    @dataclass
    class KitStored(Message):
        """The person confirmed the kit is stored; the kit leaves the screen for good."""

    def __init__(self, kit: str) -> None:
        super().__init__()
        self._kit = kit

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with VerticalScroll(id="kit-body", classes="card"):
            yield Static("Your recovery kit", classes="heading")
            yield Static(kit_lines(self._kit), id="kit", markup=False)
            yield Static(INSTRUCTION, id="kit-instruction")
            yield Checkbox("I have stored the recovery kit safely", id="kit-stored")
            with Horizontal(classes="actions"):
                yield Button("Continue", id="kit-continue", variant="primary", disabled=True)
        yield KeyBar()

    @on(Checkbox.Changed, "#kit-stored")
    def _stored_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#kit-continue", Button).disabled = not event.value

    @on(Button.Pressed, "#kit-continue")
    def _continue(self) -> None:
        if self.query_one("#kit-stored", Checkbox).value:
            self.post_message(self.KitStored())
