"""Passphrases: your own changed (your keys re-wrapped), someone else's reset (new keys)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete

from itexit.domain.errors import BadInput, PermissionDenied, StaleEdit
from itexit.domain.roles import ROLE_SCOPES, Permission, Role
from itexit.services import roster
from itexit.services.context import check_version, stale_message
from itexit.services.passphrase import require_acceptable
from itexit.services.users.members import UserBase, seal_slots, verified_roster
from itexit.store.models import KeySlot, User
from itexit.vault import kdf
from itexit.vault.keys import KeyPair, user_key_aad, wrap_user_keys


def new_params() -> kdf.KdfParams:
    """This machine's parameters (calibrated once per process), with a salt of its own."""
    return kdf.profile_params()


def _set_params(user: User, params: kdf.KdfParams) -> None:
    user.kdf_memory_kib = params.memory_kib
    user.kdf_time_cost = params.time_cost
    user.kdf_parallelism = params.parallelism
    user.kdf_salt = params.salt


class UserPassphrases(UserBase):
    """Changing and resetting a passphrase."""

    def change_passphrase(
        self, name: str, new_passphrase: str, expected_version: int | None = None
    ) -> None:
        """Your own: re-wrap your keys. Someone else's (manager): a new key pair sealed afresh."""
        if name.strip() != self.ctx.actor.name:
            self.reset_passphrase(name, new_passphrase, expected_version)
            return
        require_acceptable(new_passphrase, (name,))
        pair = self.ctx.actor.keys
        if pair is None:
            raise PermissionDenied("The vault is locked; unlock it again to continue.")
        params = new_params()
        with self.ctx.transaction() as session:
            user = self._get(session, name)
            check_version(user, expected_version)
            if user.box_public != pair.box_public:
                raise StaleEdit(
                    "Your keys were reset since you unlocked: "
                    + stale_message(user)[0].lower()
                    + stale_message(user)[1:]
                )
            self._wrap(user, pair, new_passphrase, params)
            self.ctx.record(session, "user.passwd", name, subject_id=user.id, kdf=params.label())

    def reset_passphrase(
        self, name: str, new_passphrase: str, expected_version: int | None = None
    ) -> None:
        """Give someone a new passphrase without knowing their old one (manager or recovery kit)."""
        self.ctx.require(Permission.USER_MANAGE)
        require_acceptable(new_passphrase, (name,))
        params = new_params()
        pair = KeyPair.generate()
        with self.ctx.transaction() as session:
            state = verified_roster(self.ctx, session)
            user = self._get(session, name)
            check_version(user, expected_version)
            if user.status != "active":
                raise BadInput(f"{user.name} was removed and cannot be given a passphrase.")
            role = Role(state.members[user.id].role)
            for scope in ROLE_SCOPES[role]:
                self.ctx.require_key(scope)
            session.execute(delete(KeySlot).where(KeySlot.holder == user.id))
            user.box_public, user.sign_public = pair.box_public, pair.sign_public
            self._wrap(user, pair, new_passphrase, params)
            session.flush()
            change = roster.append(
                session,
                state,
                self.ctx.vault_id,
                "keys",
                self.ctx.actor.id,
                self._signer(),
                {
                    "member_id": user.id,
                    "box": pair.box_public.hex(),
                    "sign": pair.sign_public.hex(),
                },
            )
            seal_slots(
                session,
                self.ctx.vault_id,
                self.ctx.epoch,
                self.ctx.keys,
                [roster.member_of(user)],
                None,
            )
            self.ctx.record(
                session,
                "user.reset",
                name,
                subject_id=user.id,
                sign_key=pair.sign_public.hex(),
                **change.audit_details(),
            )

    def _wrap(self, user: User, pair: KeyPair, passphrase: str, params: kdf.KdfParams) -> None:
        """Wrap `pair` under a passphrase on the user's row: a new version, by the actor, now."""
        user.wrapped_keys = wrap_user_keys(
            pair, passphrase, params, user_key_aad(self.ctx.vault_id, user.id, params)
        )
        _set_params(user, params)
        user.version += 1
        user.updated_by = self.ctx.actor.name
        user.updated_at = datetime.now(UTC)
