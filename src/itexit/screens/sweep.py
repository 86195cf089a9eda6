"""The sweep: the practice's own servers read for ways in left to the departing person.

Hosts come from the inventory (credentials marked as an admin account for the sweep). A
sweep runs in a worker, each host's line updating as it is read; findings are grouped by host,
and each can be closed on its server (after a confirmation) or read again.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Header, Static

from itexit.domain.roles import Permission
from itexit.domain.sweep import (
    KIND_LABELS,
    CloseOutcome,
    Finding,
    FindingStatus,
    HostReport,
    Severity,
    SweepHost,
    SweepReport,
)
from itexit.domain.wording import count
from itexit.screens.base import DIALOG, ItexitModal, ItexitScreen
from itexit.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


class CloseFindingModal(ItexitModal[bool]):
    """Says what closing will change on the server, then asks once."""

    CSS_PATH = "sweep.tcss"
    AUTO_FOCUS = "#leave"
    HELP = (
        "Closing changes the server: the app does what is shown, keeps a backup where a file "
        "or script is changed, then reads the server again to prove it is gone."
    )

    def __init__(self, finding: Finding) -> None:
        super().__init__()
        self._finding = finding

    def compose(self) -> ComposeResult:
        item = self._finding
        with VerticalScroll(id="sweep-close-dialog", classes="dialog -danger"):
            yield Static(f"Close on {item.system or item.host}?", classes="heading", markup=False)
            yield Static(item.subject, classes="sweep-subject", markup=False)
            yield Static(item.why, classes="sweep-why", markup=False)
            yield Static(f"The app will: {item.closes}", classes="sweep-closes", markup=False)
            with Horizontal(classes="actions"):
                yield Button("Leave it", id="leave")
                yield Button("Close it on the server", id="close", variant="error")

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#leave")
    def _leave(self) -> None:
        self.dismiss(False)


class SweepScreen(ItexitScreen):
    """Hosts with their progress above, the findings grouped by host below."""

    CSS_PATH = "sweep.tcss"
    AUTO_FOCUS = "#sweep-findings"
    HELP = (
        "A new password does not end an SSH key, a mail forwarding rule, the person's own "
        "account on a server or a session already open. The sweep reads the practice's own "
        "servers with the admin accounts marked in the inventory and lists each way in left. "
        "Close one on its server, or read its host again once someone has closed it by hand."
    )

    BINDINGS = [
        Binding("s", "run_sweep", "Sweep now", id="sweep.run", tooltip="Read every host again"),
        Binding(
            "c",
            "close_finding",
            "Close",
            id="sweep.close",
            tooltip="Close the selected finding on its server, then prove it closed",
        ),
        Binding(
            "k",
            "recheck_finding",
            "Re-check",
            id="sweep.recheck",
            tooltip="Read the finding's host again: it closes if it is gone",
        ),
        Binding("escape", "go_back", "Back", id="sweep.back", tooltip="Back"),
    ]

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._session = session
        self._hosts: list[SweepHost] = []
        self._progress: dict[str, str] = {}
        self._findings: list[Finding] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="sweep-body"):
            yield Static("Sweep of the practice's servers", classes="heading")
            yield Static("Reading the inventory…", id="sweep-hint", classes="hint")
            yield DataTable(id="sweep-hosts", cursor_type="none", show_cursor=False)
            yield DataTable(id="sweep-findings", cursor_type="row", zebra_stripes=True)
            yield Static("", id="sweep-detail", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        self.in_background(self._read, self._loaded, group="sweep-load")

    def _read(self) -> tuple[list[SweepHost], list[Finding]]:
        sweep = self._session.sweep
        return sweep.hosts(), sweep.findings(status=FindingStatus.OPEN)

    def _loaded(self, read: tuple[list[SweepHost], list[Finding]]) -> None:
        self._hosts, self._findings = read
        for host in self._hosts:
            self._progress.setdefault(host.host, "not read yet")
        self._show_hosts()
        self._show_findings()

    def _show_hosts(self) -> None:
        table = self.query_one("#sweep-hosts", DataTable)
        table.clear(columns=True)
        table.add_column("Host", key="host", width=max([4, *(len(h.host) for h in self._hosts)]))
        table.add_column(
            "System", key="system", width=max([6, *(len(h.system) for h in self._hosts)])
        )
        table.add_column("Progress", key="progress", width=40)
        for host in self._hosts:
            state = self._progress.get(host.host, "")
            style = "bold red" if state.startswith("NOT READ") else ""
            table.add_row(host.host, host.system, Text(state, style=style), key=host.host)
        table.display = bool(self._hosts)
        hint = self.query_one("#sweep-hint", Static)
        open_count = len(self._findings)
        if not self._hosts and not self._session.can(Permission.CRED_ROTATE):
            hint.update(
                "Your role can read what the sweep found; a manager or IT consultant runs it."
                + (f" {count(open_count, 'way in', 'ways in')} recorded." if open_count else "")
            )
        elif not self._hosts:
            hint.update(
                "No admin account is marked for the sweep: mark one in its credential: F5, e, "
                "'An admin account the sweep uses'."
                + (f" {count(open_count, 'way in', 'ways in')} recorded." if open_count else "")
            )
        else:
            hint.update(
                f"{count(len(self._hosts), 'host')} from the inventory · "
                f"{count(open_count, 'way in', 'ways in')} open. "
                "Press s to sweep now."
            )

    def _show_findings(self) -> None:
        table = self.query_one("#sweep-findings", DataTable)
        table.clear(columns=True)
        labels = [len(f.system or f.host) for f in self._findings]
        table.add_column("Host", key="host", width=min(28, max([4, *labels])))
        table.add_column("Kind", key="kind", width=21)
        table.add_column(
            "What", key="subject", width=max([4, *(len(f.subject) for f in self._findings)])
        )
        self._findings.sort(key=lambda f: (f.host, f.severity is not Severity.ALERT, f.kind))
        last = None
        for item in self._findings:
            label = item.system or item.host
            shown = label if item.host != last else ""
            last = item.host
            flag = ("! ", "bold red") if item.severity is Severity.ALERT else ("? ", "yellow")
            table.add_row(
                Text(shown, style="bold"),
                Text.assemble(flag, KIND_LABELS[item.kind]),
                item.subject,
                key=item.id,
            )
        self._show_detail()

    def _selected(self) -> Finding | None:
        table = self.query_one("#sweep-findings", DataTable)
        if 0 <= table.cursor_row < len(self._findings):
            return self._findings[table.cursor_row]
        return None

    def _show_detail(self) -> None:
        item = self._selected()
        detail = self.query_one("#sweep-detail", Static)
        if item is None:
            detail.update("No way in is open on the hosts swept so far.")
            return
        detail.update(f"{item.why}\nTo close: {item.closes}")

    @on(DataTable.RowHighlighted, "#sweep-findings")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    # --- sweeping ---------------------------------------------------------------------------

    def action_run_sweep(self) -> None:
        if not self._hosts:
            self.notify("No admin account is marked for the sweep.", severity="warning")
            return
        for host in self._hosts:
            self._progress[host.host] = "reading…"
        self._show_hosts()
        app = self.app  # (from the sweep's thread, only while the screen is open)

        def progress(report: HostReport) -> None:
            app.call_from_thread(self._host_read, report)

        self.in_background(
            partial(self._session.sweep.run, on_host=progress), self._swept, group="sweep-run"
        )

    def _host_read(self, report: HostReport) -> None:
        if not self.is_attached:
            return  # the screen was left: the sweep goes on without it
        if report.reached:
            state = f"read in {report.seconds:.1f} s"
            if report.problems:
                state += f" · {count(len(report.problems), 'note')}"
        else:
            state = f"NOT READ: {report.problems[0] if report.problems else ''}"
        self._progress[report.host] = state
        self._show_hosts()

    def _swept(self, report: SweepReport) -> None:
        found = len(report.findings)
        self.notify(
            f"{count(found, 'way in', 'ways in')} found."
            if found
            else "Nothing found on the hosts read.",
            severity="warning" if found else "information",
        )
        self.load()

    # --- acting on a finding ------------------------------------------------------------------

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_close_finding(self) -> None:
        item = self._selected()
        if item is None:
            self.notify("Nothing to close.", severity="warning")
            return
        if await self.app.push_screen_wait(CloseFindingModal(item)):
            self.in_background(
                partial(self._session.sweep.close, item.id), self._finding_closed, group="sweep-act"
            )

    def _finding_closed(self, outcome: CloseOutcome) -> None:
        if outcome.proven:
            self.notify(f"Done: {outcome.done}. Proven closed by a re-check.")
        else:
            self.notify(
                f"Done: {outcome.done}, but a re-check still finds it: look at the host.",
                severity="error",
            )
        self.load()

    def action_recheck_finding(self) -> None:
        item = self._selected()
        if item is None:
            self.notify("Nothing to re-check.", severity="warning")
            return
        self.in_background(
            partial(self._session.sweep.recheck, item.id), self._rechecked, group="sweep-act"
        )

    def _rechecked(self, after: Finding) -> None:
        self.notify(
            "Proven closed: the host no longer has it."
            if after.status is FindingStatus.CLOSED
            else "Still there on the host."
        )
        self.load()

    def action_go_back(self) -> None:
        self.dismiss()
