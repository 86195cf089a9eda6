"""Renewal notices left in the leaver's mailbox; reviews overdue; no mailbox watched at all."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, select

from itexit.domain.exposures import Closing, Exposure, ExposureKind, Severity
from itexit.domain.mailbox import ActionKind, MessageClass, review_status
from itexit.domain.people import Person
from itexit.services.exposures import World, aware, make
from itexit.store.mailbox import MailAction, MailMessage, MailReview, MonitoredMailbox

AREA = "mailbox"
KINDS = frozenset({ExposureKind.MAILBOX.value, ExposureKind.RENEWAL_NOTICE.value})
"""The kinds of exposure this module makes (the ledger asks it only for these)."""
HANDLED = (
    ActionKind.RENEWAL_CREATED.value,
    ActionKind.RENEWAL_LINKED.value,
    ActionKind.NOTED.value,
)
"""A renewal notice is handled once a renewal was made from it or it was linked to one, or it
was set aside with a reason."""


def exposures(world: World) -> list[Exposure]:
    ctx = world.ctx
    today = world.today
    matchers = world.matchers()
    leavers = world.leavers()
    handled = exists().where(
        and_(MailAction.message_id == MailMessage.id, MailAction.kind.in_(HANDLED))
    )
    out: list[Exposure] = []
    with ctx.reading() as session:
        boxes = list(session.scalars(select(MonitoredMailbox).order_by(MonitoredMailbox.name)))
        notices = session.execute(
            select(
                MailMessage.mailbox_id,
                func.count(),
                func.max(MailMessage.id),
                func.min(MailMessage.id),
            )
            .where(MailMessage.msg_class == MessageClass.RENEWAL.value, ~handled)
            .group_by(MailMessage.mailbox_id)
        ).all()
        last: dict[str, datetime | None] = {}
        for box in boxes:
            review = session.scalars(
                select(MailReview)
                .where(MailReview.mailbox_id == box.id)
                .order_by(MailReview.reviewed_at.desc())
                .limit(1)
            ).first()
            last[box.id] = aware(review.reviewed_at) if review else None
    owners: dict[str, Person | None] = {}
    for box in boxes:
        owners[box.id] = next(
            (p for p, ids in matchers if ids.email(box.address)),
            leavers[0] if leavers else None,
        )
        status = review_status(
            mailbox=box.name,
            address=box.address,
            owner=box.owner,
            left_on=box.left_on,
            daily_weeks=box.daily_weeks,
            keep_until=box.keep_until,
            last_review=last[box.id],
            today=today,
        )
        if status.overdue and status.next_due is not None:
            out.append(
                make(
                    ExposureKind.MAILBOX.value,
                    Severity.MEDIUM,
                    owners[box.id],
                    box.address,
                    f"review:{box.id}:{status.next_due.isoformat()}",
                    f"The review of {box.address} was due on {status.next_due:%d %b %Y}: "
                    "notices, resets and threats to it go unread.",
                    Closing(
                        command=f'itexit mailbox review {box.name} --note "what you found"',
                        screen="mailbox",
                        key="f8",
                    ),
                    area=AREA,
                    overdue=True,
                    due=status.next_due,
                )
            )
    names = {box.id: box.name for box in boxes}
    for mailbox_id, waiting, newest, first_id in notices:
        name = names.get(mailbox_id, "")
        plural = "s" if waiting != 1 else ""
        out.append(
            make(
                ExposureKind.RENEWAL_NOTICE.value,
                Severity.MEDIUM,
                owners.get(mailbox_id),
                f"{waiting} renewal notice{plural} in {name}",
                # a new notice changes the id: an acceptance covers the notices it saw
                f"notices:{mailbox_id}:{newest}",
                f"{waiting} renewal notice{plural} in the mailbox {name} "
                f"{'are' if waiting != 1 else 'is'} neither linked to a renewal nor set aside "
                "with a reason: a contract or domain may lapse or renew unseen.",
                Closing(
                    command=f"itexit renewal from-message {name} {first_id} "
                    f'(or itexit mailbox dismiss {name} {first_id} --reason "why")',
                    screen="mailbox",
                    key="f8",
                ),
                area=AREA,
            )
        )
    watched = [box.address for box in boxes]
    for person, ids in matchers:
        if not person.emails or person.termination_date > today:
            continue
        if any(ids.email(address) for address in watched):
            continue
        out.append(
            make(
                ExposureKind.MAILBOX.value,
                Severity.HIGH,
                person,
                person.emails[0],
                f"unwatched:{person.id}",
                f"{person.full_name} had the address {person.emails[0]} and no monitored "
                "mailbox watches it: renewal notices and password resets go unseen.",
                Closing(
                    command=f"itexit mailbox add {person.emails[0]} "
                    f"--left-on {person.termination_date.isoformat()}",
                    screen="mailbox",
                    key="f8",
                ),
                area=AREA,
            )
        )
    return out
