"""The watch: for months after a departure, keep proving every old secret dead.

``itexit watch`` (run from cron) re-tests, for each credential whose old secret was proven
dead, that the old secret is still refused and the new one still works. It is lockout-safe: one
attempt per secret per credential per run, never retried, the credentials taken one after the
other with a pause between them. Each check is stored (sealed) and audited; an old secret that
works again is a finding the dashboard and the reminders read as critical, until the credential
is rotated again. The credential's status is never rewritten by the watch.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import func, select

from itexit.domain.changing import (
    DEFAULT_WATCH_DAYS,
    WatchCheck,
    WatchFinding,
    WatchReport,
    finding,
    watch_until,
)
from itexit.domain.credentials import CredentialStatus, SecretStage
from itexit.domain.errors import BadInput, IntegrityFailure
from itexit.domain.models import Tile
from itexit.domain.reminders import Reminder, ReminderArea
from itexit.domain.roles import Permission, Scope
from itexit.services.context import VaultContext
from itexit.services.credentials.records import add_event, find
from itexit.services.credentials.rotation import RotationService, VerifierLookup
from itexit.store.checklist import Case
from itexit.store.inventory import WatchCheck as WatchRow
from itexit.store.models import Credential, utcnow

ALARMS = (WatchFinding.OLD_WORKS, WatchFinding.NEW_REFUSED)

DEFAULT_SPACING = 2.0
"""Seconds between one credential's checks and the next's, so no system sees a burst."""

_SENTENCES = {
    WatchFinding.OLD_DEAD: "the old secret is still refused and the new one works.",
    WatchFinding.OLD_WORKS: (
        "THE OLD SECRET WORKS AGAIN: someone put it back. Rotate it now and find out who."
    ),
    WatchFinding.NEW_REFUSED: (
        "the current secret is refused: someone changed it on the system; find which works."
    ),
    WatchFinding.UNKNOWN: "the system could not be reached; nothing was learned this time.",
}


def watch_end(ctx: VaultContext, today: date) -> date | None:
    """The last day of the latest watch period running today; None when none is."""
    with ctx.reading() as session:
        rows = session.execute(select(Case.termination_date, Case.watch_days)).all()
    ends = [
        watch_until(start, days if days is not None else DEFAULT_WATCH_DAYS)
        for start, days in rows
        if start <= today
    ]
    running = [end for end in ends if end >= today]
    return max(running) if running else None


def alarms(ctx: VaultContext) -> list[tuple[str, str, WatchFinding, datetime]]:
    """Credentials whose latest watch check is an alarm not yet answered by a new rotation:
    ``(credential id, system, finding, when)``, old secrets working again first.

    A reader holding the credentials key checks each latest record against its sealed address:
    a finding edited in the database (an alarm turned into "still refused") fails that check and
    is raised as an old secret working again, since that is what someone would hide.
    """
    verify = ctx.holds(Scope.CRED)
    out = []
    with ctx.reading() as session:
        latest = (
            select(WatchRow.credential_id, func.max(WatchRow.at).label("at"))
            .group_by(WatchRow.credential_id)
            .subquery()
        )
        rows = session.execute(
            select(WatchRow, Credential.system, Credential.rotated_at)
            .join(Credential, WatchRow.credential_id == Credential.id)
            .join(
                latest,
                (latest.c.credential_id == WatchRow.credential_id) & (latest.c.at == WatchRow.at),
            )
        ).all()
        for row, system, rotated_at in rows:
            try:
                found = WatchFinding(row.finding)
                if verify:
                    ctx.unseal(row)
            except (IntegrityFailure, ValueError):
                found = WatchFinding.OLD_WORKS
            if found not in ALARMS:
                continue
            if rotated_at is not None and _aware(rotated_at) > _aware(row.at):
                continue  # rotated again since: that rotation answered it
            out.append((row.credential_id, system, found, row.at))
    out.sort(key=lambda a: (a[2] is not WatchFinding.OLD_WORKS, a[1].lower()))
    return out


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def tiles(ctx: VaultContext, today: date) -> list[Tile]:
    """A tile only while an old secret works again (or a new one stopped working)."""
    if not ctx.can(Permission.CRED_LIST):
        return []
    found = alarms(ctx)
    if not found:
        return []
    old = sum(1 for a in found if a[2] is WatchFinding.OLD_WORKS)
    return [
        Tile(
            key="watch",
            title="Old secrets working again" if old else "Rotated secrets changed",
            count=old or len(found),
            caption=", ".join(a[1] for a in found[:3]) + (" …" if len(found) > 3 else ""),
            severity="alert",
            screen="credentials",
        )
    ]


def reminders(ctx: VaultContext, today: date) -> list[Reminder]:
    if not ctx.can(Permission.CRED_LIST):
        return []
    return [
        Reminder(
            area=ReminderArea.CREDENTIALS,
            title=(
                f"{system}: the old secret works again — rotate it now"
                if found is WatchFinding.OLD_WORKS
                else f"{system}: the current secret stopped working — find which one works"
            ),
            due=at.date(),
            overdue=True,
            critical=found is WatchFinding.OLD_WORKS,
            ref=cred_id,
            detail="found by the watch",
        )
        for cred_id, system, found, at in alarms(ctx)
    ]


class WatchService:
    def __init__(
        self,
        ctx: VaultContext,
        verifiers: VerifierLookup | None = None,
        timeout: float = 10.0,
        spacing: float = DEFAULT_SPACING,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ctx = ctx
        self.rotation = RotationService(ctx, verifiers, timeout)
        self.spacing = spacing
        self._sleep = sleep

    def set_period(self, case_ref: str, days: int) -> date:
        """How many days after the case's termination date the watch runs; its last day."""
        self.ctx.require(Permission.CASE_WRITE)
        if not 1 <= days <= 3650:
            raise BadInput("A watch period is from 1 to 3650 days.")
        with self.ctx.transaction() as session:
            case = session.get(Case, case_ref)
            if case is None:
                matches = list(session.scalars(select(Case).where(Case.name == case_ref)))
                if len(matches) != 1:
                    raise BadInput(f"There is no single case called {case_ref!r}; use its id.")
                case = matches[0]
            case.watch_days = days
            self.ctx.touch(case)
            session.flush()
            self.ctx.record(session, "case.watch_period", case.name, case_id=case.id, days=days)
            return watch_until(case.termination_date, days)

    def watched(self) -> list[str]:
        """Credentials whose old secret was proven dead and is still held: what the watch tests."""
        with self.ctx.reading() as session:
            return list(
                session.scalars(
                    select(Credential.id)
                    .where(Credential.status == CredentialStatus.LOCKED_OUT.value)
                    .where(Credential.retired_at.is_(None))
                    .order_by(Credential.host, Credential.system)
                )
            )

    def run(
        self,
        today: date | None = None,
        on_check: Callable[[int, int, WatchCheck], None] | None = None,
    ) -> WatchReport:
        """One pass over every watched credential, if a watch period is running today."""
        self.ctx.require(Permission.CRED_ROTATE)
        today = today or date.today()
        until = watch_end(self.ctx, today)
        report = WatchReport(until=until)
        if until is None:
            return report
        ids = self.watched()
        for index, cred_id in enumerate(ids, start=1):
            if index > 1 and self.spacing > 0:
                self._sleep(self.spacing)
            check = self.check(cred_id)
            if check is None:
                continue
            report.checks.append(check)
            if on_check is not None:
                on_check(index, len(ids), check)
        return report

    def check(self, cred_id: str) -> WatchCheck | None:
        """One attempt with the old secret and one with the new; never retried; recorded."""
        with self.ctx.reading() as session:
            cred = find(session, cred_id)
            old_probe = self.rotation._probe(session, cred, SecretStage.PREVIOUS)
            new_probe = self.rotation._probe(session, cred, SecretStage.CURRENT)
        if old_probe is None or new_probe is None or cred.verifier == "manual" or not cred.host:
            return None
        old = self.rotation._ask(old_probe)
        new = self.rotation._ask(new_probe)
        found = finding(old.outcome.value, new.outcome.value)
        sentence = f"{cred.system}: {_SENTENCES[found]}"
        with self.ctx.transaction() as session:
            cred = find(session, cred_id)
            row = WatchRow(
                id=str(uuid.uuid4()),
                credential_id=cred.id,
                at=utcnow(),
                actor_name=self.ctx.actor.name,
                old_outcome=old.outcome.value,
                new_outcome=new.outcome.value,
                finding=found.value,
                version=1,
            )
            self.ctx.seal(
                row, {"old_detail": old.detail[:500], "new_detail": new.detail[:500]}, Scope.CRED
            )
            session.add(row)
            add_event(
                self.ctx,
                session,
                cred,
                kind="watch",
                stage="previous",
                outcome=old.outcome.value,
                detail=f"old: {old.detail} new: {new.detail}",
                note=_SENTENCES[found],
            )
            session.flush()
            self.ctx.record(
                session,
                "cred.watch",
                cred.system,
                credential_id=cred.id,
                old=old.outcome.value,
                new=new.outcome.value,
                finding=found.value,
            )
        return WatchCheck(
            credential_id=cred_id,
            system=cred.system,
            old_outcome=old.outcome.value,
            new_outcome=new.outcome.value,
            finding=found,
            sentence=sentence,
        )
