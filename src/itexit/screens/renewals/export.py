"""Where to write the renewals calendar, and whether costs and e-mails may go in it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Static

from itexit.screens.base import ItexitModal
from itexit.widgets.tick import TickBox


@dataclass(frozen=True)
class ExportChoice:
    path: Path
    include_details: bool


class RenewalExportModal(ItexitModal[ExportChoice]):
    """A file name and one checkbox; the calendar leaves sealed fields out by default."""

    CSS_PATH = "renewal_export.tcss"
    AUTO_FOCUS = "#export-path"
    HELP = (
        "Writes one all-day event for each cancel-by date and each renewal date, with "
        "reminders 14 and 3 days before, to import into the practice calendar. Costs, "
        "e-mails and notes stay out unless you tick the box."
    )

    def __init__(self, suggested: Path) -> None:
        super().__init__()
        self._suggested = suggested

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="renewal-export-dialog", classes="dialog"):
            yield Static("Export the renewals calendar", classes="heading")
            yield Label("Calendar file (.ics)", classes="field-label")
            yield Input(value=str(self._suggested), id="export-path")
            yield Static("", id="export-path-message", classes="field-message")
            yield TickBox(
                "Include costs, owners, e-mails and notes", value=False, id="export-details"
            )
            yield Static(
                "Anyone who sees the calendar sees what you put in it.",
                id="export-warning",
                classes="hint",
            )
            with Horizontal(classes="actions"):
                yield Button("Cancel", id="cancel")
                yield Button("Export", id="export", variant="primary")

    def _problem(self) -> str | None:
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            return "Give a file name."
        path = Path(text).expanduser()
        if path.is_dir():
            return "That is a folder; give a file name inside it."
        if not path.parent.is_dir():
            return f"The folder {path.parent} does not exist."
        return None

    @on(Input.Changed, "#export-path")
    def _changed(self) -> None:
        problem = self._problem()
        self.query_one("#export-path-message", Static).update(problem or "")
        self.query_one("#export", Button).disabled = problem is not None

    def _save(self) -> None:
        """Ctrl+S does what the button does."""
        self._export()

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export")
    def _export(self) -> None:
        if self._problem() is not None:
            return
        path = Path(self.query_one("#export-path", Input).value.strip()).expanduser()
        self.dismiss(ExportChoice(path, self.query_one("#export-details", Checkbox).value))
