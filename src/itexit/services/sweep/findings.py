"""Recording sweep findings, and the ledger's view of them: open findings, tiles, reminders.

:func:`record` is the one way findings enter the vault, for a real sweep and for the demo
alike. A finding is closed only when a sweep of its host no longer finds it (a re-check), or
when a person accepts its risk saying why.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput, NotFound
from itexit.domain.models import Tile
from itexit.domain.reminders import Reminder, ReminderArea
from itexit.domain.roles import Permission, Scope
from itexit.domain.sweep import (
    KIND_LABELS,
    Finding,
    FindingKind,
    FindingStatus,
    HostReport,
    Severity,
)
from itexit.services.context import VaultContext
from itexit.store.checklist import Case
from itexit.store.models import utcnow
from itexit.store.sweep import SweepFinding

_DOC = ("system", "subject", "why", "closes", "evidence", "closed_by", "note")


def to_model(ctx: VaultContext, row: SweepFinding) -> Finding:
    """The finding; what it names (system, subject, evidence) is sealed, so a role without the
    credentials key (the auditor) reads only its kind, host, state and dates."""
    sealed = ctx.holds(Scope.CRED)
    doc = ctx.unseal(row) if sealed else {}
    return Finding(
        id=row.id,
        case_id=row.case_id,
        ident=row.ident,
        kind=FindingKind(row.kind),
        host=row.host,
        status=FindingStatus(row.status),
        severity=Severity(row.severity),
        found_at=row.found_at,
        closed_at=row.closed_at,
        system=str(doc.get("system", "")),
        subject=str(doc.get("subject", "")) if sealed else KIND_LABELS[FindingKind(row.kind)],
        why=str(doc.get("why", "")),
        closes=str(doc.get("closes", "")),
        evidence={str(k): str(v) for k, v in dict(doc.get("evidence") or {}).items()},
        closed_by=str(doc.get("closed_by", "")),
        note=str(doc.get("note", "")),
    )


def _doc(item: Finding) -> dict[str, Any]:
    return {
        "system": item.system,
        "subject": item.subject[:300],
        "why": item.why[:1000],
        "closes": item.closes[:500],
        "evidence": {k: v[:500] for k, v in item.evidence.items()},
        "closed_by": item.closed_by,
        "note": item.note[:1000],
    }


def _set_status(
    ctx: VaultContext, row: SweepFinding, status: FindingStatus, by: str, note: str
) -> None:
    doc = ctx.unseal(row)
    row.status = status.value
    row.closed_at = None if status is FindingStatus.OPEN else utcnow()
    doc["closed_by"] = by if status is not FindingStatus.OPEN else ""
    doc["note"] = note[:1000]
    ctx.seal(row, doc)


def record(ctx: VaultContext, case_id: str, reports: list[HostReport]) -> list[Finding]:
    """Store what a sweep saw: new findings open, gone ones closed (proven by this re-check).

    Only hosts that were reached count as a re-check: a host that could not be read leaves
    its findings as they were.
    """
    ctx.require(Permission.CRED_ROTATE)
    out: list[Finding] = []
    with ctx.transaction() as session:
        if session.get(Case, case_id) is None:
            raise NotFound(f"There is no case {case_id!r}.")
        opened = closed = 0
        for host in reports:
            if not host.reached:
                continue
            rows = {
                r.ident: r
                for r in session.scalars(
                    select(SweepFinding).where(
                        SweepFinding.case_id == case_id, SweepFinding.host == host.host
                    )
                )
            }
            seen: set[str] = set()
            for item in host.findings:
                item = item.with_ident()
                if item.ident in seen:
                    continue
                seen.add(item.ident)
                row = rows.get(item.ident)
                if row is None:
                    row = SweepFinding(
                        id=str(uuid.uuid4()),
                        case_id=case_id,
                        ident=item.ident,
                        kind=item.kind.value,
                        host=item.host,
                        status=FindingStatus.OPEN.value,
                        severity=item.severity.value,
                        version=1,
                    )
                    ctx.seal(row, _doc(item), Scope.CRED)
                    session.add(row)
                    opened += 1
                else:
                    row.last_seen_at = utcnow()
                    if row.status == FindingStatus.CLOSED.value:
                        row.severity = item.severity.value
                        _set_status(ctx, row, FindingStatus.OPEN, "", "found again by a sweep")
                        opened += 1
                    elif row.status == FindingStatus.OPEN.value:
                        doc = ctx.unseal(row)
                        fresh = {
                            k: v for k, v in _doc(item).items() if k not in ("closed_by", "note")
                        }
                        if any(doc.get(k) != v for k, v in fresh.items()):
                            ctx.seal(row, {**doc, **fresh})
            for ident, row in rows.items():
                if ident not in seen and row.status == FindingStatus.OPEN.value:
                    _set_status(
                        ctx,
                        row,
                        FindingStatus.CLOSED,
                        ctx.actor.name,
                        f"no longer found by the sweep of {host.host}",
                    )
                    closed += 1
        session.flush()
        ctx.record(
            session,
            "sweep.record",
            case_id,
            hosts=[h.host for h in reports if h.reached],
            unreached=[h.host for h in reports if not h.reached],
            opened=opened,
            closed=closed,
        )
        for host in reports:
            for row in session.scalars(
                select(SweepFinding)
                .where(SweepFinding.case_id == case_id, SweepFinding.host == host.host)
                .order_by(SweepFinding.found_at, SweepFinding.id)
            ):
                out.append(to_model(ctx, row))
    return out


def find_row(session: Session, ref: str) -> SweepFinding:
    text = ref.strip()
    row = session.get(SweepFinding, text)
    if row is None and len(text) >= 6:
        rows = list(session.scalars(select(SweepFinding).where(SweepFinding.id.startswith(text))))
        row = rows[0] if len(rows) == 1 else None
        if len(rows) > 1:
            raise BadInput(f"More than one finding starts with {text!r}; give more of its id.")
    if row is None:
        raise NotFound(f"There is no sweep finding {text!r}.")
    return row


def listed(
    ctx: VaultContext, case_id: str | None = None, status: FindingStatus | None = None
) -> list[Finding]:
    """Findings (of one case, in one state), grouped by host, most serious first."""
    ctx.require(Permission.CRED_LIST)
    query = select(SweepFinding)
    if case_id is not None:
        query = query.where(SweepFinding.case_id == case_id)
    if status is not None:
        query = query.where(SweepFinding.status == status.value)
    with ctx.reading() as session:
        rows = list(session.scalars(query))
        items = [to_model(ctx, r) for r in rows]
    return sorted(
        items, key=lambda f: (f.host, f.severity is not Severity.ALERT, f.kind, f.subject)
    )


def accept_risk(ctx: VaultContext, ref: str, why: str) -> Finding:
    """Leave a finding in place on purpose; who and why are recorded (and audited)."""
    ctx.require(Permission.CRED_ROTATE)
    if not why.strip():
        raise BadInput("Say why the risk is accepted; it is kept with the finding.")
    with ctx.transaction() as session:
        row = find_row(session, ref)
        _set_status(ctx, row, FindingStatus.ACCEPTED, ctx.actor.name, why.strip())
        session.flush()
        ctx.record(session, "sweep.accept", row.host, finding_id=row.id, kind=row.kind)
        return to_model(ctx, row)


def open_findings(ctx: VaultContext) -> list[Finding]:
    """Every open finding of the cases not yet closed: each is an exposure in the ledger.

    A finding carries its severity, subject, why, and what closes it (the command is
    ``itexit sweep close ID``).
    """
    with ctx.reading() as session:
        rows = list(
            session.scalars(
                select(SweepFinding)
                .join(Case, Case.id == SweepFinding.case_id)
                .where(Case.status != "closed")
            )
        )
        # Every row a reader can open is opened, not only those the plain status calls open:
        # a status changed in SQL behind the app's back fails to decrypt instead of hiding an
        # open finding. A reader without the key (an auditor, HR) sees the plain columns.
        items = [to_model(ctx, r) if ctx.holds(Scope(r.scope)) else _plain_model(r) for r in rows]
    return [f for f in items if f.status is FindingStatus.OPEN]


def _plain_model(row: SweepFinding) -> Finding:
    """What a reader without the credentials key may know of a finding: kind, host, state."""
    return Finding(
        id=row.id,
        case_id=row.case_id,
        ident=row.ident,
        kind=FindingKind(row.kind),
        host=row.host,
        status=FindingStatus(row.status),
        severity=Severity(row.severity),
        found_at=row.found_at,
        closed_at=row.closed_at,
        subject=row.host,
        why="The sweep found it on this server; its details are sealed for those who hold the "
        "credentials key.",
        closes="",
    )


def _open_counts(ctx: VaultContext) -> tuple[Counter[str], Counter[str], datetime | None]:
    with ctx.reading() as session:
        rows = session.execute(
            select(SweepFinding.host, SweepFinding.severity, func.min(SweepFinding.found_at))
            .join(Case, Case.id == SweepFinding.case_id)
            .where(SweepFinding.status == FindingStatus.OPEN.value, Case.status != "closed")
            .group_by(SweepFinding.host, SweepFinding.severity)
        ).all()
        swept = session.scalar(select(func.max(SweepFinding.last_seen_at)))
    by_host: Counter[str] = Counter()
    by_severity: Counter[str] = Counter()
    for host, severity, _first in rows:
        by_host[host] += 1
        by_severity[severity] += 1
    return by_host, by_severity, swept


def tiles(ctx: VaultContext, today: date) -> list[Tile]:
    """One tile: ways in still open on the practice's own servers (from plain counts)."""
    by_host, by_severity, swept = _open_counts(ctx)
    total = sum(by_host.values())
    if swept is None:
        return [
            Tile(
                key="sweep",
                title="Ways in left on servers",
                count=None,
                caption="no sweep yet",
                severity="idle",
                screen="sweep",
            )
        ]
    hosts = len(by_host)
    return [
        Tile(
            key="sweep",
            title="Ways in left on servers",
            count=total,
            caption=f"on {hosts} host{'s' if hosts != 1 else ''}" if total else "none open",
            severity="alert" if by_severity["alert"] else "warn" if total else "ok",
            screen="sweep",
        )
    ]


def reminders(ctx: VaultContext, today: date) -> list[Reminder]:
    """One reminder per host with open findings: they are due now (the person has left)."""
    by_host, _severities, _swept = _open_counts(ctx)
    return [
        Reminder(
            area=ReminderArea.SWEEP,
            title=f"{count} way{'s' if count != 1 else ''} in still open on {host}",
            due=today,
            overdue=True,
            critical=True,
            ref=host,
            detail="itexit sweep --host HOST, then close each finding",
        )
        for host, count in sorted(by_host.items())
    ]
