"""Plain models the services return and the screens show; no storage or crypto here."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, Field

from itexit.domain.base import Model
from itexit.domain.exposures import Exposure
from itexit.domain.roles import Role


class Frozen(Model):
    model_config = ConfigDict(frozen=True, defer_build=True)


class UserStatus(StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"


class UserInfo(Frozen):
    id: str
    name: str
    role: Role
    status: UserStatus
    created_at: datetime
    removed_at: datetime | None = None
    version: int = 1
    full_name: str = ""
    email: str = ""


FULL_NAME_MAX = 120
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def clean_full_name(text: str) -> str:
    """A person's full name as typed: any letters (an "ü" is a letter), one space between words."""
    if any(unicodedata.category(c) == "Cc" for c in text.strip("\r\n")):
        raise ValueError("A full name cannot hold control characters (tabs, line breaks).")
    name = " ".join(text.split())
    if len(name) > FULL_NAME_MAX:
        raise ValueError(f"A full name has at most {FULL_NAME_MAX} characters.")
    return name


def clean_email(text: str) -> str:
    """An e-mail address, or "" for none; refused when it cannot be one."""
    value = text.strip()
    if value and (len(value) > 254 or not _EMAIL.match(value)):
        raise ValueError(f"{value!r} is not an e-mail address.")
    return value


class VaultInfo(Frozen):
    vault_id: str
    practice_name: str
    epoch: int
    created_at: datetime
    has_recovery_kit: bool
    backend: str


class Identity(Frozen):
    """Who is unlocked: shown in the header and stamped on every audit row."""

    user_id: str
    name: str
    role: Role
    practice_name: str
    vault_id: str


class UnlockCoverage(Frozen):
    """How many independent ways in exist; the app warns while this is thin."""

    managers: int
    people: int
    has_recovery_kit: bool
    kit_confirmed: bool = False
    """A manager confirmed the recovery kit stored away (an audited event), not merely issued."""

    @property
    def warning(self) -> str | None:
        """Set while fewer than two managers can open everything, or one and no recovery kit."""
        if self.managers == 0 and not self.has_recovery_kit:
            return "Nobody can open the whole vault and there is no recovery kit."
        if self.managers == 0:
            return "No manager can open the whole vault: only the recovery kit can."
        if self.managers == 1 and not self.has_recovery_kit:
            return "Only one person can open the whole vault and there is no recovery kit."
        if self.managers == 1:
            return "Only one person can open the whole vault: add a second manager."
        return None


class Tile(Frozen):
    """One dashboard tile: a headline count and what it means, or 'not set up yet'."""

    key: str
    title: str
    count: int | None
    caption: str
    severity: str = "ok"  # ok | warn | alert | idle
    screen: str | None = None


class DashboardSummary(Frozen):
    practice_name: str
    tiles: list[Tile]
    coverage: UnlockCoverage
    departing: list[str]
    exposures: list[Exposure] = Field(default_factory=list)
    """Open exposures, most severe first: what the departing person can still reach."""
    accepted: int = 0
    """Exposures carried as accepted risks (not counted as open)."""


class AuditEvent(Frozen):
    seq: int
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, object]


class AuditVerdict(Frozen):
    ok: bool
    rows: int
    first_bad_seq: int | None = None
    reason: str | None = None
    head_seq: int = 0
    head_hash: str = ""
    legacy_rows: int = 0
    """Entries written before the vault's member list was signed (checked by the log's keys)."""
    unsigned_rows: int = 0
    """Failed unlocks: nobody was proven, so they name nobody."""
    anchor: str = ""
    """What the log was compared with beyond itself: this workstation's witness, a checkpoint,
    or nothing ("") when neither was there."""


class Checkpoint(Frozen):
    vault_id: str
    seq: int
    hash: str
    epoch: int
    at: datetime
    signer: str
    signature: str
    roster_root: str = ""
    roster_seq: int = 0
    roster_hash: str = ""


class RemovalReport(Frozen):
    """What removing a user did: the new epoch and the credentials now due for rotation."""

    removed: str
    new_epoch: int
    rotation_due: list[str]
    records_reencrypted: int
    cleanup_problem: str = ""
    """What did not finish after the removal was committed ("" when everything did)."""
