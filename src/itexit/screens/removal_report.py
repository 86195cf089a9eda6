"""What a removal did: the vault's new keys and the credentials now due for rotation."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from itexit.domain.models import RemovalReport
from itexit.domain.wording import count
from itexit.screens.base import ItexitModal


class RemovalReportModal(ItexitModal[None]):
    """A plain account of the re-key, so the manager knows what to rotate next."""

    CSS_PATH = "removal_report.tcss"
    AUTO_FOCUS = "#report-close"
    HELP = (
        "The person is removed and the vault re-keyed. Their passphrase no longer opens the "
        "current vault. Change every credential listed here to lock them out of the systems "
        "themselves."
    )

    def __init__(self, report: RemovalReport) -> None:
        super().__init__()
        self._report = report

    def compose(self) -> ComposeResult:
        report = self._report
        with Vertical(id="report-dialog", classes="dialog"):
            yield Static(f"{report.removed} was removed", classes="heading", markup=False)
            yield Static(
                "The vault's keys were changed: "
                f"{count(report.records_reencrypted, 'record was', 'records were')} locked "
                "again with the new keys.",
                id="report-epoch",
            )
            if report.rotation_due:
                yield Static(
                    f"{count(len(report.rotation_due), 'credential is', 'credentials are')} now "
                    "due for rotation:",
                    id="report-due-heading",
                )
                with VerticalScroll(id="report-due-list"):
                    yield Static(
                        "\n".join(f"•  {name}" for name in report.rotation_due),
                        id="report-due",
                        markup=False,
                    )
            else:
                yield Static(
                    "No credentials were in their reach, so none needs rotating.",
                    id="report-due-heading",
                )
            yield Static(
                "Old backups still open with their passphrase; keep them locked away.",
                classes="hint",
            )
            if report.cleanup_problem:
                yield Static(report.cleanup_problem, id="report-cleanup", markup=False)
            with Horizontal(classes="actions"):
                yield Button("Done", id="report-close", variant="primary")

    @on(Button.Pressed, "#report-close")
    def _close(self) -> None:
        self.dismiss(None)
