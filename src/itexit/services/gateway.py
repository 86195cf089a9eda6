"""Open a vault, create one, unlock it: the entry point every screen and command goes through."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import DatabaseError, OperationalError

from itexit.domain.errors import (
    AuthenticationFailed,
    BadInput,
    IntegrityFailure,
    ItexitError,
    PermissionDenied,
    RollbackDetected,
    VaultCorrupt,
    VaultError,
    VaultNotFound,
    VaultReadOnly,
)
from itexit.domain.models import AuditVerdict
from itexit.domain.roles import Role, Scope
from itexit.domain.wording import count
from itexit.services import audit, guessing, roster, states, witness
from itexit.services.context import Actor, Store, VaultContext, bind_all, lock_meta
from itexit.services.credentials.handover import open_inbox_on_unlock, publish_key
from itexit.services.location import VaultLocation
from itexit.services.passphrase import require_acceptable
from itexit.services.roster import RosterUnsigned
from itexit.services.session import UnlockedVault
from itexit.services.users.members import new_user_row, normal_name, seal_slots, validate_name
from itexit.store.engine import (
    begin_read,
    make_engine,
    mask_url,
    session_factory,
    write_problem,
)
from itexit.store.migrate import ensure_schema
from itexit.store.models import KeySlot, User, VaultMeta
from itexit.vault import kdf, keyring_cache
from itexit.vault.keys import (
    KeyPair,
    format_recovery_kit,
    new_recovery_secret,
    parse_recovery_kit,
    recovery_keypair,
    unwrap_user_keys,
    user_key_aad,
)
from itexit.vault.roster import BINDING_LEVEL, RECOVERY, RosterState
from itexit.vault.scope_keys import ScopeKeys

ROSTER_READS = 4
"""How many fresh reads the member-list check makes before it reports a rollback or an edit."""


@dataclass(frozen=True)
class SetupResult:
    session: UnlockedVault
    recovery_kit: str
    kdf_seconds: float


def _read_only_place(location: VaultLocation) -> VaultError | None:
    """A vault file whose file or folder cannot be written (SQLite needs both)."""
    import os

    path = location.path
    if path is None or not path.exists():
        return None
    if os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
        return None
    return VaultReadOnly(
        f"The vault at {location.describe()} cannot be written here (a read-only file, folder "
        "or disk); nothing was changed. Make it writable for you, or work on a copy you can "
        "write."
    )


def params_of(user: User) -> kdf.KdfParams:
    return kdf.KdfParams(
        user.kdf_memory_kib, user.kdf_time_cost, user.kdf_parallelism, user.kdf_salt
    )


class Gateway:
    """An opened vault location, before anyone has unlocked it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.location = store.location

    @classmethod
    def open(cls, location: VaultLocation) -> Gateway:
        """Connect, check the file, apply migrations (after a backup). Blocking: run in a worker."""
        engine = make_engine(location.sqlalchemy_url)
        store = Store(location, engine, session_factory(engine))
        try:
            ensure_schema(engine, store.backup_dir)
        except OperationalError as exc:
            problem = write_problem(exc) or _read_only_place(location)
            if problem is not None:
                raise problem from None
            raise VaultError(
                f"Cannot open the vault at {location.describe()}: {mask_url(str(exc.orig))}"
            ) from None
        except (ValueError, TypeError) as exc:  # a URL the driver cannot use (a bad port...)
            raise VaultError(
                f"Cannot open the vault at {location.describe()}: {mask_url(str(exc))}"
            ) from None
        except DatabaseError as exc:
            raise VaultCorrupt(
                f"The vault at {location.describe()} is damaged ({exc.orig}); "
                "it was left untouched."
            ) from None
        return cls(store)

    def close(self) -> None:
        self.store.engine.dispose()

    # --- before unlock ------------------------------------------------------------------------

    def exists(self) -> bool:
        with self.store.sessions() as session:
            return self.store.meta(session) is not None

    def practice_name(self) -> str | None:
        with self.store.sessions() as session:
            meta = self.store.meta(session)
            return meta.practice_name if meta else None

    def _meta(self) -> VaultMeta:
        with self.store.sessions() as session:
            meta = self.store.meta(session)
        if meta is None:
            raise VaultNotFound(
                f"There is no vault at {self.location.describe()}; "
                "run `itexit init` or `itexit demo`."
            )
        return meta

    def check_witness(self, vault_id: str) -> None:
        """Refuse a database older than one this workstation already saw (a swapped copy)."""
        seen = witness.seen(vault_id)
        if seen is None:
            return
        seen_seq, seen_hash = seen
        with self.store.sessions() as session:
            from itexit.store.models import AuditRow

            row = session.get(AuditRow, seen_seq)
        if row is None or row.hash != seen_hash:
            raise RollbackDetected(
                f"This vault is older than the one this workstation last saw (audit entry "
                f"{seen_seq} is missing or different): it may have been replaced by an old copy. "
                "Nothing was changed."
            )

    def verify_audit(self, checkpoint_text: str | None = None) -> AuditVerdict:
        """Check the whole audit chain and who could sign each entry, without unlocking: anyone
        with the file can. Compared with this workstation's witness (which it then advances)
        and, when given, a printed checkpoint."""
        from itexit.services.authority import verify_anchored

        meta = self._meta()
        self.check_witness(meta.vault_id)
        with self.store.sessions() as session:
            return verify_anchored(session, meta.vault_id, checkpoint_text)

    # --- create -------------------------------------------------------------------------------

    def create(self, practice_name: str, manager_name: str, passphrase: str) -> SetupResult:
        """A new vault: first epoch keys, the first manager, the recovery kit, all in one commit."""
        practice_name = practice_name.strip()
        if not practice_name or len(practice_name) > 200:
            raise BadInput("Give the practice a name (up to 200 characters).")
        manager_name = validate_name(manager_name)
        require_acceptable(passphrase, (practice_name, manager_name))
        if self.exists():
            raise BadInput(f"A vault already exists at {self.location.describe()}.")
        params = kdf.profile_params()
        vault_id = str(uuid.uuid4())
        recovery_secret = new_recovery_secret()
        recovery = recovery_keypair(recovery_secret)
        scope_keys = ScopeKeys.generate((scope.value for scope in Scope), 1)
        pair = KeyPair.generate()
        started = time.perf_counter()
        user = new_user_row(vault_id, manager_name, Role.MANAGER, passphrase, pair, params)
        kdf_seconds = time.perf_counter() - started
        meta = VaultMeta(
            id=1,
            vault_id=vault_id,
            practice_name=practice_name,
            epoch=1,
            recovery_box_public=recovery.box_public,
            recovery_sign_public=recovery.sign_public,
            updated_by=manager_name,
        )
        ctx = VaultContext(
            self.store, vault_id, 1, Actor(user.id, user.name, Role.MANAGER, pair), scope_keys
        )
        ctx.bound = BINDING_LEVEL
        founder = roster.member_of(user)
        with self.store.sessions() as session, witness.committed(session, vault_id):
            session.add(meta)
            session.add(user)
            session.flush()
            change = roster.append(
                session,
                None,
                vault_id,
                "found",
                user.id,
                pair,
                roster.found_fields(
                    [founder],
                    1,
                    recovery.box_public,
                    recovery.sign_public,
                    roster.key_ids(vault_id, 1, scope_keys),
                ),
                kit=recovery,
            )
            seal_slots(session, vault_id, 1, scope_keys, [founder], recovery.box_public)
            ctx.record(
                session,
                "vault.create",
                practice_name,
                subject_id=user.id,
                sign_key=pair.sign_public.hex(),
                recovery_sign_key=recovery.sign_public.hex(),
                kdf=params.label(),
                **change.audit_details(),
            )
            publish_key(ctx, session)  # the hand-over inbox, so HR can seal listed passwords
        return SetupResult(
            UnlockedVault(ctx, practice_name), format_recovery_kit(recovery_secret), kdf_seconds
        )

    # --- unlock -------------------------------------------------------------------------------

    def unlock(self, name: str, passphrase: kdf.Passphrase) -> UnlockedVault:
        """One generic error for a wrong name or passphrase, and the failure is audited.

        The signed member list is verified first, and every row that decides who may unlock
        checked against it; a vault whose list was never signed raises `RosterUnsigned`.
        """
        meta = self._meta()
        self.check_witness(meta.vault_id)
        try:
            state = self.roster(meta)
        except RosterUnsigned:
            user, _ = self._authenticate(meta, name, passphrase)
            raise RosterUnsigned(can_sign=user.role == Role.MANAGER.value) from None
        user, pair = self._authenticate(meta, name, passphrase)
        assert user.wrapped_keys is not None  # _authenticate refuses a user without keys
        keyring_cache.store(meta.vault_id, user.name, pair.private_bytes(), user.wrapped_keys)
        return self._unlocked(meta, state, user, pair)

    def _authenticate(
        self, meta: VaultMeta, name: str, passphrase: kdf.Passphrase
    ) -> tuple[User, KeyPair]:
        guessing.check(meta.vault_id, name)
        user = self._active_user(name)
        if user is None or user.wrapped_keys is None:
            # the same derivation a person of this vault costs, so the time says nothing
            kdf.derive(passphrase, self._stand_in_params(meta.vault_id, name))
            self._record_failure(meta, None)
            guessing.failed(meta.vault_id, name)
            raise AuthenticationFailed()
        params = params_of(user)
        params.check()
        try:
            pair = unwrap_user_keys(
                user.wrapped_keys,
                passphrase,
                params,
                user_key_aad(meta.vault_id, user.id, params),
            )
        except IntegrityFailure:
            self._record_failure(meta, user)
            guessing.failed(meta.vault_id, name)
            raise AuthenticationFailed() from None
        guessing.succeeded(meta.vault_id, name)
        if pair.box_public != user.box_public or pair.sign_public != user.sign_public:
            raise IntegrityFailure(
                f"The keys stored for {user.name} do not match: the vault was altered."
            )
        return user, pair

    def roster(self, meta: VaultMeta) -> RosterState:
        """The verified member list, with vault_meta, users and key_slots checked against it.

        A read can start just before another person's change commits and this workstation's
        witness records it: such a read looks older than the witness. A real rollback or edit
        is still there when read again, so the check is made again on a fresh read before it
        is believed.
        """
        for attempt in range(ROSTER_READS):
            try:
                return self._roster_once(meta)
            except (RollbackDetected, IntegrityFailure):
                if attempt == ROSTER_READS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _roster_once(self, meta: VaultMeta) -> RosterState:
        with self.store.sessions() as session:
            begin_read(session)  # the list and the tables as of one moment
            state = roster.current(session, meta.vault_id)
            now = session.scalars(
                select(VaultMeta).where(VaultMeta.vault_id == meta.vault_id)
            ).one()
            roster.check_tables(session, state, now)
        witness.record_roster(meta.vault_id, state.root, state.seq, state.head)
        return state

    def _stand_in_params(self, vault_id: str, name: str) -> kdf.KdfParams:
        """For a name nobody has: the cost settings of the vault's first active person (the
        path a known name takes), with a salt made from the name, so a repeated guess of one
        name looks like a person's fixed salt."""
        import hashlib

        with self.store.sessions() as session:
            someone = session.scalars(
                select(User).where(User.status == "active").order_by(User.created_at).limit(1)
            ).first()
        params = params_of(someone) if someone is not None else kdf.floor_params()
        try:
            params.check()
        except ItexitError:
            params = kdf.floor_params()
        salt = hashlib.sha256(f"itexit.stand-in\x00{vault_id}\x00{name}".encode()).digest()
        return kdf.KdfParams(
            params.memory_kib, params.time_cost, params.parallelism, salt[: len(params.salt)]
        )

    def unlock_cached(self, name: str) -> UnlockedVault | None:
        """Unlock from a trusted OS keyring's cache, if enabled and present; else None."""
        meta = self._meta()
        self.check_witness(meta.vault_id)
        user = self._active_user(name)
        raw = keyring_cache.load(
            meta.vault_id, name.strip(), user.wrapped_keys or b"" if user else b""
        )
        if raw is None:
            return None
        state = self.roster(meta)
        pair = KeyPair.from_private_bytes(raw)
        if (
            user is None
            or pair.box_public != user.box_public
            or pair.sign_public != user.sign_public
        ):
            keyring_cache.forget(meta.vault_id, name.strip())
            return None
        return self._unlocked(meta, state, user, pair)

    def _unlocked(
        self, meta: VaultMeta, state: RosterState, user: User, pair: KeyPair
    ) -> UnlockedVault:
        member = state.members.get(user.id)
        if member is None or (member.box, member.sign) != (pair.box_public, pair.sign_public):
            raise IntegrityFailure(
                f"The users row for {user.name!r} does not match the signed member list: it "
                "was changed in the database. Nothing was unlocked."
            )
        scope_keys = self._open_slots(state, user.id, pair)
        ctx = VaultContext(
            self.store,
            meta.vault_id,
            state.epoch,
            Actor(user.id, member.name, Role(member.role), pair),
            scope_keys,
        )
        ctx.bound = state.bound
        with ctx.transaction() as session:
            ctx.record(session, "auth.unlock", member.name)
            open_inbox_on_unlock(ctx, session)
        if state.bound < BINDING_LEVEL and member.role == Role.MANAGER.value:
            states.bind_vault(ctx, state)  # records sealed before their states were bound
        return UnlockedVault(ctx, meta.practice_name)

    def _active_user(self, name: str) -> User | None:
        with self.store.sessions() as session:
            return session.scalars(
                select(User).where(User.name == normal_name(name), User.status == "active")
            ).first()

    def _slots(self, holder: str, epoch: int) -> list[KeySlot]:
        with self.store.sessions() as session:
            return list(
                session.scalars(
                    select(KeySlot).where(KeySlot.holder == holder, KeySlot.epoch == epoch)
                ).all()
            )

    def _open_slots(self, state: RosterState | VaultMeta, holder: str, pair: KeyPair) -> ScopeKeys:
        """The holder's scope keys of the current epoch; each checked against the member
        list's commitment when there is one (`VaultMeta` only while signing it the first time)."""
        slots = self._slots(holder, state.epoch)
        keys = ScopeKeys.from_slots(
            pair.box, state.vault_id, holder, [(s.scope, s.epoch, s.sealed) for s in slots]
        )
        if isinstance(state, RosterState):
            for slot in slots:
                roster.check_key(state, slot, keys)
        return keys

    def _record_failure(self, meta: VaultMeta, user: User | None) -> None:
        with self.store.sessions() as session, witness.committed(session, meta.vault_id):
            lock_meta(session)
            audit.append(
                session,
                vault_id=meta.vault_id,
                epoch=meta.epoch,
                actor_id=audit.SYSTEM_ACTOR,
                actor_name="(nobody)",
                action="auth.failed",
                target=user.name if user else "(unknown user)",
            )

    def recover(self, kit_text: str, name: str, new_passphrase: str) -> UnlockedVault:
        """The recovery kit opens every scope and gives `name` a new passphrase and key pair.

        The kit's keys are compared with the signed member list's (which the kit itself
        countersigned when the vault was created), never with a plain column. A vault whose
        list was never signed is signed by the kit first.
        """
        meta = self._meta()
        self.check_witness(meta.vault_id)
        secret = parse_recovery_kit(kit_text)
        kit = recovery_keypair(secret)
        try:
            state = self.roster(meta)
        except RosterUnsigned:
            if kit.box_public != meta.recovery_box_public:
                raise AuthenticationFailed(
                    "That recovery kit does not belong to this vault."
                ) from None
            state = self._sign_roster(meta, RECOVERY, "recovery kit", kit)
        if kit.box_public != state.recovery_box or kit.sign_public != state.recovery_sign:
            raise AuthenticationFailed("That recovery kit does not belong to this vault.")
        scope_keys = self._open_slots(state, audit.RECOVERY_ACTOR, kit)
        ctx = VaultContext(
            self.store,
            meta.vault_id,
            state.epoch,
            Actor(audit.RECOVERY_ACTOR, "recovery kit", Role.MANAGER, kit),
            scope_keys,
        )
        from itexit.services.users.service import UserService

        UserService(ctx).reset_passphrase(name, new_passphrase)
        return self.unlock(name, new_passphrase)

    # --- signing the member list of a vault made before it existed ---------------------------

    def upgrade_preview(self) -> list[str]:
        """What signing the member list will vouch for: shown before a manager confirms."""
        meta = self._meta()
        with self.store.sessions() as session:
            if roster.stored(session):
                raise BadInput("This vault's member list is already signed.")
            users = session.scalars(select(User).where(User.status == "active")).all()
            members = [roster.member_of(u) for u in users]
        return roster.describe(members, meta.epoch, meta.recovery_sign_public)

    def upgrade(self, name: str, passphrase: kdf.Passphrase) -> UnlockedVault:
        """Sign the current members, roles, keys and epoch once, as the manager `name`.

        Whatever the tables say now is what gets signed, so the manager is shown it first
        (`upgrade_preview`); a SQLite vault is backed up before anything is written.
        """
        meta = self._meta()
        self.check_witness(meta.vault_id)
        with self.store.sessions() as session:
            if roster.stored(session):
                raise BadInput("This vault's member list is already signed.")
        user, pair = self._authenticate(meta, name, passphrase)
        if user.role != Role.MANAGER.value:
            raise PermissionDenied("Only a practice manager can sign the member list.")
        state = self._sign_roster(meta, user.id, user.name, pair)
        return self._unlocked(meta, state, user, pair)

    def _sign_roster(
        self, meta: VaultMeta, signer_id: str, signer_name: str, pair: KeyPair
    ) -> RosterState:
        from itexit.store.engine import sqlite_file
        from itexit.store.migrate import backup_sqlite

        if meta.recovery_box_public is None or meta.recovery_sign_public is None:
            raise VaultError(
                "This vault has no recovery kit keys; its member list cannot be signed."
            )
        scope_keys = self._open_slots(meta, signer_id, pair)
        if {scope for scope, _ in scope_keys} != {s.value for s in Scope}:
            raise PermissionDenied("Signing the member list needs every scope key (a manager's).")
        path = sqlite_file(self.location.sqlalchemy_url)
        if path is not None and path.exists():
            backup_sqlite(path, self.store.backup_dir, "signing")
        ctx = VaultContext(
            self.store,
            meta.vault_id,
            meta.epoch,
            Actor(signer_id, signer_name, Role.MANAGER, pair),
            scope_keys,
        )
        with ctx.transaction() as session:
            if roster.stored(session):
                raise BadInput("This vault's member list is already signed.")
            users = session.scalars(select(User).where(User.status == "active")).all()
            members = [roster.member_of(u) for u in users]
            change = roster.append(
                session,
                None,
                meta.vault_id,
                "found",
                signer_id,
                pair,
                roster.found_fields(
                    members,
                    meta.epoch,
                    meta.recovery_box_public,
                    meta.recovery_sign_public,
                    roster.key_ids(meta.vault_id, meta.epoch, scope_keys),
                ),
                kit=pair if signer_id == RECOVERY else None,
            )
            bound, refused = bind_all(ctx, session)
            bound += states.bind_tasks(ctx, session, refused)
            ctx.record(
                session,
                "roster.sign",
                count(len(members), "member"),
                members=[m.name for m in members],
                bound=bound,
                refused=refused[:20],
                **change.audit_details(),
            )
        return change.state

    def wipe(self) -> None:
        """Drop everything at this location (used to rebuild the demo practice with --force)."""
        from itexit.store.engine import sqlite_file
        from itexit.store.schema import Base

        path = sqlite_file(self.location.sqlalchemy_url)
        self.store.engine.dispose()
        if path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
        else:
            with self.store.engine.begin() as conn:
                Base.metadata.drop_all(conn)
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        engine = make_engine(self.location.sqlalchemy_url)
        self.store = Store(self.location, engine, session_factory(engine), self.store.backup_dir)
        ensure_schema(engine, self.store.backup_dir)
