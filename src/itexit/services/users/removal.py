"""Removing a person: a new key epoch, every record re-sealed, their credentials due rotation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput, PermissionDenied, SavedButIncomplete
from itexit.domain.models import RemovalReport
from itexit.domain.roles import ROLE_SCOPES, Permission, Role, Scope
from itexit.services import roster
from itexit.services.context import VaultContext, check_bound, check_tag, seal_with_key
from itexit.services.users.members import UserBase, seal_slots, verified_roster
from itexit.store.models import Credential, KeySlot, VaultMeta
from itexit.vault.scope_keys import ScopeKeys


class UserRemoval(UserBase):
    """Offboarding someone who could unlock."""

    def remove(self, name: str) -> RemovalReport:
        """Offboard a user: new epoch, every record re-encrypted, their slots gone, rotation due."""
        self.ctx.require(Permission.USER_MANAGE)
        if not all(self.ctx.holds(s) for s in Scope):
            raise PermissionDenied("Removing a user needs every scope key (a manager's).")
        old_epoch = self.ctx.epoch
        saved_but = ""
        try:
            with self.ctx.transaction() as session:
                state = verified_roster(self.ctx, session)
                # after the write lock: someone else may have re-keyed in the meantime
                old_epoch = self.ctx.epoch
                new_epoch = old_epoch + 1
                new_keys = ScopeKeys.generate((s.value for s in Scope), new_epoch)
                leaver = self._get(session, name)
                if leaver.status != "active":
                    raise AlreadyRemoved(leaver.name)
                if leaver.id == self.ctx.actor.id:
                    raise BadInput("You cannot remove yourself; ask another manager.")
                leaver_scopes = ROLE_SCOPES[Role(state.members[leaver.id].role)]
                with session.no_autoflush:  # the re-key checks rows as they were read
                    due = mark_rotation_due(
                        self.ctx,
                        session,
                        leaver_scopes,
                        f"{leaver.name} could see it before removal",
                    )
                    reencrypted = rekey_records(self.ctx, session, new_epoch, new_keys)
                leaver.status = "removed"
                leaver.wrapped_keys = None
                leaver.removed_at = datetime.now(UTC)
                leaver.version += 1
                leaver.updated_by = self.ctx.actor.name
                session.execute(delete(KeySlot))
                remaining = [m for m in state.members.values() if m.id != leaver.id]
                meta = session.scalars(select(VaultMeta)).one()
                session.flush()
                change = roster.append(
                    session,
                    state,
                    self.ctx.vault_id,
                    "remove",
                    self.ctx.actor.id,
                    self._signer(),
                    {
                        "member_id": leaver.id,
                        "epoch": new_epoch,
                        "keys": roster.key_ids(self.ctx.vault_id, new_epoch, new_keys),
                    },
                )
                seal_slots(
                    session,
                    self.ctx.vault_id,
                    new_epoch,
                    new_keys,
                    remaining,
                    state.recovery_box,
                )
                meta.epoch = new_epoch
                meta.version += 1
                meta.updated_by = self.ctx.actor.name
                self.ctx.epoch = new_epoch
                self.ctx.record(
                    session,
                    "user.remove",
                    leaver.name,
                    subject_id=leaver.id,
                    new_epoch=new_epoch,
                    reencrypted=reencrypted,
                    rotation_due=len(due),
                    **change.audit_details(),
                )
        except SavedButIncomplete as exc:  # committed: the removal happened
            saved_but = str(exc)
        except AlreadyRemoved as exc:
            problem = self._clean_up(exc.name)
            raise BadInput(
                f"{exc.name} was already removed; "
                + (problem or "the clean-up of the vault file was run again and finished.")
            ) from None
        except BaseException:
            self.ctx.epoch = old_epoch
            raise
        self.ctx.adopt_keys(new_keys)
        new_keys.wipe()
        return RemovalReport(
            removed=leaver.name,
            new_epoch=new_epoch,
            rotation_due=due,
            records_reencrypted=reencrypted,
            cleanup_problem=self._clean_up(leaver.name) or saved_but,
        )

    def _clean_up(self, name: str) -> str:
        """Wipe the old epoch's ciphertexts from the file (after the commit); what went wrong,
        in words, or "" when it finished."""
        from sqlalchemy.exc import SQLAlchemyError

        from itexit.store.engine import checkpoint_and_vacuum

        try:
            checkpoint_and_vacuum(self.ctx.store.engine)
        except (SQLAlchemyError, OSError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            return (
                "The clean-up that wipes old encrypted copies from the vault file did not "
                f"finish ({reason}). Free some space, then run `itexit user remove {name}` "
                "again to finish it."
            )
        return ""


class AlreadyRemoved(Exception):
    """The person named was removed before: nothing to re-key."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def rekey_records(ctx: VaultContext, session: Session, new_epoch: int, new_keys: ScopeKeys) -> int:
    """Open every encrypted row under its old key and seal it under the new epoch's key."""
    from itexit.store.schema import encrypted_models  # every area's tables: only to re-key

    count = 0
    for model in encrypted_models():
        for row in session.scalars(select(model)):
            document = ctx.keys.open((row.scope, row.epoch), ctx.address(row), row.doc)
            # a re-key must not launder an edit made in SQL (this transaction's own changes,
            # such as marking rotation due, are sealed in)
            check_bound(row, document, as_loaded=True)
            check_tag(ctx, row)
            seal_with_key(
                row,
                document,
                new_keys,
                ctx.vault_id,
                new_epoch,
                ctx.actor.name,
            )
            count += 1
    session.flush()
    return count


def mark_rotation_due(
    ctx: VaultContext, session: Session, scopes: Sequence[Scope] | frozenset[Scope], reason: str
) -> list[str]:
    """Every credential sealed under a scope the leaver held must be rotated."""
    if Scope.CRED not in scopes:
        return []
    systems: list[str] = []
    active = select(Credential).where(Credential.retired_at.is_(None))
    for cred in session.scalars(active.order_by(Credential.system)):
        if not cred.rotation_due:
            cred.rotation_due = True
            cred.rotation_reason = reason[:200]
        systems.append(cred.system)
    return systems
