"""Who may unlock: user names, the users row, key slots and the signed member list they follow.

The helpers the people use cases share (and the gateway, which creates the first manager).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput, NotFound, PermissionDenied
from itexit.domain.models import UserInfo, UserStatus, clean_email, clean_full_name
from itexit.domain.roles import ROLE_SCOPES, Role, Scope
from itexit.services import roster
from itexit.services.audit import RECOVERY_ACTOR
from itexit.services.context import VaultContext
from itexit.store.models import KeySlot, User, VaultMeta
from itexit.vault import kdf
from itexit.vault.keys import KeyPair, user_key_aad, wrap_user_keys
from itexit.vault.roster import Member, RosterState
from itexit.vault.scope_keys import ScopeKeys

KIT_STORED = "recovery_kit.stored"
"""The audit action of a manager confirming the recovery kit is stored away."""

_NAME = re.compile(r"[^\W\d_][\w.-]{0,39}")


def normal_name(name: str) -> str:
    """A user name as stored and looked up: trimmed, accents composed (NFC)."""
    return unicodedata.normalize("NFC", name.strip())


def validate_name(name: str) -> str:
    name = normal_name(name)
    if not _NAME.fullmatch(name):
        raise BadInput(
            "A user name starts with a letter and uses only letters (accents are fine), "
            "digits, dots, dashes or underscores, up to 40 characters, without spaces."
        )
    return name


def new_user_row(
    vault_id: str, name: str, role: Role, passphrase: str, pair: KeyPair, params: kdf.KdfParams
) -> User:
    user_id = str(uuid.uuid4())
    return User(
        id=user_id,
        name=name,
        role=role.value,
        status="active",
        box_public=pair.box_public,
        sign_public=pair.sign_public,
        wrapped_keys=wrap_user_keys(
            pair, passphrase, params, user_key_aad(vault_id, user_id, params)
        ),
        kdf_memory_kib=params.memory_kib,
        kdf_time_cost=params.time_cost,
        kdf_parallelism=params.parallelism,
        kdf_salt=params.salt,
        version=1,
        updated_by=name,
    )


def seal_slots(
    session: Session,
    vault_id: str,
    epoch: int,
    scope_keys: ScopeKeys,
    members: Iterable[Member],
    recovery_public: bytes | None,
) -> None:
    """Seal each scope key of the epoch to each member whose role holds it, and to the kit.

    The members and their public keys come from the signed member list, never from the users
    table, so a row changed in the database cannot receive a key.
    """
    for member in members:
        for scope in ROLE_SCOPES[Role(member.role)]:
            session.add(
                KeySlot(
                    scope=scope.value,
                    epoch=epoch,
                    holder=member.id,
                    sealed=scope_keys.seal_to(
                        (scope.value, epoch), member.box, vault_id, member.id
                    ),
                )
            )
    if recovery_public is not None:
        for scope in Scope:
            session.add(
                KeySlot(
                    scope=scope.value,
                    epoch=epoch,
                    holder=RECOVERY_ACTOR,
                    sealed=scope_keys.seal_to(
                        (scope.value, epoch), recovery_public, vault_id, RECOVERY_ACTOR
                    ),
                )
            )


def verified_roster(ctx: VaultContext, session: Session) -> RosterState:
    """Inside a transaction: the member list, verified, with every table checked against it,
    and the actor still a manager on it (or the recovery kit)."""
    state = roster.current(session, ctx.vault_id)
    meta = session.scalars(select(VaultMeta)).one()
    roster.check_tables(session, state, meta)
    if state.signer_key(ctx.actor.id) is None:
        raise PermissionDenied(
            "Only a practice manager on the signed member list can change who may unlock."
        )
    return state


def to_info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        name=user.name,
        role=Role(user.role),
        status=UserStatus(user.status),
        created_at=user.created_at,
        removed_at=user.removed_at,
        version=user.version,
        full_name=user.full_name or "",
        email=user.email or "",
    )


def person_details(full_name: str | None, email: str | None) -> tuple[str | None, str | None]:
    """A full name and an e-mail address as stored, or one clear sentence saying what is wrong."""
    try:
        name = None if full_name is None else clean_full_name(full_name)
        address = None if email is None else clean_email(email)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    return name, address


class UserBase:
    """The unlocked person's context, finding a user and the key that signs member changes."""

    def __init__(self, ctx: VaultContext) -> None:
        self.ctx = ctx

    def _get(self, session: Session, name: str) -> User:
        user = session.scalars(select(User).where(User.name == normal_name(name))).first()
        if user is None:
            raise NotFound(f"There is no user called {name!r}.")
        return user

    def _signer(self) -> KeyPair:
        keys = self.ctx.actor.keys
        if keys is None:
            raise PermissionDenied("The vault is locked; unlock it again to continue.")
        return keys
