"""Domains, certificates and contracts in the leaver's name; auto-renewals at their cancel-by."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from itexit.domain.exposures import Closing, Exposure, ExposureKind, Severity
from itexit.domain.people import Person
from itexit.domain.renewals import BillingCycle, RenewalState, schedule
from itexit.domain.roles import Scope
from itexit.services.exposures import PRACTICE, World, make
from itexit.services.states import check_renewals
from itexit.store.renewals import Renewal

AREA = "renewals"
KINDS = frozenset({ExposureKind.RENEWAL_CONTACT.value, ExposureKind.CANCEL_BY.value})
"""The kinds of exposure this module makes (the ledger asks it only for these)."""
CANCEL_BY_AHEAD_DAYS = 14
"""An auto-renewing item is raised this many days before its cancel-by date."""
CONTACT_FIELDS = (
    ("registrant_email", "registrant"),
    ("billing_email", "billing contact"),
    ("admin_email", "admin contact"),
)


def exposures(world: World) -> list[Exposure]:
    ctx = world.ctx
    today = world.today
    leavers = world.leavers()
    matchers = world.matchers()
    out: list[Exposure] = []
    with ctx.reading() as session:
        rows = list(session.scalars(select(Renewal).order_by(Renewal.renewal_date)))
        check_renewals(ctx, rows)
        rows = [row for row in rows if row.state != RenewalState.RETIRED.value]
        readable = ctx.holds(Scope.CRED)
        documents = {row.id: ctx.unseal(row) for row in rows} if readable else {}
    for row in rows:
        label = f"{row.item} ({row.vendor})"
        closing = Closing(
            command=f"itexit renewal edit {row.id} --registrant-email ADDRESS "
            "--billing-email ADDRESS",
            screen="renewals",
            key="f7",
        )
        owner: Person | None = None
        roles: list[str] = []
        if readable:
            doc = documents[row.id]
            for candidate, ids in matchers:
                roles = [
                    what for field, what in CONTACT_FIELDS if ids.email(str(doc.get(field) or ""))
                ]
                if roles:
                    owner = candidate
                    break
        elif row.departing_match:
            roles = ["registrant or billing contact"]
        if not roles and row.departing_flag:
            roles = ["marked as theirs"]
        if roles:
            holder = owner or (leavers[0] if leavers else None)
            out.append(
                make(
                    ExposureKind.RENEWAL_CONTACT.value,
                    Severity.HIGH,
                    holder,
                    label,
                    f"renewal:{row.id}",
                    f"The {' and '.join(roles)} of {label} is the departing person: "
                    "they can let it lapse or take it.",
                    closing,
                    area=AREA,
                )
            )
        if row.auto_renew and row.state == RenewalState.ACTIVE.value:
            plan = schedule(
                row.renewal_date,
                row.auto_renew,
                row.notice_days,
                BillingCycle(row.billing_cycle),
                RenewalState(row.state),
                today,
            )
            if plan.cancel_by <= today + timedelta(days=CANCEL_BY_AHEAD_DAYS):
                passed = plan.cancel_by < today
                out.append(
                    make(
                        ExposureKind.CANCEL_BY.value,
                        Severity.HIGH,
                        None,
                        label,
                        f"cancelby:{row.id}:{plan.cancel_by.isoformat()}",
                        f"{label} renews by itself on {plan.renewal_date:%d %b %Y}; notice must "
                        f"be given by {plan.cancel_by:%d %b %Y}"
                        + (" and that date has passed." if passed else "."),
                        Closing(
                            command=f"itexit renewal state {row.id} cancelling "
                            f"(or renewal edit {row.id} --no-auto-renew)",
                            screen="renewals",
                            key="f7",
                        ),
                        area=AREA,
                        overdue=passed,
                        due=plan.cancel_by,
                        person_label=PRACTICE,
                    )
                )
    return out
