"""Each area's exposures, derived from the state it holds on every read (see services/areas.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from itexit.domain.exposures import Closing, Exposure, ExposureState, Severity, exposure_id
from itexit.domain.people import Identifiers, Person
from itexit.services.context import VaultContext

NOBODY = "the departing person"
IT_KINDS = ("it_employee", "it_vendor")
PRACTICE = "the practice"


@dataclass
class World:
    """What every area's exposures are worked out against: who is leaving, and when it is."""

    ctx: VaultContext
    today: date
    people: list[Person]
    """The person of every case, open cases first."""
    readers: list[Person] = field(default_factory=list)
    """Removed itexit users who held the credential key and are no case's person."""
    want_closed: bool = False
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def live(self) -> list[Person]:
        return [p for p in self.people if not p.case_closed]

    def leavers(self) -> list[Person]:
        """Whom an unattributed exposure belongs to: IT people leaving first, else anyone."""
        it = [p for p in self.live if p.case_kind in IT_KINDS]
        return it or self.live

    def matchers(self) -> list[tuple[Person, Identifiers]]:
        return [(p, p.matcher()) for p in self.live]

    def person_of_case(self, case_id: str) -> Person | None:
        return next((p for p in self.people if p.case_id == case_id), None)


@contextmanager
def deriving() -> Iterator[None]:
    """Hold the cycle collector off while the exposures are built.

    A large practice derives tens of thousands of small objects that hold no cycles; left on,
    the collector walks the whole program's memory dozens of times per read, while the app's
    dashboard waits for it (docs/architecture.md, "Speed work kept, with its figure";
    `bench/tricks.py`). It runs once afterwards as usual.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def make(
    kind: str,
    severity: Severity,
    person: Person | None,
    subject: str,
    subject_ref: str,
    why: str,
    closing: Closing,
    *,
    area: str,
    overdue: bool = False,
    due: date | None = None,
    person_label: str = NOBODY,
    state: ExposureState = ExposureState.OPEN,
    closed_by: str = "",
    closed_at: datetime | None = None,
    closed_change: str = "",
) -> Exposure:
    """One exposure, its id derived from what it is about so an acceptance finds it again."""
    person_id = person.id if person is not None else None
    return Exposure(
        id=exposure_id(kind, person_id, subject_ref),
        kind=kind,
        severity=severity,
        person_id=person_id,
        person=person.full_name if person is not None else person_label,
        case_id=(person.case_id or None) if person is not None else None,
        subject=subject,
        subject_ref=subject_ref,
        why=why,
        closing=closing,
        state=state,
        overdue=overdue,
        due=due,
        closed_by=closed_by,
        closed_at=closed_at,
        closed_change=closed_change,
        area=area,
    )
