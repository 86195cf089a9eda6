"""Dialogs of a task: done with evidence, attach, not applicable, assign, add a task."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from itexit.domain.checklist import PHASE_LABELS, TASK_ROLES, NewTask, Phase, TaskInfo
from itexit.domain.roles import ROLE_LABELS, Role
from itexit.screens.cases.modals import parse_date
from itexit.screens.form import FormModal, refusal_line
from itexit.widgets.tick import TickBox

MIN_REASON = 3
"""The shortest reason accepted for setting a task aside."""


@dataclass(frozen=True)
class Evidence:
    """What the evidence dialog returns: a note, a file to keep in the vault, or both."""

    note: str
    path: Path | None


def _path_problem(text: str) -> str | None:
    if not text.strip():
        return None
    path = Path(text.strip()).expanduser()
    if not path.exists():
        return f"There is no file {path}."
    if not path.is_file():
        return f"{path} is a folder; give the file itself."
    return None


class EvidenceModal(FormModal[Evidence]):
    """Mark a task done (or add evidence to it): a note and an optional file by its path."""

    CSS_PATH = "task_modals.tcss"
    AUTO_FOCUS = "#evidence-note"
    DIALOG_ID = "evidence-dialog"
    HELP = (
        "Record how the task was done: a short note and, if you have one, a file (a scan, an "
        "email saved as PDF). The file is sealed in the vault and shown with its fingerprint so it "
        "can be matched with the paper copy."
    )

    def __init__(self, task: TaskInfo, completing: bool = True) -> None:
        super().__init__()
        self._item = task
        self._completing = completing

    def heading(self) -> str:
        verb = "Done" if self._completing else "Attach evidence to"
        return f"{verb}: #{self._item.number} {self._item.title}"

    def save_label(self) -> str:
        return "Mark done" if self._completing else "Attach"

    def fields(self) -> ComposeResult:
        yield Label("Evidence note", classes="field-label")
        yield Input(placeholder="What was done, by whom, where the proof is", id="evidence-note")
        yield Label("File to attach (path, optional)", classes="field-label")
        yield Input(placeholder="e.g. ~/scans/signed-statement.pdf", id="evidence-path")
        yield refusal_line("evidence-message")

    def _problem(self) -> str | None:
        note = self.query_one("#evidence-note", Input).value.strip()
        path = self.query_one("#evidence-path", Input).value
        problem = _path_problem(path)
        if problem:
            return problem
        if not self._completing and not note and not path.strip():
            return "Give a note or a file."
        return None

    @on(Input.Changed)
    def _validate(self) -> None:
        path = self.query_one("#evidence-path", Input).value
        self.query_one("#evidence-message", Static).update(_path_problem(path) or "")

    @on(Input.Submitted)
    def _save(self) -> None:
        problem = self._problem()
        if problem is not None:
            self.query_one("#evidence-message", Static).update(problem)
            return
        path = self.query_one("#evidence-path", Input).value.strip()
        self.dismiss(
            Evidence(
                note=self.query_one("#evidence-note", Input).value.strip(),
                path=Path(path).expanduser() if path else None,
            )
        )


class NotApplicableModal(FormModal[str]):
    """A task that does not apply to this departure; the reason is required and kept."""

    CSS_PATH = "task_modals.tcss"
    AUTO_FOCUS = "#na-reason"
    DIALOG_ID = "na-dialog"
    SAVE_LABEL = "Not applicable"
    HELP = (
        "Mark a task not applicable when it does not fit this departure. Say why: the reason is "
        "kept with the task, and a critical task cannot be set aside without one."
    )

    def __init__(self, task: TaskInfo) -> None:
        super().__init__()
        self._item = task

    def heading(self) -> str:
        return f"Not applicable: #{self._item.number} {self._item.title}"

    def fields(self) -> ComposeResult:
        yield Label("Why does it not apply? (required)", classes="field-label")
        yield Input(placeholder="e.g. a fellow who never billed as attending", id="na-reason")
        yield refusal_line("na-message")

    @on(Input.Changed, "#na-reason")
    def _validate(self, event: Input.Changed) -> None:
        if len(event.value.strip()) >= MIN_REASON:
            self.query_one("#na-message", Static).update("")

    @on(Input.Submitted, "#na-reason")
    def _save(self) -> None:
        reason = self.query_one("#na-reason", Input).value.strip()
        if len(reason) < MIN_REASON:
            self.query_one("#na-message", Static).update(
                f"Say why in a few words (at least {MIN_REASON} characters): "
                "the reason is kept with the task."
            )
            self.query_one("#na-reason", Input).focus()
            return
        self.dismiss(reason)


class AssignModal(FormModal[str]):
    """Give a task to a person (their role comes with them) or back to a whole role."""

    CSS_PATH = "task_modals.tcss"
    AUTO_FOCUS = "#assignee"
    DIALOG_ID = "assign-dialog"
    SAVE_LABEL = "Assign"
    HELP = (
        "Give the task to one person, or to everyone of a role. A person's role comes with "
        "them: the evidence of an IT consultant's task is sealed with the credentials, the rest "
        "with the HR records."
    )

    def __init__(self, task: TaskInfo, people: list[tuple[str, Role]]) -> None:
        super().__init__()
        self._item = task
        self._people = people

    def heading(self) -> str:
        return f"Assign #{self._item.number} {self._item.title}"

    def fields(self) -> ComposeResult:
        options: list[tuple[str, str]] = [
            (f"{name} ({ROLE_LABELS[role]})", name) for name, role in self._people
        ]
        options += [(f"Anyone: {ROLE_LABELS[role]}", role.value) for role in TASK_ROLES]
        current = self._item.assignee or self._item.role.value
        yield Label("Give it to", classes="field-label")
        yield Select(
            options,
            value=current if current in {v for _, v in options} else Select.BLANK,
            allow_blank=False,
            id="assignee",
        )

    def _save(self) -> None:
        value = self.query_one("#assignee", Select).value
        if isinstance(value, str):
            self.dismiss(value)


class AddTaskModal(FormModal[NewTask]):
    """A practice-specific step: title, phase, due date, role, critical."""

    CSS_PATH = "task_modals.tcss"
    AUTO_FOCUS = "#task-title"
    DIALOG_ID = "add-task-dialog"
    HEADING = "Add a practice-specific task"
    SAVE_LABEL = "Add"
    SAVE_DISABLED = True
    HELP = (
        "Add a step that only your practice needs. Its due date keeps the same distance from "
        "the termination date when that date moves. Critical tasks must be done (or set aside "
        "with a reason) before the case can close."
    )

    def __init__(self, default_due: date) -> None:
        super().__init__()
        self._default_due = default_due

    def fields(self) -> ComposeResult:
        yield Label("Title", classes="field-label")
        yield Input(placeholder="e.g. Collect the server room key", id="task-title")
        yield Label("Phase", classes="field-label")
        yield Select(
            [(label, phase) for phase, label in PHASE_LABELS.items()],
            value=Phase.AFTER,
            allow_blank=False,
            id="task-phase",
        )
        yield Label("Due (YYYY-MM-DD)", classes="field-label")
        yield Input(value=self._default_due.isoformat(), id="task-due")
        yield Label("Who does it", classes="field-label")
        yield Select(
            [(ROLE_LABELS[role], role) for role in TASK_ROLES],
            value=Role.MANAGER,
            allow_blank=False,
            id="task-role",
        )
        yield TickBox("Critical: must be done before the case can close", id="task-critical")
        yield Label("Guidance (optional)", classes="field-label")
        yield Input(placeholder="Why it matters, where to find what is needed", id="task-guidance")
        yield refusal_line("task-message")

    def _problem(self) -> str | None:
        if len(self.query_one("#task-title", Input).value.strip()) < 3:
            return "Type a title of at least three characters."
        if parse_date(self.query_one("#task-due", Input).value) is None:
            return "Write the due date as YYYY-MM-DD."
        return None

    @on(Input.Changed)
    def _validate(self) -> None:
        due = self.query_one("#task-due", Input).value
        self.query_one("#task-message", Static).update(
            "" if parse_date(due) else "Write the due date as YYYY-MM-DD."
        )
        self.query_one("#save", Button).disabled = self._problem() is not None

    @on(Input.Submitted, "#task-guidance")
    def _save(self) -> None:
        if self._problem() is not None:
            return
        phase = self.query_one("#task-phase", Select).value
        role = self.query_one("#task-role", Select).value
        self.dismiss(
            NewTask(
                title=self.query_one("#task-title", Input).value.strip(),
                phase=phase if isinstance(phase, Phase) else Phase.AFTER,
                critical=self.query_one("#task-critical", Checkbox).value,
                due=parse_date(self.query_one("#task-due", Input).value),
                role=role if isinstance(role, Role) else Role.MANAGER,
                guidance=self.query_one("#task-guidance", Input).value.strip(),
            )
        )
