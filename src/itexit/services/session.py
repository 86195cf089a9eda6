"""An unlocked vault: the services the screens and commands call, bound to one person."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from itexit.domain.errors import ItexitError, SavedButIncomplete
from itexit.domain.models import (
    AuditEvent,
    AuditVerdict,
    Checkpoint,
    DashboardSummary,
    Identity,
    RemovalReport,
    UnlockCoverage,
    UserInfo,
)
from itexit.domain.reminders import Reminder
from itexit.domain.roles import ROLE_SCOPES, Permission, Role
from itexit.services import audit
from itexit.services.context import VaultContext
from itexit.services.users.service import UserService

if TYPE_CHECKING:
    from itexit.services.audit_log import AuditLogService
    from itexit.services.backups.service import BackupService
    from itexit.services.checklist import CaseService
    from itexit.services.credentials.changing import ChangingService
    from itexit.services.credentials.service import CredentialService
    from itexit.services.imports import ImportService
    from itexit.services.ledger import ExposureLedger
    from itexit.services.mailbox import MailboxService
    from itexit.services.renewals.notices import RenewalNotices
    from itexit.services.renewals.service import RenewalService
    from itexit.services.statements.service import StatementService
    from itexit.services.sweep import SweepService
    from itexit.services.vendors.service import VendorService


class UnlockedVault:
    """The facade a screen holds after unlock; every call checks the role and audits changes."""

    def __init__(self, ctx: VaultContext, practice_name: str) -> None:
        self.ctx = ctx
        self.identity = Identity(
            user_id=ctx.actor.id,
            name=ctx.actor.name,
            role=ctx.actor.role,
            practice_name=practice_name,
            vault_id=ctx.vault_id,
        )
        self.users = UserService(ctx)
        ctx.after_change = self._settle

    def _settle(self, actions: frozenset[str]) -> None:
        """After a change that can close what a bound checklist task waits for, complete those
        tasks (done by itexit, with what it saw): the write happens here, never on a read."""
        from itexit.services.ledger import SETTLING, UNSETTLING

        if not any(
            (a.split(".", 1)[0] in SETTLING or a in SETTLING) and a not in UNSETTLING
            for a in actions
        ):
            return
        if not all(self.ctx.holds(s) for s in ROLE_SCOPES[self.ctx.actor.role]):
            return  # in the middle of a re-key: the use case settles once it holds the keys
        try:
            self.exposures.settle()
        except ItexitError as exc:
            raise SavedButIncomplete(
                f"The change was saved, but the checklist could not be brought up to date: {exc}"
            ) from exc

    # Each area loads on first use, so a command touching one area imports only that one.

    @cached_property
    def credentials(self) -> CredentialService:
        from itexit.services.credentials.service import CredentialService

        return CredentialService(self.ctx)

    @cached_property
    def changing(self) -> ChangingService:
        """Rotation itexit carries out on the systems themselves, and the campaign."""
        from itexit.services.credentials.changing import ChangingService

        return ChangingService(self.ctx)

    @cached_property
    def imports(self) -> ImportService:
        from itexit.services.imports import ImportService

        return ImportService(self.ctx)

    @cached_property
    def vendors(self) -> VendorService:
        from itexit.services.vendors.service import VendorService

        return VendorService(self.ctx)

    @cached_property
    def cases(self) -> CaseService:
        from itexit.services.checklist import CaseService

        return CaseService(self.ctx, exposures=self.exposures.open_for_case)

    @cached_property
    def exposures(self) -> ExposureLedger:
        """The exposure ledger every reader shares: dashboard, remind, cases, commands."""
        from itexit.services.ledger import ExposureLedger

        return ExposureLedger(self.ctx)

    @cached_property
    def statements(self) -> StatementService:
        from itexit.services.statements.service import StatementService

        return StatementService(self.ctx)

    @cached_property
    def renewals(self) -> RenewalService:
        from itexit.services.renewals.service import RenewalService

        return RenewalService(self.ctx)

    @cached_property
    def mailboxes(self) -> MailboxService:
        from itexit.services.mailbox import MailboxService

        return MailboxService(self.ctx)

    @cached_property
    def sweep(self) -> SweepService:
        from itexit.services.sweep import SweepService

        return SweepService(self.ctx)

    @cached_property
    def backups(self) -> BackupService:
        from itexit.services.backups.service import BackupService

        return BackupService(self.ctx)

    @cached_property
    def renewal_notices(self) -> RenewalNotices:
        """A mailbox notice made into a renewal, or linked to the one already tracked."""
        from itexit.services.renewals.notices import RenewalNotices

        return RenewalNotices(self.ctx)

    def can(self, permission: Permission) -> bool:
        return self.ctx.can(permission)

    # --- hand-overs ---------------------------------------------------------------------------

    def receive_handovers(self) -> int:
        """Add the passwords HR listed on an exit statement to the credentials, unverified
        (`handover.receive`); how many arrived. 0 for anyone who cannot open the inbox."""
        from itexit.services.credentials.handover import receive

        return receive(self.ctx)

    def handovers_waiting(self) -> int:
        """How many listed passwords wait for this person to receive them (0 if they cannot)."""
        from itexit.services.credentials.handover import may_receive, pending_count

        return pending_count(self.ctx) if may_receive(self.ctx) else 0

    def lock(self) -> None:
        self.ctx.lock()

    # --- people -------------------------------------------------------------------------------

    def list_users(self) -> list[UserInfo]:
        return self.users.list()

    def add_user(
        self, name: str, role: Role, passphrase: str, full_name: str = "", email: str = ""
    ) -> UserInfo:
        return self.users.add(name, role, passphrase, full_name, email)

    def edit_user(
        self,
        name: str,
        *,
        full_name: str | None = None,
        email: str | None = None,
        expected_version: int | None = None,
    ) -> UserInfo:
        """A person's full name or e-mail address; None leaves it as it is."""
        return self.users.edit_details(
            name, full_name=full_name, email=email, expected_version=expected_version
        )

    def remove_user(self, name: str) -> RemovalReport:
        report = self.users.remove(name)
        self._settle(frozenset({"user.remove"}))  # with the new key epoch's keys in hand
        return report

    def change_passphrase(
        self, name: str, new_passphrase: str, expected_version: int | None = None
    ) -> None:
        """`expected_version` (the user's version as read) refuses an edit made on a stale read."""
        self.users.change_passphrase(name, new_passphrase, expected_version)

    def coverage(self) -> UnlockCoverage:
        return self.users.coverage()

    # --- recovery kit -------------------------------------------------------------------------

    def save_recovery_kit(self, kit: str, path: Path) -> Path:
        """Write the kit shown at set-up to a 0600 file (PDF when the name ends in .pdf)."""
        from itexit.io.recovery_kit import save_kit

        self.ctx.require(Permission.USER_MANAGE)
        return save_kit(path, self.identity.practice_name, self.identity.vault_id, kit)

    def confirm_recovery_kit_stored(self) -> None:
        self.users.record_kit_stored()

    # --- dashboard ----------------------------------------------------------------------------

    def dashboard(self, today: date | None = None) -> DashboardSummary:
        from itexit.services.dashboard import summary

        return summary(self.ctx, self.identity.practice_name, self.coverage(), today)

    def reminders(self, today: date | None = None) -> list[Reminder]:
        """Everything due or overdue across the vault, most urgent first."""
        from itexit.services.remind import collect

        self.ctx.require(Permission.DASHBOARD_READ)
        return collect(self.ctx, today or date.today())

    # --- audit --------------------------------------------------------------------------------

    def verify_audit(self, checkpoint_text: str | None = None) -> AuditVerdict:
        from itexit.services.authority import verify_anchored

        self.ctx.require(Permission.AUDIT_READ)
        with self.ctx.reading() as session:
            return verify_anchored(session, self.ctx.vault_id, checkpoint_text)

    @cached_property
    def audit_log(self) -> AuditLogService:
        """The log a page at a time, for the viewer."""
        from itexit.services.audit_log import AuditLogService

        return AuditLogService(self.ctx)

    def recent_audit(self, limit: int = 50) -> list[AuditEvent]:
        self.ctx.require(Permission.AUDIT_READ)
        from sqlalchemy import select

        from itexit.services.authority import proven_events
        from itexit.store.models import AuditRow

        with self.ctx.reading() as session:
            rows = session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(limit))
            return proven_events(session, self.ctx.vault_id, rows)

    def checkpoint(self) -> Checkpoint:
        """A signed statement of the chain's head, to print and file away."""
        self.ctx.require(Permission.AUDIT_CHECKPOINT)
        verdict = self.verify_audit()
        if not verdict.ok:
            from itexit.domain.errors import CheckFailed

            raise CheckFailed(
                f"The audit log is broken at entry {verdict.first_bad_seq}: {verdict.reason}."
            )
        keys = self.ctx.actor.keys
        assert keys is not None
        from itexit.services.roster import history

        with self.ctx.reading() as session:
            last = history(session, self.ctx.vault_id)[-1]
        fields: dict[str, object] = {
            "vault_id": self.ctx.vault_id,
            "seq": verdict.head_seq,
            "hash": verdict.head_hash,
            "epoch": self.ctx.epoch,
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),  # as printed
            "signer": self.ctx.actor.name,
            "roster_root": last.root,
            "roster_seq": last.seq,
            "roster_hash": last.head,
        }
        signature = keys.signature(audit.checkpoint_message(fields)).hex()
        return Checkpoint.model_validate({**fields, "signature": signature})


def checkpoint_text(checkpoint: Checkpoint) -> str:
    return json.dumps(checkpoint.model_dump(mode="json"), indent=2)
