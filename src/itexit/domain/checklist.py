"""Cases, tasks, templates and evidence: the termination checklist's plain models and rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import ConfigDict, Field

from itexit.domain.base import Model
from itexit.domain.roles import Role, Scope


class _Frozen(Model):
    model_config = ConfigDict(frozen=True)


class CaseKind(StrEnum):
    IT_EMPLOYEE = "it_employee"
    IT_VENDOR = "it_vendor"
    CLINICIAN = "clinician"
    ROLE_CHANGE = "role_change"

    @property
    def cli_name(self) -> str:
        """The spelling on the command line: `it-employee`."""
        return self.value.replace("_", "-")

    @property
    def label(self) -> str:
        return KIND_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> CaseKind:
        """Accept `it-employee`, `it_employee` or `IT employee`."""
        value = text.strip().lower().replace("-", "_").replace(" ", "_")
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(k.cli_name for k in cls)
            raise ValueError(f"Unknown kind {text!r}; choose one of: {names}.") from None


KIND_LABELS: dict[CaseKind, str] = {
    CaseKind.IT_EMPLOYEE: "IT employee",
    CaseKind.IT_VENDOR: "IT vendor",
    CaseKind.CLINICIAN: "Clinician",
    CaseKind.ROLE_CHANGE: "Role change",
}


class CaseStatus(StrEnum):
    PLANNING = "planning"
    ACTIVE = "active"
    MONITORING = "monitoring"
    CLOSED = "closed"


class Phase(StrEnum):
    BEFORE = "before"
    DAY_OF = "day_of"
    AFTER = "after"
    ONGOING = "ongoing"

    @property
    def label(self) -> str:
        return PHASE_LABELS[self]


PHASE_LABELS: dict[Phase, str] = {
    Phase.BEFORE: "Before the termination",
    Phase.DAY_OF: "On the day",
    Phase.AFTER: "After the departure",
    Phase.ONGOING: "Ongoing",
}


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    NOT_APPLICABLE = "na"

    @property
    def closed(self) -> bool:
        return self is not TaskStatus.OPEN


TASK_ROLES = (Role.MANAGER, Role.CONSULTANT, Role.HR)
"""The roles a task can be given to: the auditor never completes anything."""

MAX_BLOB_BYTES = 20 * 1024 * 1024
"""Evidence files above this are refused: scan at a lower resolution or split the file."""


class ReasonCategory(StrEnum):
    """Why the party is leaving, in HR's categories; kept in the hr scope with the notes."""

    RESIGNATION = "resignation"
    TERMINATION = "termination"
    SKILLS_MISMATCH = "skills_mismatch"
    REORGANISATION = "reorganisation"
    CONTRACT_ENDED = "contract_ended"
    END_OF_TRAINING = "end_of_training"
    RETIREMENT = "retirement"
    ROLE_CHANGE = "role_change"
    OTHER = "other"


# --- cases --------------------------------------------------------------------------------------


CASE_NAME_MAX = 200
"""The longest name of a departing person or vendor a case takes."""


class NewCase(Model):
    """What opening a case needs; reason and notes are personal and sealed for HR."""

    name: str
    kind: CaseKind
    termination_date: date
    reason: str = ""
    notes: str = ""
    templates: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    """Every e-mail address of the departing person (matched against vendors, renewals…)."""
    phones: list[str] = Field(default_factory=list)
    vault_user: str = ""
    """Their itexit account, if they have one: the case starts with removing it."""


class CaseSummary(_Frozen):
    id: str
    name: str
    kind: CaseKind
    termination_date: date
    status: CaseStatus
    version: int
    templates: list[str] = Field(default_factory=list)
    tasks_total: int = 0
    tasks_closed: int = 0
    critical_open: int = 0
    critical_overdue: int = 0
    overdue: int = 0
    next_due: date | None = None
    next_due_title: str = ""

    @property
    def progress(self) -> float:
        return self.tasks_closed / self.tasks_total if self.tasks_total else 0.0


class BlobRef(_Frozen):
    """An evidence file kept in the vault: the SHA-256 lets a reader match the paper copy."""

    id: str
    sha256: str
    filename: str
    size: int


class TaskEvent(_Frozen):
    """One line of a task's history; `note` is None when the reader lacks its scope key."""

    at: datetime
    actor: str
    action: str
    note: str | None = None
    attachment: BlobRef | None = None
    sealed: bool = False


class TaskInfo(_Frozen):
    id: str
    number: int
    case_id: str
    title: str
    guidance: str
    reference: str
    phase: Phase
    critical: bool
    offset_days: int
    due: date | None
    role: Role
    assignee: str
    status: TaskStatus
    completed_by: str = ""
    completed_at: datetime | None = None
    depends_on: list[int] = Field(default_factory=list)
    waiting_on_critical: list[int] = Field(default_factory=list)
    template: str = ""
    version: int = 1

    def overdue(self, today: date) -> bool:
        return self.status is TaskStatus.OPEN and self.due is not None and self.due < today


class TaskDetail(TaskInfo):
    """A task with what only the side panel needs: evidence, reason and history."""

    evidence_note: str | None = None
    na_reason: str | None = None
    attachments: list[BlobRef] = Field(default_factory=list)
    history: list[TaskEvent] = Field(default_factory=list)
    sealed_for: str = ""
    """Set when the evidence is sealed for a scope the reader does not hold."""


class CaseDetail(CaseSummary):
    tasks: list[TaskInfo] = Field(default_factory=list)
    reason: str | None = None
    notes: str | None = None
    """None when the reader does not hold the hr key."""


class MyTask(_Frozen):
    """A task in "My tasks": the task and the case it belongs to."""

    case_id: str
    case_name: str
    task: TaskInfo


class NewTask(Model):
    """A practice-specific task added to a case."""

    title: str
    phase: Phase = Phase.AFTER
    critical: bool = False
    due: date | None = None
    role: Role = Role.MANAGER
    guidance: str = ""
    depends_on: list[int] = Field(default_factory=list)


# --- templates ----------------------------------------------------------------------------------


class TemplateTask(Model):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=60)
    title: str = Field(min_length=3, max_length=200)
    phase: Phase
    critical: bool = False
    offset_days: int = Field(ge=-365, le=730)
    role: Role
    guidance: str = Field(min_length=10)
    reference: str = Field(min_length=3)
    depends_on: list[str] = Field(default_factory=list)


class TemplateInfo(_Frozen):
    id: str
    title: str
    description: str
    kinds: list[CaseKind]
    source: str
    tasks: int
    path: str


def due_date(termination: date, offset_days: int) -> date:
    return termination + timedelta(days=offset_days)


def task_scope(role: Role) -> Scope:
    """Evidence of consultant tasks may hold system details → cred; the rest is personnel → hr."""
    return Scope.CRED if role is Role.CONSULTANT else Scope.HR
