"""The termination checklist: one case per departing person or vendor, critical work first."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Header, Static

from itexit.domain.checklist import CaseStatus, CaseSummary, NewCase, TemplateInfo
from itexit.domain.errors import BadInput
from itexit.domain.roles import Permission
from itexit.domain.wording import agree, count, day
from itexit.screens.base import DIALOG, ItexitScreen
from itexit.screens.cases.detail import CaseDetailScreen
from itexit.screens.cases.modals import NewCaseModal
from itexit.screens.cases.my_tasks import MyTasksScreen
from itexit.screens.cases.text import BAR_WIDTH, DATE_FORMAT, progress_bar
from itexit.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


def critical_cell(case: CaseSummary) -> Text:
    if case.critical_overdue:
        return Text(f"{case.critical_open} · {case.critical_overdue} overdue", style="bold red")
    if case.critical_open:
        return Text(str(case.critical_open), style="yellow")
    return Text("none", style="green")


def next_due_cell(case: CaseSummary, today: date) -> Text:
    if case.next_due is None:
        return Text("—", style="dim")
    if case.next_due < today:  # a date gone by is not "next": the case opens on what is late
        return Text("overdue", style="bold red")
    return Text(day(case.next_due, today))


class CaseListScreen(ItexitScreen):
    """Every departure case with its progress, the next task due and the critical tasks open."""

    CSS_PATH = "cases.tcss"
    AUTO_FOCUS = "#cases-table"
    HELP = (
        "One case per person or vendor who is leaving. Each is a checklist built from the "
        "source documents; critical tasks come first and an overdue one is shown in red. "
        "Press enter to open a case, n to open a new one, m for the tasks given to you."
    )

    BINDINGS = [
        Binding("n", "new_case", "New case", id="cases.new", tooltip="Open a departure case"),
        Binding("enter", "open_case", "Open", id="cases.open", tooltip="Open the selected case"),
        Binding("m", "my_tasks", "My tasks", id="cases.mine", tooltip="Your open tasks"),
        Binding(
            "r",
            "refresh_cases",
            "Refresh",
            show=False,
            id="cases.refresh",
            tooltip="Read the cases again",
        ),
        Binding("escape", "go_back", "Back", id="cases.back", tooltip="Back to the dashboard"),
    ]

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._templates: list[TemplateInfo] = []
        self._session = session
        self._cases: list[CaseSummary] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="cases-body"):
            yield Static("Departure cases", classes="heading")
            yield Static("", id="cases-hint", classes="hint")
            yield DataTable(id="cases-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new_case":
            return self._session.can(Permission.CASE_WRITE)
        return True

    # --- reading --------------------------------------------------------------------------------

    def action_refresh_cases(self) -> None:
        self.load_cases()

    def on_screen_resume(self) -> None:
        self.load_cases()

    def load_cases(self) -> None:
        self.in_background(self._session.cases.list, self._show_cases, group="cases")

    def _show_cases(self, cases: list[CaseSummary]) -> None:
        today = date.today()
        table = self.query_one("#cases-table", DataTable)
        selected = self._selected()
        self._cases = cases
        # widths from the content: the table is rebuilt whole, never measured half-way
        table.clear(columns=True)
        table.add_column(
            "Departing", key="name", width=max([9, *(len(c.name) for c in self._cases)])
        )
        table.add_column("Leaves", key="date", width=11)
        table.add_column("Progress", key="progress", width=BAR_WIDTH + 7)
        table.add_column("Critical open", key="critical", width=15)
        table.add_column("Next due", key="next", width=8)
        table.add_column("Status", key="status", width=10)
        table.add_column("Kind", key="kind", width=11)
        for case in self._cases:
            closed = case.status is CaseStatus.CLOSED
            dim = "dim" if closed else ""
            table.add_row(
                Text(case.name, style=dim or "bold"),
                Text(case.termination_date.strftime(DATE_FORMAT), style=dim),
                progress_bar(case.tasks_closed, case.tasks_total),
                critical_cell(case),
                next_due_cell(case, today),
                Text(case.status.value, style=dim),
                Text(case.kind.label, style=dim),
                key=case.id,
            )
        hint = self.query_one("#cases-hint", Static)
        if not self._cases:
            hint.update(
                "No departure yet. Press n to open a case for the person or vendor who is leaving."
                if self._session.can(Permission.CASE_WRITE)
                else "No departure case yet; a practice manager or HR opens one."
            )
        else:
            overdue = sum(c.critical_overdue for c in self._cases)
            hint.update(
                f"{count(overdue, 'critical task')} overdue: open the case to act on "
                f"{agree(overdue, 'it', 'them')}."
                if overdue
                else "Enter opens a case; m lists the tasks given to you."
            )
            hint.set_class(bool(overdue), "-alert")
        if selected is not None and selected.id in {c.id for c in self._cases}:
            table.move_cursor(row=table.get_row_index(selected.id))

    def _selected(self) -> CaseSummary | None:
        table = self.query_one("#cases-table", DataTable)
        if not self._cases or not 0 <= table.cursor_row < len(self._cases):
            return None
        return self._cases[table.cursor_row]

    # --- opening --------------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#cases-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_case()

    def action_open_case(self) -> None:
        case = self._selected()
        if case is None:
            self.notify("There is no case to open yet.", severity="warning")
            return
        self.app.push_screen(CaseDetailScreen(self._session, case.id))

    def action_my_tasks(self) -> None:
        self.app.push_screen(MyTasksScreen(self._session))

    # --- creating -------------------------------------------------------------------------------

    def action_new_case(self) -> None:
        self.in_background(
            self._session.cases.templates, self._ask_new_case, group="cases-templates"
        )

    def _ask_new_case(self, templates: list[TemplateInfo]) -> None:
        self._templates = templates
        self._ask(None, "")

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def _ask(self, draft: NewCase | None, refusal: str) -> None:
        """The new-case form; a refused case comes back to it as typed, with the reason."""
        modal = NewCaseModal(self._templates, date.today(), draft=draft, refusal=refusal)
        new = await self.app.push_screen_wait(modal)
        if new is not None:
            self.in_background(
                partial(self._create, new),
                partial(self._created, new),
                group="cases-change",
                exclusive=False,
            )

    def _create(self, new: NewCase) -> CaseSummary | str:
        """The case opened, or why it was refused."""
        try:
            return self._session.cases.create(new)
        except BadInput as exc:
            return str(exc)

    def _created(self, new: NewCase, outcome: CaseSummary | str) -> None:
        if isinstance(outcome, str):
            self._ask(new, outcome)
            return
        case = outcome
        self.notify(
            f"{case.tasks_total} tasks, {case.critical_open} critical.",
            title=f"Case opened: {case.name}",
        )
        self.load_cases()
        self.app.push_screen(CaseDetailScreen(self._session, case.id))

    def action_go_back(self) -> None:
        self.dismiss()
