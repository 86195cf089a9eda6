"""Exposures: each way a departing person can still get in, or hold the practice hostage.

An exposure is derived from the vault's current state every time it is read and never stored
as a flag. Only an accepted risk is stored (who, why, until when), and it lapses on its own:
once "until" has passed the exposure is open again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import IntEnum, StrEnum

from itexit.domain.errors import Blocked


class Severity(IntEnum):
    """Lower is worse; the ledger lists the worst first."""

    CRITICAL = 1
    HIGH = 2
    MEDIUM = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class ExposureKind(StrEnum):
    """The kinds the vault itself can see, in the order they are listed.

    Kinds found outside the vault (a sweep of the practice's systems, the watch of old secrets)
    are other strings; `Exposure.kind` is a plain string so they need no change here.
    """

    VAULT_ACCOUNT = "vault_account"
    CREDENTIAL_KNOWN = "credential_known"
    OLD_SECRET_ALIVE = "old_secret_alive"  # noqa: S105  a kind, not a secret
    VENDOR_CONTACT = "vendor_contact"
    RENEWAL_CONTACT = "renewal_contact"
    RECOVERY_CHANNEL = "recovery_channel"
    RENEWAL_NOTICE = "renewal_notice"
    CANCEL_BY = "cancel_by"
    MAILBOX = "mailbox"
    CRITICAL_TASK = "critical_task"
    STATEMENT = "statement"
    LISTED_PASSWORD = "listed_password"  # noqa: S105  a kind, not a secret
    UNLOCK_COVERAGE = "unlock_coverage"
    CHANGED_OUTSIDE = "changed_outside"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS: dict[ExposureKind, str] = {
    ExposureKind.VAULT_ACCOUNT: "Can still unlock itexit",
    ExposureKind.CREDENTIAL_KNOWN: "Password they knew or could read",
    ExposureKind.OLD_SECRET_ALIVE: "Old password not proven dead",
    ExposureKind.VENDOR_CONTACT: "Vendor tied to them",
    ExposureKind.RENEWAL_CONTACT: "Domain or contract in their name",
    ExposureKind.RECOVERY_CHANNEL: "Account recovery goes to them",
    ExposureKind.RENEWAL_NOTICE: "Renewal notice not handled",
    ExposureKind.CANCEL_BY: "Auto-renewal at its cancel-by date",
    ExposureKind.MAILBOX: "Mailbox not watched",
    ExposureKind.CRITICAL_TASK: "Critical task overdue",
    ExposureKind.STATEMENT: "Exit statement or property",
    ExposureKind.LISTED_PASSWORD: "Listed password not verified",
    ExposureKind.UNLOCK_COVERAGE: "Too few people can unlock",
    ExposureKind.CHANGED_OUTSIDE: "Changed outside itexit",
}

OUTSIDE_LABELS: dict[str, str] = {
    "old_secret_works": "Old password works again",
    "secret_changed_behind": "Password changed outside itexit",
    "sweep_ssh_key": "SSH key left on a server",
    "sweep_sudoers": "Admin rights on a server",
    "sweep_cron": "Scheduled job on a server",
    "sweep_account": "Own account on a server",
    "sweep_admin_role": "Admin membership on a server",
    "sweep_mail_forward": "Mail forwarded outside",
    "sweep_session": "Session still open on a server",
}
"""Kinds found outside the vault's records (the watch of old secrets, the sweep of servers)."""

KIND_ORDER: dict[str, int] = {kind.value: n for n, kind in enumerate(ExposureKind)}


class ExposureState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ACCEPTED = "accepted"


@dataclass(frozen=True, slots=True, kw_only=True)
class Closing:
    """What closes an exposure: the command, and the key and screen in the app."""

    command: str
    screen: str
    """The app screen that closes it (the dashboard row opens it)."""
    key: str
    """The key that opens that screen (and the action on it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Acceptance:
    """A risk someone chose to carry for a while: who, why, until when."""

    id: str
    exposure_id: str
    accepted_by: str
    reason: str
    until: date
    at: datetime

    def current(self, today: date) -> bool:
        return today <= self.until


@dataclass(frozen=True, slots=True, kw_only=True)
class Exposure:
    """One way in; `state` says whether it is open, closed (by what) or an accepted risk.

    A plain dataclass: a large practice derives thousands on each read, and every value comes
    typed from the areas that derive them.
    """

    id: str
    kind: str
    severity: Severity
    person_id: str | None
    person: str
    """Whose exposure it is ("the departing person" when no record says who)."""
    case_id: str | None = None
    subject: str
    subject_ref: str = ""
    why: str
    closing: Closing
    state: ExposureState = ExposureState.OPEN
    overdue: bool = False
    due: date | None = None
    closed_by: str = ""
    closed_at: datetime | None = None
    closed_change: str = ""
    acceptance: Acceptance | None = None
    area: str = ""

    @property
    def kind_label(self) -> str:
        try:
            return ExposureKind(self.kind).label
        except ValueError:
            return OUTSIDE_LABELS.get(self.kind, self.kind.replace("_", " ").capitalize())

    @property
    def is_open(self) -> bool:
        return self.state is ExposureState.OPEN

    @property
    def urgent(self) -> bool:
        """Critical or overdue: `itexit remind` exits 1 while one of these is open."""
        return self.is_open and (self.severity is Severity.CRITICAL or self.overdue)

    def sort_key(self) -> tuple[int, int, int, str, str]:
        return (
            int(self.severity),
            0 if self.overdue else 1,
            KIND_ORDER.get(self.kind, len(KIND_ORDER)),
            self.person.casefold(),
            self.subject.casefold(),
        )


def exposure_id(kind: str, person_id: str | None, subject_ref: str) -> str:
    """A short id that stays the same for as long as the same thing is exposed."""
    text = f"{kind}|{person_id or '-'}|{subject_ref}"
    return "E" + hashlib.sha256(text.encode()).hexdigest()[:9].upper()


def with_acceptance(item: Exposure, acceptance: Acceptance | None, today: date) -> Exposure:
    """An open exposure carrying a current acceptance is an accepted risk; a lapsed one reopens."""
    if acceptance is None or item.state is not ExposureState.OPEN:
        return item
    if not acceptance.current(today):
        return replace(item, acceptance=acceptance)
    return replace(item, state=ExposureState.ACCEPTED, acceptance=acceptance)


def with_bound_closings(items: list[Exposure], task_keys: dict[str, str]) -> list[Exposure]:
    """A late critical task bound to a state is closed by the work it is bound to: its hint
    names that work (`itexit user remove gary`, F3), not `task done`, which it would refuse.

    `task_keys` maps task ids to their template keys (only bound tasks need be there).
    """
    out: list[Exposure] = []
    for item in items:
        key = ""
        if item.is_open and item.kind == ExposureKind.CRITICAL_TASK.value:
            key = task_keys.get(item.subject_ref.removeprefix("task:"), "")
        still = blocking(key, [e for e in items if e.case_id == item.case_id]) if key else []
        out.append(replace(item, closing=still[0].closing) if still else item)
    return out


def ordered(items: list[Exposure]) -> list[Exposure]:
    """Most severe first, overdue before not, then by kind, person and subject."""
    return sorted(items, key=Exposure.sort_key)


TASK_BINDINGS: dict[str, tuple[ExposureKind, str]] = {
    "itexit:remove-account": (ExposureKind.VAULT_ACCOUNT, "account:"),
    "it-person:exit-statement": (ExposureKind.STATEMENT, "statement:"),
    "it-person:undocumented-passwords": (ExposureKind.LISTED_PASSWORD, ""),
    "it-person:mailbox-new-password": (ExposureKind.MAILBOX, "unwatched:"),
    "it-person:vendor-support-contacts": (ExposureKind.VENDOR_CONTACT, ""),
    "replacement-onboarding:vendor-contacts-moved": (ExposureKind.VENDOR_CONTACT, ""),
}
"""Checklist tasks whose condition the app can see: the exposure kind (and subject) that must be
closed before the task can be ticked, and whose closing completes it."""


def blocking(task_key: str, exposures: list[Exposure]) -> list[Exposure]:
    """The open exposures that keep a bound task from being done ([] for unbound tasks)."""
    bound = TASK_BINDINGS.get(task_key)
    if bound is None:
        return []
    kind, prefix = bound
    return [
        e
        for e in exposures
        if e.is_open and e.kind == kind.value and e.subject_ref.startswith(prefix)
    ]


class ExposuresStillOpen(Blocked):
    """A case cannot close while its person's exposures are open; the sentence is worded for
    the command line, and `exposures` lets a screen word it for itself."""

    def __init__(self, message: str, case_name: str, exposures: list[Exposure]) -> None:
        super().__init__(message)
        self.case_name = case_name
        self.exposures = exposures


def still_open_on_screen(case_name: str, exposures: list[Exposure]) -> str:
    """The closing refusal as a screen says it: each exposure by its subject, no ids."""
    named = "; ".join(f"{e.subject} ({e.kind_label.lower()})" for e in exposures[:5])
    more = f" and {len(exposures) - 5} more" if len(exposures) > 5 else ""
    many = len(exposures) != 1
    return (
        f"{case_name} cannot be closed: {len(exposures)} exposure{'s are' if many else ' is'} "
        f"still open: {named}{more}. Close each, or accept its risk from the dashboard's list "
        "(e, then a)."
    )
