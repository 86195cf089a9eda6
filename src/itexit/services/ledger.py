"""The exposure ledger: every area's exposures, read from the current state, with acceptances.

The dashboard, `itexit remind`, `itexit exposure`, the checklist's bound tasks and case closing
all call `ExposureLedger.derive`; there is no second computation.
"""

from __future__ import annotations

import builtins
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from itexit.domain.checklist import task_scope
from itexit.domain.errors import BadInput, NotFound, PermissionDenied
from itexit.domain.exposures import (
    TASK_BINDINGS,
    Acceptance,
    Exposure,
    ExposureKind,
    ExposureState,
    blocking,
    ordered,
    with_acceptance,
    with_bound_closings,
)
from itexit.domain.people import norm_name
from itexit.domain.roles import Permission, Role, Scope
from itexit.services import people
from itexit.services.areas import AREAS
from itexit.services.context import VaultContext, plain_enum
from itexit.services.exposures import World, deriving
from itexit.store.checklist import Case, Task
from itexit.store.mailbox import MonitoredMailbox
from itexit.store.people import AcceptanceRow
from itexit.store.statements import ExitStatement
from itexit.store.vendors import Vendor

STATES = ("open", "closed", "accepted", "all")
SETTLING = frozenset(
    {"user.remove", "statement", "mailbox", "vendor", "cred", "import", "handover", "exposure"}
)
"""The audited changes (an action, or its family) that can close what a bound checklist task
waits for: after one, the session completes the tasks now satisfied (`settle`)."""
UNSETTLING = frozenset({"cred.reveal", "cred.copy"})
"""Audited actions of those families that change nothing (a secret shown or copied)."""
MAX_ACCEPT_DAYS = 366
"""An acceptance lasts at most a year: a risk is looked at again at least that often."""


class ExposureLedger:
    """Read the ledger, and accept a risk for a while (managers only, audited)."""

    def __init__(self, ctx: VaultContext) -> None:
        self.ctx = ctx

    def world(self, today: date, want_closed: bool = False) -> World:
        with self.ctx.reading() as session:
            everyone = people.load(self.ctx, session)
            linked = {p.user_id for p in everyone if p.user_id}
            readers = people.removed_readers(session, linked)
        return World(
            ctx=self.ctx, today=today, people=everyone, readers=readers, want_closed=want_closed
        )

    def checks_states(self) -> bool:
        """Whether this reader holds the key the credentials' states are checked with: a
        viewer does not, and sees the plain states as the database holds them."""
        return self.ctx.holds(Scope.CRED)

    def acceptances(self) -> dict[str, Acceptance]:
        """The latest acceptance of each exposure id."""
        out: dict[str, Acceptance] = {}
        with self.ctx.reading() as session:
            for row in session.scalars(select(AcceptanceRow).order_by(AcceptanceRow.at)):
                reason = "(sealed)"
                if self.ctx.holds(Scope(row.scope)):
                    reason = str(self.ctx.unseal(row).get("reason", ""))
                out[row.exposure_id] = Acceptance(
                    id=row.id,
                    exposure_id=row.exposure_id,
                    accepted_by=row.accepted_by,
                    reason=reason,
                    until=date.fromisoformat(row.until),
                    at=row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC),
                )
        return out

    def derive(self, today: date | None = None, want_closed: bool = False) -> list[Exposure]:
        """Every exposure as of today, most severe first, acceptances applied."""
        self.ctx.require(Permission.DASHBOARD_READ)
        today = today or date.today()
        world = self.world(today, want_closed)
        accepted = self.acceptances()
        found: dict[str, Exposure] = {}
        with deriving():
            for area in AREAS:
                for item in area.exposures(world):
                    if item.id in found and found[item.id].state is not ExposureState.CLOSED:
                        continue
                    found[item.id] = item
            items = with_bound_closings(list(found.values()), self._bound_task_keys(found))
            if not accepted:
                return ordered(items)
            return ordered([with_acceptance(e, accepted.get(e.id), today) for e in items])

    def _bound_task_keys(self, found: dict[str, Exposure]) -> dict[str, str]:
        """The template keys of the late tasks among `found` that are bound to a state."""
        late = [
            e.subject_ref.removeprefix("task:")
            for e in found.values()
            if e.kind == ExposureKind.CRITICAL_TASK.value and e.is_open
        ]
        if not late:
            return {}
        with self.ctx.reading() as session:
            rows = session.execute(
                select(Task.id, Task.key).where(
                    Task.id.in_(late), Task.key.in_(list(TASK_BINDINGS))
                )
            ).all()
        return {task_id: key for task_id, key in rows}

    def list(
        self,
        *,
        person: str | None = None,
        case: str | None = None,
        state: str = "open",
        today: date | None = None,
    ) -> list[Exposure]:
        if state not in STATES:
            raise BadInput(f"Choose a state among {', '.join(STATES)}.")
        want_closed = state in ("closed", "all")
        items = self.derive(today, want_closed=want_closed)
        if state != "all":
            wanted_state = ExposureState(state)
            items = [e for e in items if e.state is wanted_state]
        if case:
            case_id = self._case_id(case)
            items = [e for e in items if e.case_id == case_id]
        if person:
            wanted = norm_name(person)
            items = [
                e
                for e in items
                if e.person_id == person or (wanted and norm_name(e.person) == wanted)
            ]
        return items

    def settle(self, today: date | None = None) -> builtins.list[str]:
        """Complete each bound checklist task the state now satisfies; returns what was done.

        What itexit sees that satisfies a task is read first; only the kinds of exposure bound
        to the tasks it sees done are derived then (`_bound_exposures`), not the whole ledger:
        the vendor contacts of a vendor task, not every credential of the practice.
        """
        from itexit.services.checklist import CaseService

        if not self.ctx.can(Permission.TASK_COMPLETE):
            return []
        today = today or date.today()
        with self.ctx.reading() as session:
            rows = session.execute(
                select(Task, Case.name)
                .join(Case, Case.id == Task.case_id)
                .where(
                    Case.status != "closed",
                    Task.status == "open",
                    Task.key.in_(list(TASK_BINDINGS)),
                )
            ).all()
        if not rows:
            return []
        world = self.world(today)
        seen: builtins.list[tuple[Task, str, str]] = []
        for task, case_name in rows:
            if not self.ctx.holds(task_scope(plain_enum(Role, task, "role"))):
                continue  # what itexit saw is sealed with the task: its role's next change does it
            saw = self._seen(task.key, task.case_id, world)
            if saw:
                seen.append((task, case_name, saw))
        if not seen:
            return []
        items = self._bound_exposures(
            world, frozenset(TASK_BINDINGS[t.key][0].value for t, _, _ in seen)
        )
        done: builtins.list[str] = []
        service = CaseService(self.ctx)
        for task, case_name, saw in seen:
            if blocking(task.key, [e for e in items if e.case_id == task.case_id]):
                continue
            if service.complete_seen(task.case_id, task.id, saw):
                done.append(f"{case_name} #{task.number}")
        return done

    def _bound_exposures(self, world: World, kinds: frozenset[str]) -> builtins.list[Exposure]:
        """The exposures of these kinds, acceptances applied: what `derive` gives of them
        (an exposure's id names its kind, so no other kind ever stands in for one of them)."""
        self.ctx.require(Permission.DASHBOARD_READ)
        accepted = self.acceptances()
        found: dict[str, Exposure] = {}
        with deriving():
            for area in AREAS:
                for item in area.exposures_of(world, kinds):
                    if item.id in found and found[item.id].state is not ExposureState.CLOSED:
                        continue
                    found[item.id] = item
        return [with_acceptance(e, accepted.get(e.id), world.today) for e in found.values()]

    def _seen(self, key: str, case_id: str, world: World) -> str:
        """What the app sees that satisfies a bound task ('' while it cannot tell)."""
        person = world.person_of_case(case_id)
        if person is None:
            return ""
        with self.ctx.reading() as session:
            signed = (
                session.scalar(select(ExitStatement.status).where(ExitStatement.case_id == case_id))
                == "signed"
            )
            vendors = int(session.scalar(select(func.count()).select_from(Vendor)) or 0)
            watched = list(session.scalars(select(MonitoredMailbox.address)))
        ids = person.matcher()
        if key == "itexit:remove-account":
            if person.user_id and not person.user_active and person.user_removed_at:
                when = f"{person.user_removed_at:%Y-%m-%d}"
                return f"{person.user_name} was removed from itexit on {when}."
            return ""
        if key == "it-person:exit-statement":
            return "the exit statement is recorded as signed." if signed else ""
        if key == "it-person:undocumented-passwords":
            if signed:
                return "the statement is signed; every password it lists is in the inventory."
            return ""
        if key == "it-person:mailbox-new-password":
            address = next((a for a in watched if ids.email(a)), "")
            return f"the mailbox {address} is monitored." if address else ""
        if vendors:
            return "no vendor names them as its only contact, owner or billing contact."
        return ""

    def still_members(self) -> builtins.list[str]:
        """Departing people who can still unlock itexit: any secret made now is theirs to read."""
        self.ctx.require(Permission.DASHBOARD_READ)
        with self.ctx.reading() as session:
            everyone = people.load(self.ctx, session, include_closed=False)
        return [f"{p.full_name} ({p.user_name})" for p in everyone if p.user_active]

    def open_for_case(self, case_id: str, today: date | None = None) -> builtins.list[Exposure]:
        """What stops a case from closing: its person's exposures, open and not accepted."""
        return [e for e in self.derive(today) if e.case_id == case_id and e.is_open]

    def get(self, ref: str, today: date | None = None) -> Exposure:
        key = ref.strip().upper()
        for item in self.derive(today, want_closed=True):
            if item.id == key:
                return item
        raise NotFound(f"There is no exposure {ref.strip()!r} (itexit exposure list shows them).")

    def may_accept(self) -> bool:
        """Whether the unlocked person may accept a risk (practice managers only)."""
        return self.ctx.actor.role is Role.MANAGER

    def accept(self, ref: str, reason: str, until: date, today: date | None = None) -> Exposure:
        """Carry a risk knowingly until a date; audited, and open again once the date passes."""
        self.ctx.require(Permission.DASHBOARD_READ)
        if not self.may_accept():
            raise PermissionDenied("Only a practice manager can accept a risk.")
        today = today or date.today()
        reason = " ".join(reason.split())
        if len(reason) < 5:
            raise BadInput("Say why the risk is accepted: a reason of a few words is needed.")
        if until < today:
            raise BadInput(f"{until} has passed; accept a risk until a date still to come.")
        if (until - today).days > MAX_ACCEPT_DAYS:
            raise BadInput("A risk can be accepted for at most a year; choose an earlier date.")
        item = self.get(ref, today)
        if item.state is ExposureState.CLOSED:
            raise BadInput(f"{item.id} is already closed; there is nothing to accept.")
        row = AcceptanceRow(
            id=str(uuid.uuid4()),
            exposure_id=item.id,
            accepted_by=self.ctx.actor.name,
            until=until.isoformat(),
            at=datetime.now(UTC),
            version=1,
        )
        with self.ctx.transaction() as session:
            scope = Scope.CRED if self.ctx.holds(Scope.CRED) else Scope.HR
            self.ctx.seal(row, {"reason": reason, "subject": item.subject}, scope)
            session.add(row)
            session.flush()
            self.ctx.record(
                session,
                "exposure.accept",
                item.id,
                kind=item.kind,
                person=item.person,
                subject=item.subject,
                until=until.isoformat(),
            )
        return self.get(item.id, today)

    def _case_id(self, ref: str) -> str:
        text = ref.strip()
        with self.ctx.reading() as session:
            row = session.get(Case, text) if len(text) == 36 else None
            if row is None:
                rows = list(session.scalars(select(Case).where(Case.name == text)))
                if not rows and len(text) >= 6:
                    rows = list(session.scalars(select(Case).where(Case.id.startswith(text))))
                if len(rows) > 1:
                    raise BadInput(f"More than one case is called {text!r}; use the case id.")
                row = rows[0] if rows else None
            if row is None:
                raise NotFound(f"There is no case {text!r}.")
            return row.id
