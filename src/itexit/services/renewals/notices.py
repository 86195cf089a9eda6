"""A renewal notice in the monitored mailbox becomes a renewal, or is linked to the one the
practice already tracks: the same flow for the app's mailbox screen and `itexit renewal
from-message`. A use case over the mailbox and renewals areas, through their public services."""

from __future__ import annotations

from dataclasses import dataclass

from itexit.domain.errors import Blocked, PermissionDenied
from itexit.domain.mailbox import ActionEntry, ActionKind, MessageRow, NewAction
from itexit.domain.notices import guess_kind, guess_vendor, likely_duplicates
from itexit.domain.renewals import NewRenewal, RenewalKind, RenewalSummary
from itexit.domain.roles import Permission
from itexit.services.context import VaultContext
from itexit.services.mailbox import MailboxService
from itexit.services.renewals.service import RenewalService


@dataclass(frozen=True)
class NoticeDraft:
    """What a notice probably announces, and the renewals it may already be about."""

    message: MessageRow
    kind: RenewalKind
    vendor: str
    item: str
    duplicates: list[RenewalSummary]


@dataclass(frozen=True)
class NoticeHandled:
    """The renewal the notice now belongs to, and the action logged against the message."""

    renewal: RenewalSummary
    action: ActionEntry
    created: bool


def _described(renewal: RenewalSummary) -> str:
    return f"{renewal.vendor}: {renewal.item} ({renewal.id[:8]}, renews {renewal.renewal_date})"


class RenewalNotices:
    """Create a renewal from a notice, or link the notice to the renewal it concerns."""

    def __init__(self, ctx: VaultContext) -> None:
        self.ctx = ctx
        self.mailboxes = MailboxService(ctx)
        self.renewals = RenewalService(ctx)

    def draft(self, mailbox: str, message_id: int) -> NoticeDraft:
        """The guesses a person checks before creating, and the likely duplicates."""
        message = self.mailboxes.message(mailbox, message_id)
        if message.sealed:
            raise PermissionDenied(
                "Your role cannot read this message, so it cannot be turned into a renewal."
            )
        item = message.subject.strip()[:200]
        return NoticeDraft(
            message=message,
            kind=guess_kind(message.subject),
            vendor=guess_vendor(message.sender),
            item=item,
            duplicates=self.duplicates(message, item, ""),
        )

    def duplicates(self, message: MessageRow, item: str, check_target: str) -> list[RenewalSummary]:
        """Renewals in use for the same item or domain as the notice."""
        return likely_duplicates(item, message.subject, check_target, self.renewals.list())

    def create(
        self, mailbox: str, message_id: int, new: NewRenewal, *, even_if_tracked: bool = False
    ) -> NoticeHandled:
        """A new renewal from the notice; refused (naming it) while a likely duplicate exists,
        unless the person says it is a different one (`even_if_tracked`)."""
        self.ctx.require(Permission.RENEWAL_WRITE)
        message = self.mailboxes.message(mailbox, message_id)
        if not even_if_tracked:
            found = self.duplicates(message, new.item, new.check_target)
            if found:
                raise Blocked(
                    f"This notice is probably about {_described(found[0])}: link it with "
                    f"--link {found[0].id[:8]}, or add --new if it is a different renewal."
                )
        action = self.mailboxes.create_renewal(mailbox, message_id, new)
        return NoticeHandled(self.renewals.get(action.renewal_id), action, created=True)

    def link(self, mailbox: str, message_id: int, renewal_ref: str) -> NoticeHandled:
        """Log the notice against a renewal already tracked (a second notice, a reminder)."""
        renewal = self.renewals.get(renewal_ref)
        self.mailboxes.message(mailbox, message_id)  # before anything is written
        action = self.mailboxes.log_action(
            mailbox,
            NewAction(
                kind=ActionKind.RENEWAL_LINKED,
                message_id=message_id,
                target=f"{renewal.vendor}: {renewal.item}",
                renewal_id=renewal.id,
            ),
        )
        return NoticeHandled(renewal=renewal, action=action, created=False)
