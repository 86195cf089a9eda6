"""Contracts, licences, domains and certificates, by the next date to act."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, ProgressBar, Static
from textual.worker import Worker, get_current_worker

from itexit.domain.duplicates import renewal_described
from itexit.domain.renewals import (
    Band,
    CheckResult,
    CheckStatus,
    MonthLoad,
    NewRenewal,
    RenewalState,
    RenewalStatus,
    RenewalSummary,
    timeline,
)
from itexit.domain.roles import Permission
from itexit.domain.wording import count
from itexit.screens.base import DIALOG, ItexitScreen
from itexit.screens.renewals.export import ExportChoice, RenewalExportModal
from itexit.screens.renewals.form import RenewalEdit, RenewalFormModal
from itexit.widgets.keybar import KeyBar
from itexit.widgets.virtual_table import Column, VirtualTable

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

BAND_STYLES: dict[Band, str] = {
    Band.OVERDUE: "bold red",
    Band.DAYS_30: "dark_orange",
    Band.DAYS_60: "yellow",
    Band.DAYS_90: "green",
    Band.LATER: "",
    Band.NONE: "dim",
}
BAND_NAMES: dict[Band, str] = {
    Band.OVERDUE: "overdue",
    Band.DAYS_30: "≤ 30 days",
    Band.DAYS_60: "≤ 60 days",
    Band.DAYS_90: "≤ 90 days",
    Band.LATER: "later",
    Band.NONE: "",
}
BARS = " ▁▂▃▄▅▆▇█"


def when_text(item: RenewalSummary) -> str:
    if item.days_left is None:
        return "—"
    if item.days_left < 0:
        return f"{-item.days_left}d late"
    if item.days_left == 0:
        return "today"
    return f"in {item.days_left}d"


COLUMNS = [
    Column("date", "Date", width=10),
    Column("when", "When", width=8, align="right"),
    Column("do", "Do", min_width=9, max_width=19, flex=1),
    Column("vendor", "Vendor", min_width=21, max_width=22, flex=3),
    Column("item", "Item", min_width=14, flex=3),
    Column("kind", "Kind", min_width=8, max_width=12, flex=2, hide_below=100),
]
"""Fixed widths for dates; the rest share what is left (cut with an ellipsis when narrow, the
detail panel showing it whole), so a row fits an 80-column terminal without scrolling sideways."""


def render_cell(item: RenewalSummary, key: str) -> str | Text:
    style = BAND_STYLES[item.band]
    if key == "date":
        when = item.next_action_date
        return Text(when.isoformat() if when else "—", style=style)
    if key == "when":
        return Text(when_text(item), style=style)
    if key == "do":  # a missed date says what was due by it; "…d late" beside it says the rest
        late = item.status is RenewalStatus.OVERDUE
        return Text(item.action_label if late else item.next_action, style=style)
    if key == "vendor":  # "!": the departing person is still this renewal's contact
        if item.departing_contact:
            return Text.assemble(("! ", "bold red"), item.vendor)
        return item.vendor
    if key == "item":
        return item.item
    return Text(item.kind.value, style="dim")


def sort_value(item: RenewalSummary, key: str) -> Any:
    """Dates and days sort as dates and numbers, undated last; the rest by their text."""
    if key in ("date", "when"):
        return (item.days_left is None, item.days_left or 0)
    if key == "vendor":
        return item.vendor.lower()
    return str(render_cell(item, key)).lower()


def money(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    if amount >= 10000:
        return f"{amount / 1000:.0f}k"
    if amount >= 1000:
        return f"{amount / 1000:.1f}k"
    return f"{amount:.0f}"


def timeline_text(months: list[MonthLoad], sealed: bool, bar_rows: int = 2, width: int = 6) -> Text:
    """Twelve columns: a bar per month sized by its count, the count, the cost and the month."""
    top = max((m.count for m in months), default=0)
    text = Text()
    if months:
        first = months[0]
        text.append(
            f"Next 12 months from {first.label.split()[0]} {first.year}: renewals per month"
            + ("" if sealed else " and what they cost"),
            style="bold",
        )
        text.append("\n")
    for row in range(bar_rows, 0, -1):
        for month in months:
            level = 0 if top == 0 else round(month.count * 8 * bar_rows / top)
            part = max(0, min(8, level - (row - 1) * 8))
            cell = (BARS[part] * 3).center(width) if month.count else " " * width
            text.append(cell, style="cyan")
        text.append("\n")
    for month in months:
        text.append((str(month.count) if month.count else "·").center(width), style="bold")
    text.append("\n")
    if not sealed:
        for month in months:
            text.append(money(month.cost).center(width), style="green")
        text.append("\n")
    for month in months:
        label = month.label.split()[0]
        if month.month == 1 and width > 6:
            label += f"'{month.year % 100:02d}"
        text.append(label.center(width), style="dim")
    return text


def detail_text(item: RenewalSummary | None, can_read: bool) -> Text:
    """The selected renewal, most urgent facts first (the narrow layout shows only the top)."""
    if item is None:
        return Text("No renewal selected.", style="dim")
    text = Text()
    text.append(f"{item.vendor}: ", style="bold")
    text.append(f"{item.item}\n", style="bold")
    style = BAND_STYLES[item.band] or "bold"
    when = item.next_action_date.isoformat() if item.next_action_date else "—"
    text.append(f"{item.next_action.capitalize()} {when} ({when_text(item)})\n", style=style)
    if item.departing_contact:
        text.append(f"! {item.departing_reason}\n", style="bold red")
    text.append(f"{item.action_label.capitalize()} {item.cancel_by.isoformat()}")
    text.append(f" · notice {item.notice_days} d · date {item.renewal_date.isoformat()}\n")
    text.append(f"{item.kind.value}", style="dim")
    text.append(" · auto-renews" if item.auto_renew else " · does not auto-renew", style="dim")
    text.append(f" · {item.billing_cycle.value.replace('_', '-')}", style="dim")
    text.append(f" · {item.status.value}\n\n", style="dim")
    if item.sealed or not can_read:
        text.append("Cost, owner, e-mails and notes are sealed for your role.\n", style="dim")
    else:
        rows = (
            ("Cost", f"{item.cost:,.2f}" if item.cost is not None else ""),
            ("Owner", item.owner or ""),
            ("Registrant", item.registrant_email or ""),
            ("Billing", item.billing_email or ""),
            ("Notes", item.notes or ""),
        )
        for label, value in rows:
            if value:
                text.append(f"{label:<11}", style="dim")
                text.append(f"{value}\n")
    if item.check_target:
        text.append("\nLive check ", style="dim")
        text.append(f"{item.check_target}: ")
        status_style = {
            CheckStatus.OK: "green",
            CheckStatus.CHANGED: "yellow",
            CheckStatus.WARNING: "dark_orange",
            CheckStatus.FAILED: "bold red",
        }.get(item.check_status, "dim")
        text.append(item.check_status.value, style=status_style)
        if item.checked_at is not None:
            text.append(f" {item.checked_at:%Y-%m-%d %H:%M}", style="dim")
        if item.check_message:
            text.append(f"\n{item.check_message}", style=status_style)
    return text


class RenewalsScreen(ItexitScreen):
    """Renewals sorted by the next date someone must act, with a year's timeline."""

    CSS_PATH = "renewals.tcss"
    AUTO_FOCUS = "#renewals-table"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    HELP = (
        "Every contract, licence, domain, certificate, subscription and warranty, sorted by the "
        "next date someone must act: the cancel-by date of what renews by itself, the renew-by "
        "date of what lapses. Red is overdue; orange, yellow and green are within 30, 60 and 90 "
        "days. 'Check now' reads domain expiry by RDAP and certificate expiry by TLS and updates "
        "any date that changed at the source."
    )

    BINDINGS = [
        Binding("a", "add_renewal", "Add", id="renewals.add", tooltip="Record a renewal"),
        Binding(
            "e", "edit_renewal", "Edit", id="renewals.edit", tooltip="Change the selected renewal"
        ),
        Binding(
            "c",
            "check_now",
            "Check now",
            id="renewals.check",
            tooltip="Read domain and certificate expiry live (press again to stop)",
        ),
        Binding(
            "x",
            "export_ics",
            "Export ics",
            id="renewals.export",
            tooltip="Write the cancel-by and renewal dates to a calendar file",
        ),
        Binding(
            "r",
            "refresh_renewals",
            "Refresh",
            show=False,
            id="renewals.refresh",
            tooltip="Read the list again",
        ),
        Binding("escape", "go_back", "Back", id="renewals.back", tooltip="Back to the dashboard"),
    ]

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._session = session
        self._items: list[RenewalSummary] = []
        self._months: list[MonthLoad] = []
        self._checking: Worker[None] | None = None

    @property
    def can_write(self) -> bool:
        return self._session.can(Permission.RENEWAL_WRITE)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="renewals-body"):
            yield Static("Renewals, by the next date to act", classes="heading")
            yield Static("", id="renewals-summary", classes="hint")
            with Horizontal(id="renewals-main"):
                yield VirtualTable(
                    COLUMNS,
                    render_cell=render_cell,
                    row_key=lambda item: item.id,
                    sort_value=sort_value,
                    empty_text="No renewals to show.",
                    id="renewals-table",
                )
                yield Static("", id="renewal-detail")
            with Horizontal(id="renewal-progress-row"):
                yield Static("", id="renewal-progress-label")
                yield ProgressBar(id="renewal-progress", show_eta=False)
            yield Static("", id="renewal-timeline")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#renewal-progress-row").display = False
        self.load_renewals()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("add_renewal", "edit_renewal", "check_now"):
            return self.can_write
        return True

    # --- reading ------------------------------------------------------------------------------

    def action_refresh_renewals(self) -> None:
        self.load_renewals()

    def load_renewals(self) -> None:
        def read() -> tuple[list[RenewalSummary], list[MonthLoad]]:
            today = date.today()
            items = self._session.renewals.list(today)
            return items, timeline(items, today)

        self.in_background(read, self._show_renewals, group="renewals")

    def _show_renewals(self, read: tuple[list[RenewalSummary], list[MonthLoad]]) -> None:
        self._items, self._months = read
        self._table().set_rows(self._items)  # the highlighted renewal stays highlighted
        self._show_summary()
        self._show_timeline()
        self._show_detail()

    def _show_timeline(self) -> None:
        sealed = any(i.sealed for i in self._items)
        rows = 1 if self.has_class("-short") else 2
        width = 6 if self.has_class("-narrow") else 7
        self.query_one("#renewal-timeline", Static).update(
            timeline_text(self._months, sealed, rows, width)
        )

    def on_resize(self) -> None:
        if self._months:
            self._show_timeline()

    def _show_summary(self) -> None:
        counts: dict[Band, int] = {}
        for item in self._items:
            counts[item.band] = counts.get(item.band, 0) + 1
        if not self._items:
            text = Text(
                "No renewals yet. Press a to record one: contracts, licences, domains, "
                "certificates, subscriptions, warranties.",
                style="dim",
            )
        else:
            text = Text(f"{count(len(self._items), 'renewal')}: ")
            parts = [b for b in (Band.OVERDUE, Band.DAYS_30, Band.DAYS_60, Band.DAYS_90)]
            for band in parts:
                if counts.get(band):
                    text.append(f"{counts[band]} {BAND_NAMES[band]}", style=BAND_STYLES[band])
                    text.append("  ")
            departing = sum(1 for i in self._items if i.departing_contact)
            if departing:
                text.append(f"! {departing} tied to the departing person", style="bold red")
            elif not any(counts.get(band) for band in parts):
                text = Text(f"{count(len(self._items), 'renewal')}, none due in the next 90 days.")
        self.query_one("#renewals-summary", Static).update(text)

    def _table(self) -> VirtualTable[RenewalSummary]:
        return self.query_one("#renewals-table", VirtualTable)

    def _selected(self) -> RenewalSummary | None:
        return self._table().cursor_item

    def _show_detail(self) -> None:
        self.query_one("#renewal-detail", Static).update(
            detail_text(self._selected(), self.can_write or not self._all_sealed())
        )

    def _all_sealed(self) -> bool:
        return bool(self._items) and all(i.sealed for i in self._items)

    @on(VirtualTable.RowHighlighted, "#renewals-table")
    def _highlighted(self, message: VirtualTable.RowHighlighted) -> None:
        message.stop()
        self._show_detail()

    @on(VirtualTable.RowSelected, "#renewals-table")
    def _selected_row(self, message: VirtualTable.RowSelected) -> None:
        message.stop()
        if self.can_write:
            self.action_edit_renewal()

    # --- adding and editing -------------------------------------------------------------------

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_add_renewal(self) -> None:
        edit = await self.app.push_screen_wait(
            RenewalFormModal(None, date.today(), self._listed_like)
        )
        if edit is not None:
            self.save_renewal(edit)

    def _listed_like(self, new: NewRenewal) -> list[str]:
        return [renewal_described(r) for r in self._session.renewals.duplicates(new)]

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_edit_renewal(self) -> None:
        item = self._selected()
        if item is None:
            self.notify("Select a renewal in the table first.", severity="warning")
            return
        if item.sealed:
            self.notify("Your role cannot read this renewal's sealed fields.", severity="warning")
            return
        edit = await self.app.push_screen_wait(RenewalFormModal(item, date.today()))
        if edit is not None:
            self.save_renewal(edit)

    def save_renewal(self, edit: RenewalEdit) -> None:
        def save() -> RenewalSummary:
            service = self._session.renewals
            if edit.existing is None:
                return service.add(edit.new, even_if_listed=edit.even_if_listed)
            item = service.edit(edit.existing.id, edit.new, edit.existing.version)
            if edit.state is not item.state:
                item = service.set_state(item.id, edit.state, item.version)
            return item

        saved = partial(self._saved, created=edit.existing is None)
        self.in_background(save, saved, group="renewals-change", exclusive=False)

    def _saved(self, item: RenewalSummary, created: bool) -> None:
        verb = "Added" if created else "Saved"
        note = f"{item.action_label} {item.cancel_by.isoformat()}"
        if item.state is RenewalState.RETIRED:
            note = "retired: hidden from the list"
        self.notify(f"{verb} {item.vendor}: {item.item}; {note}.", title="Renewal saved")
        if item.departing_contact:
            self.notify(
                f"{item.departing_reason}: move it to the practice.",
                title="Tied to the departing person",
                severity="warning",
            )
        self.load_renewals()

    # --- live checks --------------------------------------------------------------------------

    def action_check_now(self) -> None:
        if self._checking is not None and self._checking.is_running:
            self._checking.cancel()
            self.notify("Stopping after the current check.", severity="warning")
            return
        self.query_one("#renewal-progress-row").display = True
        self.query_one("#renewal-progress-label", Static).update("Starting the checks…")
        self.query_one("#renewal-progress", ProgressBar).update(total=None, progress=0)
        self._checking = self.check_renewals()

    @work(thread=True, exit_on_error=False, group="renewals-check", exclusive=True)
    def check_renewals(self) -> None:
        """A check stopped early still reports what it found, so the finish is not a result
        the background helper would drop: both steps go to the screen with `call_later`."""
        worker = get_current_worker()

        def progress(done: int, total: int, what: str) -> None:
            self.call_later(self._check_progressed, done, total, what)

        results = self._session.renewals.check(
            progress=progress,
            timeout=10.0,
            cancelled=lambda: worker.is_cancelled,
        )
        self.call_later(self._check_finished, results)

    def _check_progressed(self, done: int, total: int, what: str) -> None:
        bar = self.query_one("#renewal-progress", ProgressBar)
        bar.update(total=max(1, total), progress=done)
        label = "Done" if what == "done" else f"Checking {what}…"
        self.query_one("#renewal-progress-label", Static).update(f"{label} {done}/{total}")

    def _check_finished(self, results: list[CheckResult]) -> None:
        self.query_one("#renewal-progress-row").display = False
        if not results:
            self.notify(
                "Nothing to check: give a domain or certificate renewal a domain or host.",
                title="Check now",
                severity="warning",
            )
            return
        failed = [r for r in results if r.status is CheckStatus.FAILED]
        changed = [r for r in results if r.status is CheckStatus.CHANGED]
        warned = [r for r in results if r.status is CheckStatus.WARNING]
        summary = f"{len(results)} checked, {count(len(changed), 'date')} updated"
        if warned:
            summary += f", {len(warned)} with findings"
        self.notify(summary + ".", title="Check now")
        for result in failed:
            self.notify(
                f"{result.item}: {result.message}",
                title="Check failed",
                severity="error",
                timeout=12,
            )
        self.load_renewals()

    # --- calendar -----------------------------------------------------------------------------

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_export_ics(self) -> None:
        choice = await self.app.push_screen_wait(RenewalExportModal(Path("renewals.ics")))
        if choice is not None:
            self.export_calendar(choice)

    def export_calendar(self, choice: ExportChoice) -> None:
        def exported(events: int) -> None:
            self.notify(
                f"Wrote {count(events, 'event')} to {choice.path}.", title="Calendar exported"
            )

        self.in_background(
            partial(self._session.renewals.export_ics, choice.path, choice.include_details),
            exported,
            group="renewals-export",
            exclusive=False,
        )

    def action_go_back(self) -> None:
        self.dismiss()
