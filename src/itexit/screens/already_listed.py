""" "This looks like X already listed — add anyway?": asked before a likely duplicate is added."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from itexit.domain.duplicates import already_listed_question
from itexit.screens.base import ItexitModal


class AlreadyListedModal(ItexitModal[bool]):
    """True adds it anyway; False or escape goes back to the form, with nothing lost."""

    CSS_PATH = "already_listed.tcss"
    AUTO_FOCUS = "#listed-back"
    HELP = (
        "Something very like this is already listed. Go back to check the form, or add it "
        "anyway when it really is a different one."
    )

    def __init__(self, listed: list[str]) -> None:
        super().__init__()
        self._listed = listed

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="listed-dialog", classes="dialog"):
            yield Static(already_listed_question(self._listed[0]), classes="heading", markup=False)
            if len(self._listed) > 1:
                others = "\n".join(f"•  {what}" for what in self._listed[1:])
                yield Static(f"Also alike:\n{others}", classes="hint", markup=False)
            with Horizontal(classes="actions"):
                yield Button("Back to the form", id="listed-back")
                yield Button("Add anyway", id="listed-add", variant="warning")

    @on(Button.Pressed, "#listed-add")
    def _add(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#listed-back")
    def _back(self) -> None:
        self.dismiss(False)
