"""Dialogs of a case: open a new case, move the termination date, change its stage."""

from __future__ import annotations

import unicodedata
from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Input, Label, Select, SelectionList, Static

from itexit.domain.checklist import (
    CASE_NAME_MAX,
    KIND_LABELS,
    CaseKind,
    CaseStatus,
    NewCase,
    ReasonCategory,
    TemplateInfo,
)
from itexit.domain.people import clean_emails, clean_phones
from itexit.domain.wording import count
from itexit.screens.form import FormModal, refusal_line
from itexit.widgets.tick import TickList

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


class NewCaseModal(FormModal[NewCase]):
    """Who is leaving, how, when, and the templates the checklist starts from."""

    CSS_PATH = "case_modals.tcss"
    AUTO_FOCUS = "#case-name"
    DIALOG_ID = "new-case-dialog"
    HEADING = "Open a departure case"
    SAVE_ID = "create"
    SAVE_LABEL = "Open case"
    SCROLL_FIELDS = True
    HELP = (
        "Open a case for the person or vendor who is leaving. The checklist is built from the "
        "templates you tick; due dates count from the termination date. The reason and notes "
        "are kept in the HR scope: IT consultants and auditors never see them."
    )

    def __init__(
        self,
        templates: list[TemplateInfo],
        today: date,
        *,
        draft: NewCase | None = None,
        refusal: str = "",
    ) -> None:
        """`draft` and `refusal`: what was typed before and why it was refused, shown again."""
        super().__init__()
        self._templates = templates
        self._today = today
        self._draft = draft
        self._refusal = refusal

    def save_disabled(self) -> bool:
        return self._draft is None

    def below_fields(self) -> ComposeResult:
        yield Static(self._refusal, id="new-case-message", classes="field-message", markup=False)

    def fields(self) -> ComposeResult:
        d = self._draft
        yield Label("Departing person or vendor", classes="field-label")
        yield Input(d.name if d else "", placeholder="e.g. Gary Thistle", id="case-name")
        yield refusal_line("case-name-message", folded=True)
        yield Label("Kind", classes="field-label")
        yield Select(
            [(label, kind) for kind, label in KIND_LABELS.items()],
            prompt="Choose the kind of departure",
            value=d.kind if d else Select.NULL,
            id="case-kind",
        )
        yield refusal_line("case-kind-message", folded=True)
        yield Label("Termination date (YYYY-MM-DD)", classes="field-label")
        yield Input(
            d.termination_date.isoformat() if d else "",
            placeholder=f"YYYY-MM-DD, e.g. {self._today.isoformat()}",
            id="case-date",
        )
        yield refusal_line("case-date-message", folded=True)
        yield Label("Their e-mail addresses (separated by commas)", classes="field-label")
        yield Input(
            ", ".join(d.emails) if d else "",
            placeholder="e.g. gary@practice.example",
            id="case-emails",
        )
        yield refusal_line("case-emails-message", folded=True)
        yield Label("Their phone numbers (separated by commas)", classes="field-label")
        yield Input(", ".join(d.phones) if d else "", placeholder="Optional", id="case-phones")
        yield refusal_line("case-phones-message", folded=True)
        yield Label("Their itexit user name, if they have one", classes="field-label")
        yield Input(
            d.vault_user if d else "",
            placeholder="Optional: removing it becomes a critical task",
            id="case-user",
        )
        yield Label("Templates", classes="field-label")
        yield TickList[str](
            *[
                (
                    f"{t.title} ({count(t.tasks, 'task')})",
                    t.id,
                    bool(d and t.id in d.templates),
                )
                for t in self._templates
            ],
            id="case-templates",
        )
        yield refusal_line("case-templates-message", folded=True)
        yield Label("Reason (HR only)", classes="field-label")
        reason = ReasonCategory(d.reason) if d and d.reason else Select.NULL
        yield Select(
            [(label, reason) for reason, label in REASON_LABELS.items()],
            prompt="Not recorded",
            value=reason,
            id="case-reason",
        )
        yield Label("Notes (HR only)", classes="field-label")
        yield Input(d.notes if d else "", placeholder="Optional", id="case-notes")

    def _kind(self) -> CaseKind | None:
        value = self.query_one("#case-kind", Select).value
        return value if isinstance(value, CaseKind) else None

    def _problems(self) -> dict[str, str]:
        """What stops the case from opening, by the field that must change."""
        problems: dict[str, str] = {}
        name = self.query_one("#case-name", Input).value
        if not name.strip():
            problems["case-name"] = "Type the name of the person or vendor who is leaving."
        elif any(unicodedata.category(c) == "Cc" for c in name):
            problems["case-name"] = "A name cannot hold tabs or line breaks: type it on one line."
        elif len(" ".join(name.split())) > CASE_NAME_MAX:
            problems["case-name"] = (
                f"The name is longer than {CASE_NAME_MAX} characters: shorten it."
            )
        if self._kind() is None:
            problems["case-kind"] = "Choose the kind of departure."
        text = self.query_one("#case-date", Input).value
        if not text.strip():
            problems["case-date"] = "Type the termination date."
        elif parse_date(text) is None:
            problems["case-date"] = "Write the date as YYYY-MM-DD, e.g. 2026-12-01."
        if not self.query_one("#case-templates", SelectionList).selected:
            problems["case-templates"] = "Tick at least one template."
        for field, clean in (("case-emails", clean_emails), ("case-phones", clean_phones)):
            try:
                clean(_split(self.query_one(f"#{field}", Input).value))
            except ValueError as exc:
                problems[field] = str(exc)
        return problems

    def _show(self, problems: dict[str, str]) -> None:
        self.show_refusals(problems, FIELDS)  # no empty line under a field that is fine

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
        """Refusals of what was typed show at once, beside the field; what is still missing
        shows when the person tries to open the case."""
        problems = self._problems()
        typed = {
            field: text
            for field, text in problems.items()
            if field in {"case-name", "case-date", "case-emails", "case-phones"}
            and self.query_one(f"#{field}", Input).value.strip()
        }
        self._show(typed)
        if not problems:  # the form's own refusal is settled; the vault's stays till saved again
            self.query_one("#new-case-message", Static).update(self._refusal)
        self.query_one("#create", Button).disabled = bool(problems)

    @on(Input.Submitted, "#case-notes")
    def _save(self) -> None:
        problems = self._problems()
        kind = self._kind()
        when = parse_date(self.query_one("#case-date", Input).value)
        if problems or kind is None or when is None:
            self._show(problems)
            first = next((field for field in FIELDS if field in problems), None)
            if first is not None:
                self.query_one(f"#{first}").focus()
            self.query_one("#new-case-message", Static).update(
                "Nothing is saved yet: change what is marked above."
            )
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


FIELDS = ("case-name", "case-kind", "case-date", "case-emails", "case-phones", "case-templates")
"""The new-case fields that can be refused, in the order they are on screen."""


class TerminationDateModal(FormModal[date]):
    """A new termination date; every open task's due date moves with it."""

    CSS_PATH = "case_modals.tcss"
    AUTO_FOCUS = "#new-date"
    DIALOG_ID = "date-dialog"
    SAVE_ID = "move"
    SAVE_LABEL = "Move"
    HELP = (
        "Move the termination date. Every open task's due date moves by the same number of "
        "days; tasks already done or not applicable keep theirs."
    )

    def __init__(self, name: str, current: date) -> None:
        super().__init__()
        self._name = name
        self._current = current

    def heading(self) -> str:
        return f"Termination date of {self._name}"

    def fields(self) -> ComposeResult:
        yield Static(
            "Every open task's due date moves with it; closed tasks keep theirs.",
            classes="hint",
        )
        yield Label("New date (YYYY-MM-DD)", classes="field-label")
        yield Input(value=self._current.isoformat(), id="new-date")
        yield refusal_line("date-message")

    @on(Input.Changed, "#new-date")
    def _check(self, event: Input.Changed) -> None:
        ok = parse_date(event.value) is not None
        self.query_one("#date-message", Static).update(
            "" if ok else "Write the date as YYYY-MM-DD, e.g. 2026-12-01."
        )
        self.query_one("#move", Button).disabled = not ok

    @on(Input.Submitted, "#new-date")
    def _save(self) -> None:
        when = parse_date(self.query_one("#new-date", Input).value)
        if when is None:
            self.query_one("#date-message", Static).update(
                "Write the date as YYYY-MM-DD, e.g. 2026-12-01."
            )
            return
        self.dismiss(when)


STAGE_MEANINGS: dict[CaseStatus, str] = {
    CaseStatus.PLANNING: "Planning: the last day is ahead; prepare, revoke nothing yet.",
    CaseStatus.ACTIVE: "Active: the departure is under way; critical steps come first.",
    CaseStatus.MONITORING: "Monitoring: the person has left; the mailbox and renewals are watched.",
    CaseStatus.CLOSED: "Closed: every critical step is done or set aside with a reason.",
}


class CaseStageModal(FormModal[CaseStatus]):
    """Move a case between planning, active, monitoring and closed."""

    CSS_PATH = "case_modals.tcss"
    AUTO_FOCUS = "#case-stage"
    DIALOG_ID = "stage-dialog"
    SAVE_ID = "change"
    SAVE_LABEL = "Change"
    SAVE_DISABLED = True
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

    def heading(self) -> str:
        return f"Stage of the case of {self._name}"

    def fields(self) -> ComposeResult:
        yield Select(
            [(status.value.capitalize(), status) for status in CaseStatus],
            value=self._current,
            allow_blank=False,
            id="case-stage",
        )
        yield Static(STAGE_MEANINGS[self._current], id="stage-meaning", classes="hint")

    @on(Select.Changed, "#case-stage")
    def _explain(self, event: Select.Changed) -> None:
        if isinstance(event.value, CaseStatus):
            self.query_one("#stage-meaning", Static).update(STAGE_MEANINGS[event.value])
            self.query_one("#change", Button).disabled = event.value is self._current

    def _save(self) -> None:
        value = self.query_one("#case-stage", Select).value
        if isinstance(value, CaseStatus) and value is not self._current:
            self.dismiss(value)
        else:
            self.query_one("#stage-meaning", Static).update(
                "Choose a stage other than the current one, or press Escape to keep it."
            )
