"""The logged reviews and the cadence they keep (daily, then weekly)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from itexit.domain.errors import BadInput
from itexit.domain.mailbox import (
    NewAction,
    ReviewEntry,
    ReviewStatus,
    review_status,
)
from itexit.domain.roles import Permission, Scope
from itexit.services.mailbox.actions import Actions
from itexit.services.mailbox.common import (
    aware,
    now,
)
from itexit.store.mailbox import (
    MailAction,
    MailMessage,
    MailReview,
    MonitoredMailbox,
)


class Reviews(Actions):
    """Reviews and review status."""

    def _last_review(self, session: Session, mailbox_id: str) -> MailReview | None:
        return session.scalars(
            select(MailReview)
            .where(MailReview.mailbox_id == mailbox_id)
            .order_by(MailReview.reviewed_at.desc())
            .limit(1)
        ).first()

    def _since(
        self, session: Session, mailbox_id: str, after: int, until: datetime | None = None
    ) -> tuple[int, int]:
        """How many messages came after message `after` (dated up to `until`, when given), and
        the highest id among them."""
        # naming every class present lets the database count on the (class, mailbox, id) index
        # alone instead of reading each message's row: a tenth of the time on a large mailbox
        stored = aliased(MailMessage)
        query = select(func.count(), func.max(MailMessage.id)).where(
            MailMessage.msg_class.in_(select(stored.msg_class).distinct()),
            MailMessage.mailbox_id == mailbox_id,
            MailMessage.id > after,
        )
        if until is not None:
            query = query.where(MailMessage.sent_at <= until)
        count, high = session.execute(query).one()
        return int(count or 0), int(high or 0)

    def record_review(
        self,
        ref: str,
        findings: str,
        actions: list[NewAction] | None = None,
        *,
        at: datetime | None = None,
    ) -> ReviewEntry:
        """Log a review: the messages since the last one, what was found, what was done.

        `at` logs a review the reviewer did earlier (read on a phone, logged at the desk): it
        must be after the last review and not in the future, and it covers the messages since
        the last review dated up to then. The audit row keeps the time it was logged.
        """
        self.ctx.require(Permission.MAILBOX_REVIEW)
        findings = findings.strip()
        if not findings:
            raise BadInput('Write what the review found ("nothing new" is a finding).')
        logged_at = now()
        if at is not None:
            at = (aware(at) or at).astimezone(UTC)
            if at > logged_at:
                raise BadInput(
                    "A review cannot be dated later than now: give the day and time it was done."
                )
            if actions:
                raise BadInput(
                    "Log the actions first, then the review: a review dated earlier records "
                    "only what it found."
                )
        with self.ctx.transaction() as session:
            box = self._find(session, ref)
            last = self._last_review(session, box.id)
            since_id = last.last_message_id if last is not None else 0
            since_at = aware(last.reviewed_at) if last is not None else None
            if at is not None and since_at is not None and at <= since_at:
                raise BadInput(
                    f"The last review of {box.name} was on {since_at:%d %b %Y at %H:%M} UTC: "
                    "date this one after it."
                )
            reviewed, high = self._since(session, box.id, since_id, until=at)
            for action in actions or []:
                self._log(session, box, action)
            logged = (
                select(func.count()).select_from(MailAction).where(MailAction.mailbox_id == box.id)
            )
            if since_at is not None:
                logged = logged.where(MailAction.at > since_at)
            if at is not None:
                logged = logged.where(MailAction.at <= at)
            action_count = int(session.scalar(logged) or 0)
            row = MailReview(
                id=str(uuid.uuid4()),
                mailbox_id=box.id,
                reviewer=self.ctx.actor.name,
                reviewed_at=at or logged_at,
                messages_reviewed=reviewed,
                actions=action_count,
                last_message_id=max(high, since_id),
                version=1,
            )
            self.ctx.seal(row, {"findings": findings}, Scope.CRED)
            session.add(row)
            session.flush()
            details: dict[str, Any] = {}
            if at is not None:
                details["reviewed_at"] = at.isoformat()
            self.ctx.record(
                session,
                "mailbox.review",
                box.name,
                review_id=row.id,
                messages_reviewed=reviewed,
                actions=action_count,
                **details,
            )
            return self._to_review(row)

    def _to_review(self, row: MailReview) -> ReviewEntry:
        doc = self.ctx.unseal(row) if self.ctx.holds(Scope.CRED) else None
        return ReviewEntry(
            id=row.id,
            reviewer=row.reviewer,
            at=aware(row.reviewed_at) or row.reviewed_at,
            messages_reviewed=row.messages_reviewed,
            actions=row.actions,
            findings=(doc or {}).get("findings", ""),
            sealed=doc is None,
        )

    def reviews(self, ref: str) -> list[ReviewEntry]:
        self.ctx.require(Permission.MAILBOX_READ)
        with self.ctx.reading() as session:
            box = self._find(session, ref)
            rows = session.scalars(
                select(MailReview)
                .where(MailReview.mailbox_id == box.id)
                .order_by(MailReview.reviewed_at.desc())
            )
            return [self._to_review(row) for row in rows]

    def _status(self, session: Session, box: MonitoredMailbox, today: date) -> ReviewStatus:
        last = self._last_review(session, box.id)
        new, _ = self._since(session, box.id, last.last_message_id if last is not None else 0)
        return review_status(
            mailbox=box.name,
            address=box.address,
            owner=box.owner,
            left_on=box.left_on,
            daily_weeks=box.daily_weeks,
            keep_until=box.keep_until,
            last_review=aware(last.reviewed_at) if last is not None else None,
            today=today,
            new_messages=new,
        )

    def status(self, ref: str, today: date | None = None) -> ReviewStatus:
        self.ctx.require(Permission.MAILBOX_READ)
        with self.ctx.reading() as session:
            return self._status(session, self._find(session, ref), today or date.today())

    def statuses(self, today: date | None = None) -> list[ReviewStatus]:
        self.ctx.require(Permission.MAILBOX_READ)
        with self.ctx.reading() as session:
            return [
                self._status(session, box, today or date.today())
                for box in session.scalars(select(MonitoredMailbox).order_by(MonitoredMailbox.name))
            ]


class MailboxService(Reviews):
    """Every use case of the monitored mailbox; each names its permission and audits changes."""
