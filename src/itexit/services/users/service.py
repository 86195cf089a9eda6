"""People who can unlock the vault: the list, adding someone, their details; `UserService`.

`UserService` gathers the use cases: `members` (names, rows, key slots, the signed member
list) → `passphrases` (change, reset) and `removal` (a new key epoch) → `service`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from itexit.domain.errors import BadInput
from itexit.domain.models import UnlockCoverage, UserInfo
from itexit.domain.roles import ROLE_SCOPES, Permission, Role
from itexit.services import roster
from itexit.services.context import check_version
from itexit.services.passphrase import require_acceptable
from itexit.services.users.members import (
    KIT_STORED,
    new_user_row,
    person_details,
    seal_slots,
    to_info,
    validate_name,
    verified_roster,
)
from itexit.services.users.passphrases import UserPassphrases, new_params
from itexit.services.users.removal import UserRemoval
from itexit.store.models import AuditRow, User, VaultMeta
from itexit.vault.keys import KeyPair


class UserService(UserPassphrases, UserRemoval):
    """Every use case about who may unlock; each change one audited transaction."""

    def list(self, include_removed: bool = True) -> list[UserInfo]:
        self.ctx.require(Permission.USER_LIST)
        with self.ctx.reading() as session:
            query = select(User).order_by(User.status, User.name)
            if not include_removed:
                query = query.where(User.status == "active")
            return [to_info(u) for u in session.scalars(query)]

    def coverage(self) -> UnlockCoverage:
        with self.ctx.reading() as session:
            active = session.scalars(select(User).where(User.status == "active")).all()
            meta = session.scalars(select(VaultMeta)).first()
            kit_stored = session.scalars(
                select(AuditRow.seq).where(AuditRow.action == KIT_STORED).limit(1)
            ).first()
        return UnlockCoverage(
            managers=sum(1 for u in active if u.role == Role.MANAGER.value),
            people=len(active),
            has_recovery_kit=bool(meta and meta.recovery_box_public),
            kit_confirmed=kit_stored is not None,
        )

    def record_kit_stored(self) -> None:
        """A manager confirmed, by typing part of it back, that the recovery kit is stored."""
        self.ctx.require(Permission.USER_MANAGE)
        with self.ctx.transaction() as session:
            self.ctx.record(session, KIT_STORED, "recovery kit")

    def add(
        self, name: str, role: Role, passphrase: str, full_name: str = "", email: str = ""
    ) -> UserInfo:
        self.ctx.require(Permission.USER_MANAGE)
        name = validate_name(name)
        full, address = person_details(full_name, email)
        require_acceptable(passphrase, (name, full or ""))
        for scope in ROLE_SCOPES[role]:
            self.ctx.require_key(scope)  # refused before the slow key derivation
        pair = KeyPair.generate()
        user = new_user_row(self.ctx.vault_id, name, role, passphrase, pair, new_params())
        user.updated_by = self.ctx.actor.name
        user.full_name, user.email = full or "", address or ""
        with self.ctx.transaction() as session:
            state = verified_roster(self.ctx, session)
            # the keys of the epoch the transaction holds (another manager may have re-keyed)
            for scope in ROLE_SCOPES[role]:
                self.ctx.require_key(scope)
            if session.scalars(select(User).where(User.name == name)).first() is not None:
                raise BadInput(f"There is already a user called {name} (names are never reused).")
            session.add(user)
            session.flush()
            member = roster.member_of(user)
            change = roster.append(
                session,
                state,
                self.ctx.vault_id,
                "add",
                self.ctx.actor.id,
                self._signer(),
                {"member": member.as_json()},
            )
            seal_slots(session, self.ctx.vault_id, self.ctx.epoch, self.ctx.keys, [member], None)
            self.ctx.record(
                session,
                "user.add",
                name,
                subject_id=user.id,
                role=role.value,
                sign_key=pair.sign_public.hex(),
                full_name=user.full_name,
                email=user.email,
                **change.audit_details(),
            )
        return to_info(user)

    def edit_details(
        self,
        name: str,
        *,
        full_name: str | None = None,
        email: str | None = None,
        expected_version: int | None = None,
    ) -> UserInfo:
        """Change a person's full name or e-mail address (None leaves it as it is)."""
        self.ctx.require(Permission.USER_MANAGE)
        full, address = person_details(full_name, email)
        with self.ctx.transaction() as session:
            user = self._get(session, name)
            check_version(user, expected_version)
            changed: dict[str, str] = {}
            if full is not None and full != user.full_name:
                user.full_name = full
                changed["full_name"] = full
            if address is not None and address != user.email:
                user.email = address
                changed["email"] = address
            if not changed:
                return to_info(user)
            user.version += 1
            user.updated_by = self.ctx.actor.name
            user.updated_at = datetime.now(UTC)
            session.flush()
            self.ctx.record(session, "user.edit", user.name, subject_id=user.id, **changed)
            return to_info(user)
