"""People who can unlock the vault: add, remove (a new key epoch), change a passphrase."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from itexit.domain.errors import (
    BadInput,
    NotFound,
    PermissionDenied,
    SavedButIncomplete,
    StaleEdit,
)
from itexit.domain.models import (
    RemovalReport,
    UnlockCoverage,
    UserInfo,
    UserStatus,
    clean_email,
    clean_full_name,
)
from itexit.domain.roles import ROLE_SCOPES, Permission, Role, Scope
from itexit.services import roster
from itexit.services.audit import RECOVERY_ACTOR
from itexit.services.context import (
    VaultContext,
    check_bound,
    check_tag,
    check_version,
    seal_with_key,
    stale_message,
)
from itexit.services.passphrase import require_acceptable
from itexit.store.models import AuditRow, Credential, KeySlot, User, VaultMeta
from itexit.vault import kdf
from itexit.vault.keys import KeyPair, user_key_aad, wrap_user_keys
from itexit.vault.roster import Member, RosterState
from itexit.vault.scope_keys import ScopeKeys

KIT_STORED = "recovery_kit.stored"
"""The audit action of a manager confirming the recovery kit is stored away."""

_NAME = re.compile(r"[^\W\d_][\w.-]{0,39}")
_calibrated: kdf.KdfParams | None = None


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


def new_params() -> kdf.KdfParams:
    """Calibrate once per process; each user gets their own salt."""
    global _calibrated
    if _calibrated is None:
        _calibrated = kdf.profile_params()
    return _calibrated.with_new_salt()


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


class UserService:
    def __init__(self, ctx: VaultContext) -> None:
        self.ctx = ctx

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

    def _get(self, session: Session, name: str) -> User:
        user = session.scalars(select(User).where(User.name == normal_name(name))).first()
        if user is None:
            raise NotFound(f"There is no user called {name!r}.")
        return user

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

    def _signer(self) -> KeyPair:
        keys = self.ctx.actor.keys
        if keys is None:
            raise PermissionDenied("The vault is locked; unlock it again to continue.")
        return keys

    def _wrap(self, user: User, pair: KeyPair, passphrase: str, params: kdf.KdfParams) -> None:
        """Wrap `pair` under a passphrase on the user's row: a new version, by the actor, now."""
        user.wrapped_keys = wrap_user_keys(
            pair, passphrase, params, user_key_aad(self.ctx.vault_id, user.id, params)
        )
        _set_params(user, params)
        user.version += 1
        user.updated_by = self.ctx.actor.name
        user.updated_at = datetime.now(UTC)

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


def _set_params(user: User, params: kdf.KdfParams) -> None:
    user.kdf_memory_kib = params.memory_kib
    user.kdf_time_cost = params.time_cost
    user.kdf_parallelism = params.parallelism
    user.kdf_salt = params.salt


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
