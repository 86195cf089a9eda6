"""One case: its checklist grouped by phase, filters, and a side panel for the selected task."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Header, Static

from itexit.domain.checklist import (
    CaseDetail,
    CaseStatus,
    Phase,
    TaskDetail,
    TaskInfo,
    TaskStatus,
)
from itexit.domain.errors import Blocked
from itexit.domain.exposures import ExposuresStillOpen, still_open_on_screen
from itexit.domain.roles import ROLE_LABELS, Permission, Role
from itexit.domain.wording import agree, count
from itexit.screens.base import DIALOG, ItexitScreen
from itexit.screens.cases.modals import CaseStageModal, TerminationDateModal
from itexit.screens.cases.task_modals import (
    AddTaskModal,
    AssignModal,
    EvidenceModal,
    NotApplicableModal,
)
from itexit.screens.cases.text import DATE_FORMAT, progress_bar
from itexit.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

NARROW_WIDTH = 100

FILTERS = ("all", "open", "critical", "overdue", "mine", "my role")
FILTER_HINTS = {
    "all": "every task",
    "open": "open tasks",
    "critical": "critical tasks",
    "overdue": "overdue tasks",
    "mine": "tasks given to you",
    "my role": "tasks of your role",
}
STATUS_MARKS = {
    TaskStatus.OPEN: Text("○", style=""),
    TaskStatus.DONE: Text("✔", style="green"),
    TaskStatus.NOT_APPLICABLE: Text("-", style="dim"),
}
ACTION_WORDS = {
    "done": "marked done",
    "na": "marked not applicable",
    "reopened": "reopened",
    "assigned": "assigned",
    "evidence": "added evidence",
    "added": "added the task",
}


ROLE_SHORT = {Role.MANAGER: "Manager", Role.CONSULTANT: "IT", Role.HR: "HR", Role.VIEWER: "-"}


def who_does(task: TaskInfo) -> str:
    """The person the task is given to, or its role in a word (the table is narrow)."""
    return task.assignee or ROLE_SHORT[task.role]


def short_date(when: date | None, today: date) -> str:
    """`20 Nov` within half a year of today, else `Nov 2027`."""
    if when is None:
        return "—"
    return when.strftime("%d %b") if abs((when - today).days) < 180 else when.strftime("%b %Y")


def _size(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size >= 1024 else count(size, "byte")


def task_panel(task: TaskDetail, today: date) -> Text:
    """The side panel: what, when, who, why (with its source), evidence and history."""
    out = Text()
    out.append(f"#{task.number} {task.title}\n", style="bold")
    if task.critical:
        out.append("Critical", style="bold red")
        out.append(" · ")
    status = {
        TaskStatus.OPEN: "Open",
        TaskStatus.DONE: "Done",
        TaskStatus.NOT_APPLICABLE: "Not applicable",
    }[task.status]
    out.append(status)
    if task.completed_by and task.completed_at:
        out.append(f" by {task.completed_by}, {task.completed_at:%d %b %Y %H:%M}")
    out.append("\n")
    if task.due is not None:
        out.append(f"Due {task.due.strftime(DATE_FORMAT)}")
        if task.overdue(today):
            late = (today - task.due).days
            out.append(f" · {late} day{'s' * (late != 1)} overdue", style="bold red")
        out.append("\n")
    out.append(f"Given to {task.assignee or 'any ' + ROLE_LABELS[task.role]}\n")
    if task.depends_on:
        waits = ", ".join(f"#{n}" for n in task.depends_on)
        out.append(f"After {waits}")
        if task.waiting_on_critical:
            blocked = ", ".join(f"#{n}" for n in task.waiting_on_critical)
            out.append(f" · waits for the critical {blocked}", style="yellow")
        out.append("\n")
    out.append("\nWhy\n", style="bold")
    out.append(task.guidance or "Practice-specific step.")
    out.append("\n")
    out.append(f"Source: {task.reference}\n", style="italic dim")
    out.append("\nEvidence\n", style="bold")
    if task.na_reason:
        out.append(f"Not applicable because: {task.na_reason}\n")
    if task.evidence_note:
        out.append(f"{task.evidence_note}\n")
    for ref in task.attachments:
        out.append(f"📎 {ref.filename} ({_size(ref.size)})\n")
        out.append(f"   fingerprint {ref.sha256}\n", style="dim")
    if task.sealed_for:
        out.append(f"Notes sealed for the {task.sealed_for} scope: not shown to you.\n", "dim")
    if not (task.na_reason or task.evidence_note or task.attachments or task.sealed_for):
        out.append("None yet.\n", style="dim")
    out.append("\nHistory\n", style="bold")
    if not task.history:
        out.append("Nothing yet.\n", style="dim")
    for event in reversed(task.history):
        out.append(
            f"{event.at:%d %b %H:%M} {event.actor} {ACTION_WORDS.get(event.action, event.action)}"
        )
        if event.note and event.action == "assigned":
            out.append(f" {event.note}")
        elif event.note and event.action in ("na", "evidence", "done"):
            out.append(f": {event.note}", style="dim")
        if event.attachment is not None:
            out.append(f" + {event.attachment.filename}", style="dim")
        out.append("\n")
    return out


class CaseDetailScreen(ItexitScreen):
    """The checklist of one case; the selected task's guidance, evidence and history beside it."""

    CSS_PATH = "case_detail.tcss"
    AUTO_FOCUS = "#tasks-table"
    HELP = (
        "The checklist of one departure, by phase. Critical tasks (!) come first: a task that "
        "waits for an open critical one cannot be done, and the case cannot close while one is "
        "open. f cycles the filter; the panel shows why a task matters, in its source's words."
    )

    BINDINGS = [
        Binding("d", "done", "Done", id="case.done", tooltip="Mark the task done, with evidence"),
        Binding(
            "x",
            "not_applicable",
            "N/A",
            id="case.na",
            tooltip="Mark the task not applicable, with the reason",
        ),
        Binding("a", "assign", "Assign", id="case.assign", tooltip="Give the task to someone"),
        Binding("t", "attach", "Attach", id="case.attach", tooltip="Add a note or a file"),
        Binding("n", "add_task", "Add task", id="case.add", tooltip="Add a practice step"),
        Binding("f", "cycle_filter", "Filter", id="case.filter", tooltip="All, open, critical…"),
        Binding(
            "e",
            "edit_date",
            "Date",
            id="case.date",
            tooltip="Move the termination date (open due dates move with it)",
        ),
        Binding("s", "statement", "Statement", id="case.statement", tooltip="HR exit statement"),
        Binding(
            "o",
            "reopen",
            "Reopen",
            show=False,
            id="case.reopen",
            tooltip="Reopen a task marked done or not applicable",
        ),
        Binding(
            "g",
            "stage",
            "Stage",
            id="case.stage",
            tooltip="Planning, active, monitoring or closed",
        ),
        Binding(
            "c",
            "close_case",
            "Close case",
            show=False,
            id="case.close",
            tooltip="Close the case (refused while a critical task is open)",
        ),
        Binding(
            "r",
            "refresh_case",
            "Refresh",
            show=False,
            id="case.refresh",
            tooltip="Read the case again",
        ),
        Binding("escape", "go_back", "Back", id="case.back", tooltip="Back to the cases"),
    ]

    def __init__(self, session: UnlockedVault, case_id: str, task_number: int | None = None):
        super().__init__()
        self._session = session
        self._case_id = case_id
        self._case: CaseDetail | None = None
        self._rows: list[TaskInfo | None] = []
        self._filter = "all"
        self._want_task = task_number
        self._shown_task: int | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="case-body"):
            yield Static("", id="case-title", classes="heading")
            yield Static("", id="case-line")
            with Horizontal(id="case-split"):
                yield DataTable(id="tasks-table", cursor_type="row")
                with VerticalScroll(id="task-panel"):
                    yield Static("", id="task-text")
        yield KeyBar()

    def on_screen_resume(self) -> None:
        self.load_case()

    def on_resize(self) -> None:
        # below 100 columns the task panel goes under the checklist instead of beside it
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        can = self._session.can
        if action in ("assign", "add_task", "edit_date", "close_case"):
            return can(Permission.CASE_WRITE)
        if action in ("done", "not_applicable", "attach", "reopen"):
            return can(Permission.TASK_COMPLETE)
        if action == "statement":
            return can(Permission.HR_READ) or can(Permission.CASE_READ)
        return True

    @property
    def case_id(self) -> str:
        """The case shown (the command palette opens its exit statement)."""
        return self._case_id

    # --- reading --------------------------------------------------------------------------------

    def action_refresh_case(self) -> None:
        self.load_case()

    def load_case(self) -> None:
        self.in_background(
            partial(self._session.cases.get, self._case_id), self._show_case, group="case"
        )

    def _show_case(self, case: CaseDetail) -> None:
        self._case = case
        self.query_one("#case-title", Static).update(
            Text(f"{case.name} · {case.kind.label} · leaves {case.termination_date:%d %b %Y}")
        )
        self._show_line()
        self._fill_table()

    def _show_line(self) -> None:
        case = self._case
        if case is None:
            return
        line = progress_bar(case.tasks_closed, case.tasks_total)
        line.append(f"  {case.status.value}  ")
        if case.critical_overdue:
            line.append(
                f"{case.critical_open} critical open, {case.critical_overdue} overdue",
                style="bold red",
            )
        elif case.critical_open:
            line.append(f"{case.critical_open} critical open", style="yellow")
        else:
            line.append("no critical task open", style="green")
        line.append(f"  ·  {FILTER_HINTS[self._filter]} (f)", style="dim")
        self.query_one("#case-line", Static).update(line)

    def _visible(self, task: TaskInfo, today: date) -> bool:
        me = self._session.identity
        match self._filter:
            case "open":
                return task.status is TaskStatus.OPEN
            case "critical":
                return task.critical
            case "overdue":
                return task.overdue(today)
            case "mine":
                return task.assignee == me.name
            case "my role":
                return task.role is me.role
        return True

    def _fill_table(self) -> None:
        case = self._case
        if case is None:
            return
        today = date.today()
        table = self.query_one("#tasks-table", DataTable)
        keep = self._want_task or self._current_number()
        order = list(Phase)
        tasks = sorted(
            (t for t in case.tasks if self._visible(t, today)),
            key=lambda t: (order.index(t.phase), t.number),
        )
        # columns sized to what they hold, so the title gets the room that is left
        table.clear(columns=True)
        table.add_column("#", key="number", width=max(2, len(str(len(case.tasks)))))
        table.add_column(" ", key="mark", width=1)
        table.add_column("Due", key="due", width=8)
        table.add_column("Who", key="who", width=max([3, *(len(who_does(t)) for t in tasks)]))
        table.add_column("Task", key="title", width=max([24, *(len(t.title) + 18 for t in tasks)]))
        self._rows = []
        phase: Phase | None = None
        for task in tasks:
            if task.phase is not phase:
                phase = task.phase
                table.add_row("", "", "", "", Text(phase.label, style="bold underline"))
                self._rows.append(None)
            closed = task.status is not TaskStatus.OPEN
            title = Text(task.title, style="dim" if closed else "")
            if task.critical:
                title = Text.assemble(("! ", "bold red"), title)
            if task.waiting_on_critical and not closed:
                title.append(f" (waits for #{task.waiting_on_critical[0]})", style="yellow")
            due = Text(short_date(task.due, today))
            if task.overdue(today):
                due.stylize("bold red")
            table.add_row(
                Text(str(task.number), style="dim"),
                STATUS_MARKS[task.status],
                due,
                Text(who_does(task), style="dim" if closed else ""),
                title,
                key=task.id,
            )
            self._rows.append(task)
        if not tasks:
            table.add_row("", "", "", "", Text(f"No {FILTER_HINTS[self._filter]}.", style="dim"))
            self._rows.append(None)
        self._want_task = None
        target = next(
            (i for i, t in enumerate(self._rows) if t is not None and t.number == keep), None
        )
        if target is None:
            target = next((i for i, t in enumerate(self._rows) if t is not None), 0)
        table.move_cursor(row=target)
        self._load_selected()

    def _current_number(self) -> int | None:
        task = self._selected(quiet=True)
        return task.number if task else None

    def _selected(self, quiet: bool = False) -> TaskInfo | None:
        table = self.query_one("#tasks-table", DataTable)
        row = table.cursor_row
        task = self._rows[row] if 0 <= row < len(self._rows) else None
        if task is None and not quiet:
            self.notify("Select a task first.", severity="warning")
        return task

    @on(DataTable.RowHighlighted, "#tasks-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._load_selected()

    def _load_selected(self) -> None:
        task = self._selected(quiet=True)
        if task is None:
            self._shown_task = None
            self.query_one("#task-text", Static).update(
                Text("Select a task to see why it matters, its evidence and its history.", "dim")
            )
            return
        if self._shown_task == task.number and task.version == self._shown_version:
            return
        self.load_task(task.number)

    _shown_version: int | None = None

    def load_task(self, number: int) -> None:
        self.in_background(
            partial(self._session.cases.task, self._case_id, number),
            self._show_task,
            group="case-task",
        )

    def _show_task(self, task: TaskDetail) -> None:
        current = self._selected(quiet=True)
        if current is None or current.number != task.number:
            return
        self._shown_task = task.number
        self._shown_version = task.version
        self.query_one("#task-text", Static).update(task_panel(task, date.today()))
        self.query_one("#task-panel", VerticalScroll).scroll_home(animate=False)

    def action_cycle_filter(self) -> None:
        self._filter = FILTERS[(FILTERS.index(self._filter) + 1) % len(FILTERS)]
        self._show_line()
        self._fill_table()

    # --- acting ---------------------------------------------------------------------------------

    def change(self, work: Callable[[], tuple[str, str]]) -> None:
        """Run one change in a thread, then say what was done (a title and a line) and read
        the case again; failures reach the app's error modal as one sentence."""
        self.in_background(work, self._changed, group="case-change", exclusive=False)

    def _changed(self, said: tuple[str, str]) -> None:
        title, text = said
        self.notify(text, title=title)
        self._shown_task = None
        self.load_case()

    def _open_task(self) -> TaskInfo | None:
        task = self._selected()
        if task is None:
            return None
        if self._case is not None and self._case.status is CaseStatus.CLOSED:
            self.notify("The case is closed.", severity="warning")
            return None
        return task

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_done(self) -> None:
        task = self._open_task()
        if task is None:
            return
        if task.status is TaskStatus.DONE:
            self.notify(f"#{task.number} is already done.", severity="warning")
            return
        if task.waiting_on_critical:
            first = task.waiting_on_critical[0]
            self.notify(
                f"#{task.number} waits for the critical task #{first}: complete that first.",
                severity="warning",
            )
            return
        evidence = await self.app.push_screen_wait(EvidenceModal(task))
        if evidence is None:
            return

        def complete() -> tuple[str, str]:
            done = self._session.cases.complete(
                self._case_id, task.number, evidence.note, evidence.path
            )
            return "Done", f"#{done.number} {done.title}"

        self.change(complete)

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_attach(self) -> None:
        task = self._open_task()
        if task is None:
            return
        evidence = await self.app.push_screen_wait(EvidenceModal(task, completing=False))
        if evidence is None:
            return

        def attach() -> tuple[str, str]:
            self._session.cases.attach(self._case_id, task.number, evidence.path, evidence.note)
            return "Evidence added", f"#{task.number}"

        self.change(attach)

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_not_applicable(self) -> None:
        task = self._open_task()
        if task is None:
            return
        reason = await self.app.push_screen_wait(NotApplicableModal(task))
        if not reason:
            return

        def not_applicable() -> tuple[str, str]:
            marked = self._session.cases.not_applicable(self._case_id, task.number, reason)
            return "Not applicable", f"#{marked.number} {marked.title}"

        self.change(not_applicable)

    def action_reopen(self) -> None:
        task = self._open_task()
        if task is None:
            return

        def reopen() -> tuple[str, str]:
            reopened = self._session.cases.reopen(self._case_id, task.number)
            return "Reopened", f"#{reopened.number} {reopened.title}"

        self.change(reopen)

    def action_assign(self) -> None:
        task = self._open_task()
        if task is None:
            return
        self.in_background(
            self._session.cases.users_for_assignment,
            partial(self._ask_assignee, task),
            group="case-people",
        )

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def _ask_assignee(self, task: TaskInfo, people: list[tuple[str, Role]]) -> None:
        who = await self.app.push_screen_wait(AssignModal(task, people))
        if not who:
            return

        def assign() -> tuple[str, str]:
            given = self._session.cases.assign(self._case_id, task.number, who)
            return "Assigned", f"#{given.number} is given to {who_does(given)}."

        self.change(assign)

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_add_task(self) -> None:
        if self._case is None:
            return
        modal = AddTaskModal(max(self._case.termination_date, date.today()))
        new = await self.app.push_screen_wait(modal)
        if new is None:
            return

        def add() -> tuple[str, str]:
            added = self._session.cases.add_task(self._case_id, new)
            self._want_task = added.number
            return "Task added", f"#{added.number} {added.title}"

        self.change(add)

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_edit_date(self) -> None:
        if self._case is None:
            return
        modal = TerminationDateModal(self._case.name, self._case.termination_date)
        when = await self.app.push_screen_wait(modal)
        if when is None:
            return

        def move() -> tuple[str, str]:
            case = self._session.cases.set_termination_date(self._case_id, when)
            return (
                "Date moved",
                f"{case.name} leaves {case.termination_date:%d %b %Y}; open tasks moved.",
            )

        self.change(move)

    def action_close_case(self) -> None:
        def close() -> tuple[str, str]:
            try:
                case = self._session.cases.close(self._case_id)
            except ExposuresStillOpen as still:
                raise Blocked(still_open_on_screen(still.case_name, still.exposures)) from None
            left = case.tasks_total - case.tasks_closed
            note = f"; {count(left, 'task')} {agree(left, 'was')} still open" if left else ""
            return "Case closed", f"The case of {case.name} is closed{note}."

        self.change(close)

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_stage(self) -> None:
        if self._case is None:
            return
        modal = CaseStageModal(self._case.name, self._case.status)
        status = await self.app.push_screen_wait(modal)
        if status is None:
            return

        def stage() -> tuple[str, str]:
            case = self._session.cases.set_status(self._case_id, status)
            return "Stage changed", f"The case of {case.name} is {status.value}."

        self.change(stage)

    def action_statement(self) -> None:
        from itexit.screens.cases.statement import StatementScreen

        self.app.push_screen(StatementScreen(self._session, self._case_id))

    def action_go_back(self) -> None:
        self.dismiss()
