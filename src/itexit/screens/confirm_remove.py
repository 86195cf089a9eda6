"""Say plainly what removing a person does and does not do, then ask once."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from itexit.screens.base import ItexitModal


def consequences(name: str) -> list[str]:
    """The four facts a manager must know before removing someone, in their words."""
    return [
        "The vault gets new keys, and every record is locked again with them.",
        f"{name}'s access ends for every future state of the vault.",
        f"Copies and backups made before today still open with {name}'s passphrase.",
        f"Every credential {name} could see becomes due for rotation: change those passwords "
        "to truly lock them out.",
    ]


class ConfirmRemoveModal(ItexitModal[bool]):
    """Returns True to remove, None (escape) or False to keep."""

    CSS_PATH = "confirm_remove.tcss"
    AUTO_FOCUS = "#keep"
    HELP = (
        "Removing a person cannot be undone. It re-keys the vault so their passphrase opens "
        "nothing new, and it starts a rotation campaign for everything they could see."
    )

    def __init__(self, name: str, role_label: str) -> None:
        super().__init__()
        self._user_name = name
        self._role_label = role_label

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="confirm-remove-dialog", classes="dialog -danger"):
            yield Static(
                f"Remove {self._user_name} ({self._role_label})?",
                classes="heading",
                markup=False,
            )
            for fact in consequences(self._user_name):
                with Horizontal(classes="fact"):
                    yield Static("•", classes="bullet")
                    yield Static(fact, classes="fact-text", markup=False)
            with Horizontal(classes="actions"):
                yield Button("Keep", id="keep")
                yield Button(f"Remove {self._user_name}", id="remove", variant="error")

    @on(Button.Pressed, "#remove")
    def _remove(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#keep")
    def _keep(self) -> None:
        self.dismiss(False)
