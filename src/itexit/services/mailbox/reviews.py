"""The logged reviews and the cadence they keep (daily, then weekly)."""

from __future__ import annotations

import uuid
from datetime import date

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

    def _since(self, session: Session, mailbox_id: str, after: int) -> tuple[int, int]:
        """How many messages came after message `after`, and the highest id among them."""
        # naming every class present lets the database count on the (class, mailbox, id) index
        # alone instead of reading each message's row: a tenth of the time on a large mailbox
        stored = aliased(MailMessage)
        count, high = session.execute(
            select(func.count(), func.max(MailMessage.id)).where(
                MailMessage.msg_class.in_(select(stored.msg_class).distinct()),
                MailMessage.mailbox_id == mailbox_id,
                MailMessage.id > after,
            )
        ).one()
        return int(count or 0), int(high or 0)

    def record_review(
        self, ref: str, findings: str, actions: list[NewAction] | None = None
    ) -> ReviewEntry:
        """Log a review: the messages since the last one, what was found, what was done."""
        self.ctx.require(Permission.MAILBOX_REVIEW)
        findings = findings.strip()
        if not findings:
            raise BadInput('Write what the review found ("nothing new" is a finding).')
        with self.ctx.transaction() as session:
            box = self._find(session, ref)
            last = self._last_review(session, box.id)
            since_id = last.last_message_id if last is not None else 0
            since_at = aware(last.reviewed_at) if last is not None else None
            reviewed, high = self._since(session, box.id, since_id)
            for action in actions or []:
                self._log(session, box, action)
            logged = (
                select(func.count()).select_from(MailAction).where(MailAction.mailbox_id == box.id)
            )
            if since_at is not None:
                logged = logged.where(MailAction.at > since_at)
            action_count = int(session.scalar(logged) or 0)
            row = MailReview(
                id=str(uuid.uuid4()),
                mailbox_id=box.id,
                reviewer=self.ctx.actor.name,
                reviewed_at=now(),
                messages_reviewed=reviewed,
                actions=action_count,
                last_message_id=max(high, since_id),
                version=1,
            )
            self.ctx.seal(row, {"findings": findings}, Scope.CRED)
            session.add(row)
            session.flush()
            self.ctx.record(
                session,
                "mailbox.review",
                box.name,
                review_id=row.id,
                messages_reviewed=reviewed,
                actions=action_count,
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
