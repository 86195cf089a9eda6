"""Changing a secret on the system itself, a campaign of such changes, and the watch afterwards.

A changer logs in (as the account itself, or with a linked admin credential), sets the pending
secret and ends the account's other sessions. What it reports is one of :class:`ChangeOutcome`;
only CHANGED or ALREADY let a rotation go on to testing the new secret. Nothing here touches the
network or the store: these are the words the layers share, and the pure rules between them.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from pydantic import ConfigDict, Field

from itexit.domain.base import Model
from itexit.domain.credentials import CredentialStatus

DEFAULT_WATCH_DAYS = 180
"""How long after the departure the watch keeps proving the old secrets dead, unless a case says."""

CHANGEABLE = ("postgresql", "mariadb", "ldap", "ssh")
"""The systems itexit can change a password on itself, named as their verifiers are."""


class ChangeMethod(StrEnum):
    """How a credential's secret is changed on its system."""

    PERSON = "person"
    """A person sets it by hand and itexit verifies (the manual path)."""
    SELF = "self"
    """itexit logs in as the account with a secret it holds and changes its own password."""
    ADMIN = "admin"
    """itexit logs in with another, linked credential that may change this account's password."""


class ChangeOutcome(StrEnum):
    CHANGED = "changed"
    """The system took the new secret."""
    ALREADY = "already"
    """The new secret already worked (a run after a crash): nothing needed setting."""
    REFUSED = "refused"
    """The system refused the new secret (too short, used before…): nothing changed there."""
    NO_LOGIN = "no_login"
    """None of the secrets tried let itexit in to make the change."""
    UNREACHABLE = "unreachable"
    """No connection, a timeout, an untrusted certificate or host key: nothing was sent."""
    ERROR = "error"
    """Anything else; the detail says what."""


class ChangeResult(Model):
    """What one changer run did; the detail is one sentence and never holds a secret."""

    model_config = ConfigDict(frozen=True)

    changer: str
    outcome: ChangeOutcome
    detail: str
    logged_in_with: str = ""
    """pending, current, previous (a self-change) or admin."""
    sessions_ended: int = 0
    connect_seconds: float = 0.0
    set_seconds: float = 0.0


class AutoStep(StrEnum):
    """The steps of a rotation itexit carries out itself, in order."""

    SAVE = "save"
    SET = "set"
    TEST_NEW = "test_new"
    TEST_OLD = "test_old"
    DONE = "done"


class AutoRotation(Model):
    """The end of one credential's automatic rotation: how far it got and what a person must do."""

    credential_id: str
    system: str
    status: CredentialStatus
    done: bool
    """The new secret works and the old one is proven dead."""
    reached: AutoStep
    sentence: str
    """One sentence for the summary: what happened, or what a person must do and why."""
    needs_person: bool = False
    connect_seconds: float = 0.0
    set_seconds: float = 0.0
    verify_seconds: float = 0.0


class CampaignReport(Model):
    done: list[AutoRotation] = Field(default_factory=list)
    needs_person: list[AutoRotation] = Field(default_factory=list)
    manual: list[str] = Field(default_factory=list)
    """Due credentials with no changer: the systems a person rotates by hand."""
    seconds: float = 0.0


class WatchFinding(StrEnum):
    OLD_DEAD = "old_dead"
    """The old secret is still refused: as it should be."""
    OLD_WORKS = "old_works"
    """The old secret works again: someone put it back. Critical."""
    NEW_REFUSED = "new_refused"
    """The current secret no longer works: someone changed it on the system."""
    UNKNOWN = "unknown"
    """The system could not be reached; nothing was learned."""


class WatchCheck(Model):
    credential_id: str
    system: str
    old_outcome: str
    new_outcome: str
    finding: WatchFinding
    sentence: str


class WatchReport(Model):
    checks: list[WatchCheck] = Field(default_factory=list)
    until: date | None = None
    """The last day of the watch period; None when no case's watch is running."""

    @property
    def alarms(self) -> list[WatchCheck]:
        return [
            c
            for c in self.checks
            if c.finding in (WatchFinding.OLD_WORKS, WatchFinding.NEW_REFUSED)
        ]


def watch_until(termination: date, days: int) -> date:
    return termination + timedelta(days=days)


def finding(old_outcome: str, new_outcome: str) -> WatchFinding:
    """What one watch check found, from the verifiers' outcomes (accepted, rejected, …)."""
    if old_outcome == "accepted":
        return WatchFinding.OLD_WORKS
    if new_outcome == "rejected":
        return WatchFinding.NEW_REFUSED
    if old_outcome == "rejected" and new_outcome == "accepted":
        return WatchFinding.OLD_DEAD
    return WatchFinding.UNKNOWN


def change_allowed(status: CredentialStatus) -> bool:
    """A credential a campaign may take on: not yet proven rotated, nor in a muddle to sort out."""
    return status not in (CredentialStatus.LOCKED_OUT, CredentialStatus.NEEDS_RECONCILE)
