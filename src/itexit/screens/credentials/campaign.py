"""The rotation campaign from the credentials screen: every due credential itexit can change.

A bar moves as each system finishes; at the end the modal lists what was rotated and proven,
what needs a person and why, and what is rotated by hand. While the departing person can still
unlock the vault it asks first (every new secret would be readable by them).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, ProgressBar, Static

from itexit.domain.changing import AutoRotation, CampaignReport
from itexit.domain.errors import ItexitError, LeaverCanUnlock
from itexit.domain.wording import agree, count
from itexit.screens.base import ItexitModal

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


class CampaignModal(ItexitModal[None]):
    """Runs the campaign in a thread worker and shows its progress and its summary."""

    CSS_PATH = "campaign.tcss"
    AUTO_FOCUS = "#campaign-start"
    HELP = (
        "itexit sets a new secret on every due system it can change itself (PostgreSQL, "
        "MariaDB, OpenLDAP, Linux over SSH), tests that it works and that the old one is "
        "refused. Each system is independent: one failure never stops the others."
    )

    def __init__(self, session: UnlockedVault, *, while_member: bool = False) -> None:
        super().__init__()
        self._session = session
        self._while_member = while_member
        self._campaign_running = False
        self._stop = threading.Event()

    def compose(self) -> ComposeResult:
        with Vertical(id="campaign-dialog", classes="dialog"):
            yield Static("Rotate every due credential itexit can change", classes="heading")
            yield Static("Reading what is due…", id="campaign-status", markup=False)
            yield ProgressBar(id="campaign-progress", show_eta=False)
            with VerticalScroll(id="campaign-log-scroll"):
                yield Static("", id="campaign-log", markup=False)
            with Horizontal(classes="actions"):
                yield Button("Start", id="campaign-start", variant="primary")
                yield Button("Close", id="campaign-close")

    def on_mount(self) -> None:
        # what is due is read from the vault: off the screen's thread
        self.in_background(self._session.changing.due, self._show_due, group="campaign-due")

    def _show_due(self, due: tuple[list[str], list[tuple[str, str]]]) -> None:
        if self._campaign_running:
            return
        auto, manual = due
        self.query_one("#campaign-status", Static).update(
            f"{count(len(auto), 'due credential')} can be changed by itexit; "
            f"{len(manual)} {agree(len(manual), 'is')} rotated by hand."
        )

    @on(Button.Pressed, "#campaign-start")
    def start_pressed(self) -> None:
        if self._campaign_running:
            return
        self._campaign_running = True
        self.query_one("#campaign-start", Button).disabled = True
        self.query_one("#campaign-status", Static).update("Working…")
        self.run_campaign()

    @work(thread=True, exit_on_error=False, group="campaign", exclusive=True)
    def run_campaign(self) -> None:
        def progress(done: int, total: int, item: AutoRotation) -> None:
            self.app.call_from_thread(self.show_progress, done, total, item)

        try:
            report = self._session.changing.campaign(
                while_member=self._while_member, on_progress=progress, stop=self._stop
            )
        except LeaverCanUnlock as exc:
            sentence = (
                f"{', '.join(exc.members)} can still unlock the vault and would read every new "
                "secret: remove them first (Users, F3), or press Rotate anyway if you must "
                "rotate before that."
            )
            self.app.call_from_thread(self.show_refusal, sentence, may_go_on=True)
            return
        except ItexitError as exc:
            self.app.call_from_thread(self.show_refusal, str(exc))
            return
        self.app.call_from_thread(self.show_report, report)

    def show_progress(self, done: int, total: int, item: AutoRotation) -> None:
        self.query_one("#campaign-progress", ProgressBar).update(total=total, progress=done)
        self.query_one("#campaign-status", Static).update(f"{done} of {total}: {item.system}")

    def show_refusal(self, sentence: str, *, may_go_on: bool = False) -> None:
        self._campaign_running = False
        self.query_one("#campaign-status", Static).update(sentence)
        start = self.query_one("#campaign-start", Button)
        if may_go_on and not self._while_member:
            self._while_member = True
            start.label = "Rotate anyway"
        start.disabled = False

    def show_report(self, report: CampaignReport) -> None:
        self._campaign_running = False
        self.query_one("#campaign-progress", ProgressBar).update(
            total=max(1, len(report.done) + len(report.needs_person)),
            progress=len(report.done) + len(report.needs_person),
        )
        self.query_one("#campaign-status", Static).update(
            f"Rotated and proven: {len(report.done)}. Needs a person: "
            f"{len(report.needs_person)}. Left to rotate by hand: {len(report.manual)}."
        )
        lines = [f"✓ {r.sentence}" for r in report.done]
        lines += [f"! {r.sentence}" for r in report.needs_person]
        lines += [f"· {m}" for m in report.manual]
        self.query_one("#campaign-log", Static).update("\n".join(lines))
        self.query_one("#campaign-close", Button).focus()

    @on(Button.Pressed, "#campaign-close")
    def close_pressed(self) -> None:
        self.action_close()

    def action_cancel(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        if self._campaign_running:
            self._stop.set()
            self.query_one("#campaign-status", Static).update(
                "Stopping: the systems under way finish; no other is started."
            )
            return
        self.dismiss(None)
