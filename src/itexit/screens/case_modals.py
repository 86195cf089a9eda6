"""Dialogs of a case: open a new case, move the termination date, change its stage."""

from __future__ import annotations

from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select, SelectionList, Static

from itexit.domain.checklist import (
    KIND_LABELS,
    CaseKind,
    CaseStatus,
    NewCase,
    ReasonCategory,
    TemplateInfo,
)
from itexit.domain.people import clean_emails, clean_phones
from itexit.domain.wording import count
from itexit.screens.base import ItexitModal

REASON_LABELS: dict[ReasonCategory, str] = {
    ReasonCategory.RESIGNATION: "Resignation",
    ReasonCategory.TERMINATION: "Termination",
    ReasonCategory.SKILLS_MISMATCH: "Skills mismatch",
    ReasonCategory.REORGANISATION: "Reorganisation or lay-off",
    ReasonCategory.CONTRACT_ENDED: "Contract ended",
    ReasonCategory.END_OF_TRAINING: "End of training (resident, fellow)",
    ReasonCategory.RETIREMENT: "Retirement",
    ReasonCategory.ROLE_CHANGE: "Role change",
    ReasonCategory.OTHER: "Other",
}


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class NewCaseModal(ItexitModal[NewCase]):
    """Who is leaving, how, when, and the templates the checklist starts from."""

    CSS_PATH = "case_modals.tcss"
    AUTO_FOCUS = "#case-name"
    HELP = (
        "Open a case for the person or vendor who is leaving. The checklist is built from the "
        "templates you tick; due dates count from the termination date. The reason and notes "
        "are kept in the HR scope: IT consultants and auditors never see them."
    )

    def __init__(self, templates: list[TemplateInfo], today: date) -> None:
        super().__init__()
        self._templates = templates
        self._today = today

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="new-case-dialog", classes="dialog"):
            yield Static("Open a departure case", classes="heading")
            yield Label("Departing person or vendor", classes="field-label")
            yield Input(placeholder="e.g. Gary Thistle", id="case-name")
            yield Label("Kind", classes="field-label")
            yield Select(
                [(label, kind) for kind, label in KIND_LABELS.items()],
                prompt="Choose the kind of departure",
                id="case-kind",
            )
            yield Label("Termination date (YYYY-MM-DD)", classes="field-label")
            yield Input(placeholder=self._today.isoformat(), id="case-date")
            yield Label("Their e-mail addresses (separated by commas)", classes="field-label")
            yield Input(placeholder="e.g. gary@practice.example", id="case-emails")
            yield Label("Their phone numbers (separated by commas)", classes="field-label")
            yield Input(placeholder="Optional", id="case-phones")
            yield Label("Their itexit user name, if they have one", classes="field-label")
            yield Input(placeholder="Optional: removing it becomes a critical task", id="case-user")
            yield Label("Templates", classes="field-label")
            yield SelectionList[str](
                *[(f"{t.title} ({count(t.tasks, 'task')})", t.id) for t in self._templates],
                id="case-templates",
            )
            yield Label("Reason (HR only)", classes="field-label")
            yield Select(
                [(label, reason) for reason, label in REASON_LABELS.items()],
                prompt="Not recorded",
                id="case-reason",
            )
            yield Label("Notes (HR only)", classes="field-label")
            yield Input(placeholder="Optional", id="case-notes")
            yield Static("", id="new-case-message", classes="field-message")
            with Horizontal(classes="actions"):
                yield Button("Cancel", id="cancel")
                yield Button("Open case", id="create", variant="primary", disabled=True)

    def _kind(self) -> CaseKind | None:
        value = self.query_one("#case-kind", Select).value
        return value if isinstance(value, CaseKind) else None

    def _problem(self) -> str | None:
        if not self.query_one("#case-name", Input).value.strip():
            return "Type the name of the person or vendor who is leaving."
        if self._kind() is None:
            return "Choose the kind of departure."
        text = self.query_one("#case-date", Input).value
        if not text.strip():
            return "Type the termination date."
        if parse_date(text) is None:
            return "Write the date as YYYY-MM-DD, e.g. 2026-12-01."
        if not self.query_one("#case-templates", SelectionList).selected:
            return "Tick at least one template."
        try:
            clean_emails(_split(self.query_one("#case-emails", Input).value))
            clean_phones(_split(self.query_one("#case-phones", Input).value))
        except ValueError as exc:
            return str(exc)
        return None

    @on(Select.Changed, "#case-kind")
    def _kind_changed(self) -> None:
        kind = self._kind()
        picker: SelectionList[str] = self.query_one("#case-templates", SelectionList)
        if kind is not None and not picker.selected:
            for template in self._templates:
                if kind in template.kinds:
                    picker.select(template.id)
                    break
        self._validate()

    @on(Input.Changed)
    @on(SelectionList.SelectedChanged)
    def _validate(self) -> None:
        problem = self._problem()
        date_text = self.query_one("#case-date", Input).value
        shown = ""
        if date_text.strip() and parse_date(date_text) is None:
            shown = "Write the date as YYYY-MM-DD, e.g. 2026-12-01."
        elif problem is not None and ("e-mail" in problem or "phone" in problem):
            shown = problem
        self.query_one("#new-case-message", Static).update(shown)
        self.query_one("#create", Button).disabled = problem is not None

    @on(Button.Pressed, "#create")
    @on(Input.Submitted, "#case-notes")
    def _create(self) -> None:
        problem = self._problem()
        kind = self._kind()
        when = parse_date(self.query_one("#case-date", Input).value)
        if problem is not None or kind is None or when is None:
            self.query_one("#new-case-message", Static).update(problem or "")
            return
        reason = self.query_one("#case-reason", Select).value
        self.dismiss(
            NewCase(
                name=self.query_one("#case-name", Input).value,
                kind=kind,
                termination_date=when,
                reason=reason.value if isinstance(reason, ReasonCategory) else "",
                notes=self.query_one("#case-notes", Input).value.strip(),
                templates=list(self.query_one("#case-templates", SelectionList).selected),
                emails=_split(self.query_one("#case-emails", Input).value),
                phones=_split(self.query_one("#case-phones", Input).value),
                vault_user=self.query_one("#case-user", Input).value.strip(),
            )
        )


class TerminationDateModal(ItexitModal[date]):
    """A new termination date; every open task's due date moves with it."""

    CSS_PATH = "case_modals.tcss"
    AUTO_FOCUS = "#new-date"
    HELP = (
        "Move the termination date. Every open task's due date moves by the same number of "
        "days; tasks already done or not applicable keep theirs."
    )

    def __init__(self, name: str, current: date) -> None:
        super().__init__()
        self._name = name
        self._current = current

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="date-dialog", classes="dialog"):
            yield Static(f"Termination date of {self._name}", classes="heading", markup=False)
            yield Static(
                "Every open task's due date moves with it; closed tasks keep theirs.",
                classes="hint",
            )
            yield Label("New date (YYYY-MM-DD)", classes="field-label")
            yield Input(value=self._current.isoformat(), id="new-date")
            yield Static("", id="date-message", classes="field-message")
            with Horizontal(classes="actions"):
                yield Button("Cancel", id="cancel")
                yield Button("Move", id="move", variant="primary")

    @on(Input.Changed, "#new-date")
    def _check(self, event: Input.Changed) -> None:
        ok = parse_date(event.value) is not None
        self.query_one("#date-message", Static).update(
            "" if ok else "Write the date as YYYY-MM-DD, e.g. 2026-12-01."
        )
        self.query_one("#move", Button).disabled = not ok

    @on(Button.Pressed, "#move")
    @on(Input.Submitted, "#new-date")
    def _move(self) -> None:
        when = parse_date(self.query_one("#new-date", Input).value)
        if when is not None:
            self.dismiss(when)


STAGE_MEANINGS: dict[CaseStatus, str] = {
    CaseStatus.PLANNING: "Planning: the last day is ahead; prepare, revoke nothing yet.",
    CaseStatus.ACTIVE: "Active: the departure is under way; critical steps come first.",
    CaseStatus.MONITORING: "Monitoring: the person has left; the mailbox and renewals are watched.",
    CaseStatus.CLOSED: "Closed: every critical step is done or set aside with a reason.",
}


class CaseStageModal(ItexitModal[CaseStatus]):
    """Move a case between planning, active, monitoring and closed."""

    CSS_PATH = "case_modals.tcss"
    AUTO_FOCUS = "#case-stage"
    HELP = (
        "A case is planning before the last day, active while the departure is under way, "
        "monitoring once the person has left and only the mailbox and renewals are watched, "
        "and closed when every critical step is done. Closing is refused while a critical "
        "task is open or set aside without a reason; every change is recorded."
    )

    def __init__(self, name: str, current: CaseStatus) -> None:
        super().__init__()
        self._name = name
        self._current = current

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="stage-dialog", classes="dialog"):
            yield Static(f"Stage of the case of {self._name}", classes="heading", markup=False)
            yield Select(
                [(status.value.capitalize(), status) for status in CaseStatus],
                value=self._current,
                allow_blank=False,
                id="case-stage",
            )
            yield Static(STAGE_MEANINGS[self._current], id="stage-meaning", classes="hint")
            with Horizontal(classes="actions"):
                yield Button("Cancel", id="cancel")
                yield Button("Change", id="change", variant="primary", disabled=True)

    @on(Select.Changed, "#case-stage")
    def _explain(self, event: Select.Changed) -> None:
        if isinstance(event.value, CaseStatus):
            self.query_one("#stage-meaning", Static).update(STAGE_MEANINGS[event.value])
            self.query_one("#change", Button).disabled = event.value is self._current

    @on(Button.Pressed, "#change")
    def _change(self) -> None:
        value = self.query_one("#case-stage", Select).value
        if isinstance(value, CaseStatus) and value is not self._current:
            self.dismiss(value)
