"""Renewals: cancel-by dates, live domain and certificate expiry, calendar export."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from itexit.domain.duplicates import renewal_described, renewal_duplicates
from itexit.domain.errors import BadInput, Blocked, ItexitError, NotFound, PermissionDenied
from itexit.domain.models import Tile
from itexit.domain.reminders import Reminder, ReminderArea
from itexit.domain.renewals import (
    REMINDER_WINDOW_DAYS,
    BillingCycle,
    CheckResult,
    CheckStatus,
    MonthLoad,
    NewRenewal,
    RenewalKind,
    RenewalState,
    RenewalStatus,
    RenewalSummary,
    action_label,
    current_term_end,
    departing_match,
    problems,
    schedule,
    timeline,
)
from itexit.domain.roles import Permission, Scope
from itexit.domain.text import plain_reason
from itexit.services.context import VaultContext, check_version, plain_enum
from itexit.services.people import departing
from itexit.services.states import check_renewals
from itexit.store.renewals import Renewal

Progress = Callable[[int, int, str], None]
"""Called as (done, total, what) while live checks run."""

_SEALED_FIELDS = ("cost", "owner", "registrant_email", "billing_email", "notes")


def _document(new: NewRenewal) -> dict[str, Any]:
    return {
        "cost": None if new.cost is None else str(new.cost),
        "owner": new.owner.strip(),
        "registrant_email": new.registrant_email.strip(),
        "billing_email": new.billing_email.strip(),
        "notes": new.notes,
    }


def _departing_people(ctx: VaultContext) -> list[str]:
    """Names and addresses of the people on open departure cases ([] when none can be read)."""
    try:
        return [str(person) for person in departing(ctx)]
    except ItexitError:
        return []


class RenewalService:
    """Add, edit, list, check and retire renewals; every write audited in its transaction."""

    def __init__(self, ctx: VaultContext) -> None:
        self.ctx = ctx

    # --- mapping ------------------------------------------------------------------------------

    def _readable(self, row: Renewal) -> dict[str, Any] | None:
        if not self.ctx.holds(Scope(row.scope)):
            return None
        return self.ctx.unseal(row)

    def _summary(
        self, row: Renewal, today: date, people: builtins.list[str] | None = None
    ) -> RenewalSummary:
        doc = self._readable(row)
        state = plain_enum(RenewalState, row, "state")
        plan = schedule(
            row.renewal_date,
            row.auto_renew,
            row.notice_days,
            BillingCycle(row.billing_cycle),
            state,
            today,
        )
        reason = ""
        if doc is not None and people is not None:
            reason = departing_match(
                [doc.get("registrant_email") or "", doc.get("billing_email") or ""], people
            )
        elif row.departing_match:
            reason = "a registrant or billing e-mail is the departing person's"
        if row.departing_flag and not reason:
            reason = "marked as tied to the departing person"
        cost = doc.get("cost") if doc is not None else None
        return RenewalSummary(
            id=row.id,
            kind=plain_enum(RenewalKind, row, "kind"),
            vendor=row.vendor,
            item=row.item,
            renewal_date=plan.renewal_date,
            auto_renew=row.auto_renew,
            notice_days=row.notice_days,
            billing_cycle=BillingCycle(row.billing_cycle),
            state=state,
            cancel_by=plan.cancel_by,
            action_label=action_label(row.auto_renew, state),
            next_action_date=plan.next_action_date,
            next_action=plan.next_action,
            days_left=plan.days_left,
            band=plan.band,
            status=plan.status,
            departing_contact=bool(reason),
            departing_reason=reason,
            departing_marked=row.departing_flag,
            check_target=row.check_target,
            checked_at=row.checked_at,
            check_status=plain_enum(CheckStatus, row, "check_status"),
            check_message=row.check_message,
            sealed=doc is None,
            cost=None if cost in (None, "") else Decimal(str(cost)),
            owner=None if doc is None else str(doc.get("owner") or ""),
            registrant_email=None if doc is None else str(doc.get("registrant_email") or ""),
            billing_email=None if doc is None else str(doc.get("billing_email") or ""),
            notes=None if doc is None else str(doc.get("notes") or ""),
            version=row.version,
            updated_by=row.updated_by,
            updated_at=row.updated_at,
        )

    def _find(self, session: Session, ref: str) -> Renewal:
        ref = ref.strip()
        row = session.get(Renewal, ref)
        if row is None and len(ref) >= 4:
            matches = list(
                session.scalars(select(Renewal).where(Renewal.id.startswith(ref, autoescape=True)))
            )
            if len(matches) == 1:
                row = matches[0]
        if row is None:
            matches = list(session.scalars(select(Renewal).where(Renewal.item == ref)))
            if len(matches) > 1:
                raise BadInput(f"More than one renewal is called {ref!r}; use its id.")
            row = matches[0] if matches else None
        if row is None:
            raise NotFound(f"There is no renewal {ref!r}.")
        return row

    @staticmethod
    def _validate(new: NewRenewal) -> None:
        found = problems(new)
        if found:
            raise BadInput(next(iter(found.values())))

    # --- reads --------------------------------------------------------------------------------

    def list(
        self,
        today: date | None = None,
        due_within: int | None = None,
        include_retired: bool = False,
    ) -> builtins.list[RenewalSummary]:
        """Every renewal, soonest next action first; `due_within` keeps those due in N days."""
        self.ctx.require(Permission.RENEWAL_READ)
        today = today or date.today()
        if due_within is not None and due_within < 0:
            raise BadInput("--due-within takes a number of days, 0 or more.")
        people = _departing_people(self.ctx)
        with self.ctx.reading() as session:
            rows = list(session.scalars(select(Renewal).order_by(Renewal.renewal_date)))
            check_renewals(self.ctx, rows)
            items = [self._summary(row, today, people) for row in rows]
        if not include_retired:
            items = [i for i in items if i.state is not RenewalState.RETIRED]
        if due_within is not None:
            items = [i for i in items if i.days_left is not None and i.days_left <= due_within]
        return sorted(
            items,
            key=lambda i: (
                i.next_action_date is None,
                i.next_action_date or date.max,
                i.vendor.lower(),
                i.item.lower(),
            ),
        )

    def get(self, ref: str, today: date | None = None) -> RenewalSummary:
        self.ctx.require(Permission.RENEWAL_READ)
        people = _departing_people(self.ctx)
        with self.ctx.reading() as session:
            return self._summary(self._find(session, ref), today or date.today(), people)

    def _many(self, refs: builtins.list[str]) -> builtins.list[RenewalSummary]:
        """The renewals `refs` name, read in one session with one departing-people lookup."""
        people = _departing_people(self.ctx)
        today = date.today()
        with self.ctx.reading() as session:
            return [self._summary(self._find(session, ref), today, people) for ref in refs]

    def timeline(self, today: date | None = None, months: int = 12) -> builtins.list[MonthLoad]:
        """Renewals and their cost per month for the next `months` months."""
        return timeline(self.list(today, include_retired=False), today or date.today(), months)

    # --- writes -------------------------------------------------------------------------------

    def add(self, new: NewRenewal, *, even_if_listed: bool = False) -> RenewalSummary:
        """Record a renewal (from the form, the command line or a renewal-notice e-mail);
        refused, naming it, while one for the same item, domain, or vendor and date is listed,
        unless the person says this is another (`even_if_listed`). Inside another use case's
        transaction (a notice made into a renewal) it joins that one."""
        self.ctx.require(Permission.RENEWAL_WRITE)
        self._validate(new)
        people = _departing_people(self.ctx)
        found = [] if even_if_listed else self.duplicates(new)
        if found:
            raise Blocked(
                f"This looks like {renewal_described(found[0])} already listed "
                f"({found[0].id[:8]}); add --new if it is a different renewal."
            )
        with self.ctx.transaction() as session:
            return self._summary(self._insert(session, new, people), date.today(), people)

    def duplicates(self, new: NewRenewal) -> builtins.list[RenewalSummary]:
        """Renewals in use that `new` probably repeats (see `domain.duplicates`)."""
        return renewal_duplicates(new, self.list())

    def _insert(self, session: Session, new: NewRenewal, people: builtins.list[str]) -> Renewal:
        """Add a checked renewal in the open transaction, with its audit row."""
        row = Renewal(
            id=str(uuid.uuid4()),
            kind=new.kind.value,
            vendor=new.vendor.strip()[:200],
            item=new.item.strip()[:200],
            renewal_date=new.renewal_date,
            auto_renew=new.auto_renew,
            notice_days=new.notice_days,
            billing_cycle=new.billing_cycle.value,
            state=RenewalState.ACTIVE.value,
            departing_flag=new.departing_contact,
            departing_match=bool(
                departing_match([new.registrant_email, new.billing_email], people)
            ),
            check_target=new.check_target.strip()[:255],
            check_status=CheckStatus.NEVER.value,
            check_message="",
            version=1,
        )
        self.ctx.seal(row, _document(new), Scope.CRED)
        session.add(row)
        session.flush()
        self.ctx.record(
            session,
            "renewal.add",
            f"{row.vendor}: {row.item}",
            renewal_id=row.id,
            kind=row.kind,
            renewal_date=row.renewal_date.isoformat(),
            auto_renew=row.auto_renew,
            notice_days=row.notice_days,
        )
        return row

    def edit(self, ref: str, new: NewRenewal, expected_version: int | None) -> RenewalSummary:
        """Replace a renewal's fields, refusing an edit made against an older read."""
        self.ctx.require(Permission.RENEWAL_WRITE)
        self._validate(new)
        people = _departing_people(self.ctx)
        departing = bool(departing_match([new.registrant_email, new.billing_email], people))
        with self.ctx.transaction() as session:
            row = self._find(session, ref)
            check_version(row, expected_version)
            before = {
                "renewal_date": row.renewal_date.isoformat(),
                "notice_days": row.notice_days,
                "auto_renew": row.auto_renew,
            }
            row.kind = new.kind.value
            row.vendor = new.vendor.strip()[:200]
            row.item = new.item.strip()[:200]
            row.renewal_date = new.renewal_date
            row.auto_renew = new.auto_renew
            row.notice_days = new.notice_days
            row.billing_cycle = new.billing_cycle.value
            row.departing_flag = new.departing_contact
            row.departing_match = departing
            if row.check_target != new.check_target.strip()[:255]:
                row.check_target = new.check_target.strip()[:255]
                row.check_status = CheckStatus.NEVER.value
                row.check_message = ""
                row.checked_at = None
            old_doc = self.ctx.unseal(row)
            doc = _document(new)
            self.ctx.seal(row, doc)
            session.flush()
            after = {
                "renewal_date": row.renewal_date.isoformat(),
                "notice_days": row.notice_days,
                "auto_renew": row.auto_renew,
            }
            changed = sorted(
                [k for k in before if before[k] != after[k]]
                + [k for k in _SEALED_FIELDS if old_doc.get(k) != doc.get(k)]
            )
            self.ctx.record(
                session,
                "renewal.edit",
                f"{row.vendor}: {row.item}",
                renewal_id=row.id,
                changed=changed,
                renewal_date=row.renewal_date.isoformat(),
                previous_date=before["renewal_date"],
            )
            return self._summary(row, date.today(), people)

    def set_state(
        self, ref: str, state: RenewalState, expected_version: int | None = None
    ) -> RenewalSummary:
        """Give notice (cancelling), retire, or make a renewal active again."""
        self.ctx.require(Permission.RENEWAL_WRITE)
        people = _departing_people(self.ctx)
        with self.ctx.transaction() as session:
            row = self._find(session, ref)
            check_version(row, expected_version)
            if row.state == state.value:
                return self._summary(row, date.today(), people)
            previous = row.state
            if state is RenewalState.CANCELLING and row.state == RenewalState.ACTIVE.value:
                # notice given: it ends at the end of the term now running, not an old date
                row.renewal_date = current_term_end(
                    row.renewal_date,
                    row.auto_renew,
                    BillingCycle(row.billing_cycle),
                    date.today(),
                )
            row.state = state.value
            self.ctx.touch(row)
            session.flush()
            self.ctx.record(
                session,
                "renewal.state",
                f"{row.vendor}: {row.item}",
                renewal_id=row.id,
                state=state.value,
                previous=previous,
            )
            return self._summary(row, date.today(), people)

    def delete(self, ref: str, expected_version: int | None = None) -> None:
        """Remove a renewal recorded by mistake (retire one that ended instead)."""
        self.ctx.require(Permission.RENEWAL_WRITE)
        with self.ctx.transaction() as session:
            row = self._find(session, ref)
            check_version(row, expected_version)
            self.ctx.record(
                session,
                "renewal.delete",
                f"{row.vendor}: {row.item}",
                renewal_id=row.id,
                renewal_date=row.renewal_date.isoformat(),
            )
            session.delete(row)

    # --- live checks --------------------------------------------------------------------------

    def checkable(self) -> builtins.list[RenewalSummary]:
        """Active domains and certificates with something to look up."""
        return [
            i
            for i in self.list()
            if i.kind in (RenewalKind.DOMAIN, RenewalKind.CERTIFICATE) and _target_of(i)
        ]

    def check(
        self,
        refs: builtins.list[str] | None = None,
        progress: Progress | None = None,
        timeout: float = 10.0,
        cancelled: Callable[[], bool] | None = None,
    ) -> builtins.list[CheckResult]:
        """Read each domain's expiry by RDAP and each certificate's by TLS; store what changed.

        The network work runs outside any transaction; each result is then written and audited
        in its own short transaction, so one slow host never holds the database.
        """
        self.ctx.require(Permission.RENEWAL_WRITE)
        items = self._many(refs) if refs else self.checkable()
        results: builtins.list[CheckResult] = []
        total = len(items)
        for done, item in enumerate(items):
            if cancelled is not None and cancelled():
                break
            target = _target_of(item)
            if progress is not None:
                progress(done, total, target or item.item)
            results.append(self._check_one(item, target, timeout))
        if progress is not None:
            progress(len(results), total, "done")
        return results

    def _check_one(self, item: RenewalSummary, target: str, timeout: float) -> CheckResult:
        from itexit.io.rdap import RdapError, lookup_domain
        from itexit.io.tls_expiry import TlsError, read_certificate

        found: date | None = None
        source: dict[str, str] = {}
        warning = ""
        message: str
        status: CheckStatus
        if item.kind not in (RenewalKind.DOMAIN, RenewalKind.CERTIFICATE):
            return CheckResult(
                id=item.id,
                item=item.item,
                target=target,
                status=CheckStatus.FAILED,
                message=f"A {item.kind.value} has nothing to read live; check it by hand.",
                old_date=item.renewal_date,
            )
        try:
            if not target:
                raise BadInput(f"{item.item} has no domain or host to check.")
            if item.kind is RenewalKind.DOMAIN:
                facts = lookup_domain(target, timeout=timeout)
                found = facts.expires.date() if facts.expires else None
                source = {
                    "registrar": facts.registrar,
                    "expires": facts.expires.isoformat() if facts.expires else "",
                    "last_changed": facts.last_changed.isoformat() if facts.last_changed else "",
                    "server": facts.server,
                }
                message = (
                    f"RDAP: registrar {facts.registrar or 'not stated'}, "
                    f"expires {found.isoformat() if found else 'not stated'}"
                )
            else:
                cert = read_certificate(target, timeout=timeout)
                found = cert.not_after.date()
                source = {
                    "issuer": cert.issuer,
                    "subject": cert.subject,
                    "names": ", ".join(cert.names),
                    "expires": cert.not_after.isoformat(),
                    "verified": "yes" if cert.verified else "no",
                }
                message = (
                    f"TLS: {cert.issuer}, valid until {found.isoformat()}, "
                    f"names {', '.join(cert.names[:4]) or 'none'}"
                )
                if not cert.verified:
                    warning = f"chain does not verify: {cert.verify_error}"
            if found is None:
                status = CheckStatus.WARNING
                message += "; no expiry date at the source"
            else:
                # A chain that does not verify is a warning on every check, the first included,
                # even when the date also changed.
                changed = found != item.renewal_date
                if changed:
                    message += f"; was {item.renewal_date.isoformat()}"
                if warning:
                    status = CheckStatus.WARNING
                else:
                    status = CheckStatus.CHANGED if changed else CheckStatus.OK
            if warning:
                message += f"; {warning}"
        except (RdapError, TlsError, BadInput) as exc:
            status, message, found = CheckStatus.FAILED, str(exc), None
        self._store_check(item, status, message[:500], found)
        return CheckResult(
            id=item.id,
            item=item.item,
            target=target,
            status=status,
            message=message,
            old_date=item.renewal_date,
            new_date=found,
            source=source,
        )

    def _store_check(
        self, item: RenewalSummary, status: CheckStatus, message: str, found: date | None
    ) -> None:
        with self.ctx.transaction() as session:
            row = self._find(session, item.id)
            details: dict[str, Any] = {"renewal_id": row.id, "status": status.value}
            if found is not None and found != row.renewal_date:
                details["previous_date"] = row.renewal_date.isoformat()
                details["renewal_date"] = found.isoformat()
                row.renewal_date = found
            row.check_status = status.value
            row.check_message = message
            row.checked_at = datetime.now(UTC)
            self.ctx.touch(row)
            session.flush()
            self.ctx.record(
                session,
                "renewal.date_changed" if "previous_date" in details else "renewal.check",
                f"{row.vendor}: {row.item}",
                **details,
            )

    # --- calendar -----------------------------------------------------------------------------

    def export_ics(
        self, path: Path, include_details: bool = False, today: date | None = None
    ) -> int:
        """Write the calendar of cancel-by and renewal dates; returns the number of events."""
        from itexit.io.ics import write_calendar

        self.ctx.require(Permission.RENEWAL_READ)
        items = self.list(today)
        if include_details and any(i.sealed for i in items):
            raise PermissionDenied("Your role cannot read costs and e-mails to put in a calendar.")
        try:
            count = write_calendar(path, items, self.ctx.vault_id, include_details=include_details)
        except OSError as exc:
            raise BadInput(f"Cannot write the calendar to {path}: {plain_reason(exc)}.") from None
        with self.ctx.transaction() as session:
            self.ctx.record(
                session,
                "renewal.export_ics",
                path.name,
                events=count,
                include_details=include_details,
            )
        return count


def _target_of(item: RenewalSummary) -> str:
    """What to look up: the check target, or the item itself when it is a bare domain."""
    if item.check_target:
        return item.check_target
    name = item.item.strip().lower()
    if item.kind is RenewalKind.DOMAIN and "." in name and " " not in name:
        return name
    return ""


# --- the area's plug-ins ------------------------------------------------------------------------


def tiles(ctx: VaultContext, today: date) -> list[Tile]:
    """Renewals with an action in the next 30 days, and any whose cancel-by has passed."""
    if not ctx.can(Permission.RENEWAL_READ):
        return []
    items = RenewalService(ctx).list(today)
    if not items:
        return [
            Tile(
                key="renewals",
                title="Renewals due soon",
                count=None,
                caption="not set up yet",
                severity="idle",
                screen="renewals",
            )
        ]
    overdue = [i for i in items if i.status in (RenewalStatus.OVERDUE, RenewalStatus.EXPIRED)]
    soon = [i for i in items if i.status is RenewalStatus.DUE]
    departing = [i for i in items if i.departing_contact]
    caption = f"{len(overdue)} past their date" if overdue else "within 30 days"
    if departing:
        caption += f"; {len(departing)} tied to the leaver"
    return [
        Tile(
            key="renewals",
            title="Renewals due soon",
            count=len(soon) + len(overdue),
            caption=caption,
            severity="alert" if overdue else ("warn" if soon or departing else "ok"),
            screen="renewals",
        )
    ]


def reminders(ctx: VaultContext, today: date) -> list[Reminder]:
    """Cancel-by and renewal dates within the reminder window; passed ones flagged overdue."""
    if not ctx.can(Permission.RENEWAL_READ):
        return []
    found: list[Reminder] = []
    for item in RenewalService(ctx).list(today):
        label = f"{item.vendor}: {item.item}"
        if item.status is RenewalStatus.EXPIRED:
            found.append(
                Reminder(
                    area=ReminderArea.RENEWALS,
                    title=f"{label} expired",
                    due=item.renewal_date,
                    overdue=True,
                    ref=item.id[:8],
                    detail="not renewed by its date",
                )
            )
            continue
        if (
            item.state is RenewalState.ACTIVE
            and item.days_left is not None
            and item.days_left <= REMINDER_WINDOW_DAYS
        ):
            missed = item.days_left < 0
            found.append(
                Reminder(
                    area=ReminderArea.RENEWALS,
                    title=f"{label}: {item.action_label} {item.cancel_by.isoformat()}"
                    + (" (missed)" if missed else ""),
                    due=item.cancel_by,
                    overdue=missed,
                    critical=item.departing_contact,
                    ref=item.id[:8],
                    detail=item.departing_reason,
                )
            )
        days_to_renewal = (item.renewal_date - today).days
        if item.state is not RenewalState.RETIRED and 0 <= days_to_renewal <= REMINDER_WINDOW_DAYS:
            found.append(
                Reminder(
                    area=ReminderArea.RENEWALS,
                    title=f"{label} "
                    + (
                        "ends"
                        if item.state is RenewalState.CANCELLING
                        else ("renews" if item.auto_renew else "expires")
                    )
                    + f" {item.renewal_date.isoformat()}",
                    due=item.renewal_date,
                    overdue=False,
                    ref=item.id[:8],
                )
            )
    return found
