"""My tasks: the open tasks given to the unlocked person or their role, across every case."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Header, Static

from itexit.domain.checklist import MyTask
from itexit.domain.roles import ROLE_LABELS
from itexit.screens.base import ItexitScreen
from itexit.screens.cases.detail import CaseDetailScreen
from itexit.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


class MyTasksScreen(ItexitScreen):
    """Critical first, then by due date; enter opens the task in its case."""

    CSS_PATH = "my_tasks.tcss"
    AUTO_FOCUS = "#my-tasks-table"
    HELP = (
        "The open tasks of every open case that are given to you by name, or to your role "
        "with nobody named. Critical tasks come first. Press enter to open one in its case."
    )

    BINDINGS = [
        Binding("enter", "open_task", "Open", id="mine.open", tooltip="Open the task in its case"),
        Binding(
            "r", "refresh_tasks", "Refresh", show=False, id="mine.refresh", tooltip="Read again"
        ),
        Binding("escape", "go_back", "Back", id="mine.back", tooltip="Back"),
    ]

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._session = session
        self._tasks: list[MyTask] = []

    def compose(self) -> ComposeResult:
        identity = self._session.identity
        yield Header(show_clock=False, icon="")
        with Vertical(id="my-tasks-body"):
            yield Static("My tasks", classes="heading")
            yield Static(
                f"Open tasks for {identity.name} or any {ROLE_LABELS[identity.role]}.",
                id="my-tasks-hint",
                classes="hint",
            )
            yield DataTable(id="my-tasks-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_screen_resume(self) -> None:
        self.load_tasks()

    def action_refresh_tasks(self) -> None:
        self.load_tasks()

    def load_tasks(self) -> None:
        self.in_background(self._session.cases.my_tasks, self._show, group="my-tasks")

    def _show(self, tasks: list[MyTask]) -> None:
        self._tasks = tasks
        self._fill()
        if not self._tasks:
            self.query_one("#my-tasks-hint", Static).update(
                "Nothing is waiting for you. Tasks given to you or your role appear here."
            )

    def on_resize(self) -> None:
        """The titles wrap to the width: a new width lays them out again."""
        if self._tasks:
            self.call_after_refresh(self._fill)

    def _fill(self) -> None:
        today = date.today()
        table = self.query_one("#my-tasks-table", DataTable)
        cursor = table.cursor_row
        # widths from the content: the table is rebuilt whole, never measured half-way
        table.clear(columns=True)
        case_width = max([4, *(len(m.case_name) for m in self._tasks)])
        table.add_column("Case", key="case", width=case_width)
        table.add_column("#", key="number", width=3)
        table.add_column("Due", key="due", width=11)
        # the task takes the rest of the line and wraps in it: a title is never cut
        room = table.scrollable_content_region.width - case_width - 3 - 11 - 8 * table.cell_padding
        table.add_column("Task", key="title", width=max(24, room - 1))
        for item in self._tasks:
            task = item.task
            title = Text(task.title)
            if task.critical:
                title = Text.assemble(("! ", "bold red"), title)
            if task.waiting_on_critical:
                title.append(f" (waits for #{task.waiting_on_critical[0]})", style="yellow")
            due = Text(task.due.strftime("%d %b %Y") if task.due else "—")
            if task.overdue(today):
                due.stylize("bold red")
            table.add_row(item.case_name, str(task.number), due, title, key=task.id, height=None)
        table.move_cursor(row=cursor)

    @on(DataTable.RowSelected, "#my-tasks-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_task()

    def action_open_task(self) -> None:
        table = self.query_one("#my-tasks-table", DataTable)
        if not 0 <= table.cursor_row < len(self._tasks):
            self.notify("Nothing to open.", severity="warning")
            return
        item = self._tasks[table.cursor_row]
        self.app.push_screen(CaseDetailScreen(self._session, item.case_id, item.task.number))

    def action_go_back(self) -> None:
        self.dismiss()
