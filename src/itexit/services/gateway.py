"""Open a vault, create one, unlock it: the entry point every screen and command goes through."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import DatabaseError, OperationalError, SQLAlchemyError

from itexit.domain.errors import (
    AuthenticationFailed,
    BadInput,
    IntegrityFailure,
    ItexitError,
    RollbackDetected,
    VaultCorrupt,
    VaultError,
    VaultNotFound,
)
from itexit.domain.models import AuditVerdict
from itexit.domain.roles import Role, Scope
from itexit.services import audit, witness
from itexit.services.context import Actor, Store, VaultContext, lock_meta
from itexit.services.handover import open_inbox_on_unlock, publish_key
from itexit.services.location import VaultLocation
from itexit.services.passphrase import require_acceptable
from itexit.services.session import UnlockedVault
from itexit.services.users import new_user_row, normal_name, seal_slots, validate_name
from itexit.store.engine import make_engine, session_factory
from itexit.store.migrate import ensure_schema
from itexit.store.models import KeySlot, User, VaultMeta
from itexit.vault import kdf, keyring_cache
from itexit.vault.keys import (
    KeyPair,
    format_recovery_kit,
    new_recovery_secret,
    new_scope_key,
    open_slot,
    parse_recovery_kit,
    recovery_keypair,
    slot_info,
    unwrap_user_keys,
    user_key_aad,
)


@dataclass(frozen=True)
class SetupResult:
    session: UnlockedVault
    recovery_kit: str
    kdf_seconds: float


@dataclass(frozen=True)
class DemoUser:
    name: str
    role: Role
    passphrase: str
    description: str


@dataclass(frozen=True)
class DemoResult:
    practice_name: str
    users: list[DemoUser]
    location: str


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
            raise VaultError(
                f"Cannot open the vault at {location.describe()}: {exc.orig}"
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

    def verify_audit(self) -> AuditVerdict:
        """Check the whole audit chain without unlocking: anyone with the file can check it."""
        meta = self._meta()
        self.check_witness(meta.vault_id)
        with self.store.sessions() as session:
            return audit.verify(session, meta.vault_id)

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
        scope_keys = {(scope.value, 1): new_scope_key() for scope in Scope}
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
        with self.store.sessions() as session, witness.committed(session, vault_id):
            session.add(meta)
            session.add(user)
            session.flush()
            seal_slots(session, vault_id, 1, scope_keys, [user], recovery.box_public)
            ctx.record(
                session,
                "vault.create",
                practice_name,
                subject_id=user.id,
                sign_key=pair.sign_public.hex(),
                recovery_sign_key=recovery.sign_public.hex(),
                kdf=params.label(),
            )
            publish_key(ctx, session)  # the hand-over inbox, so HR can seal listed passwords
        return SetupResult(
            UnlockedVault(ctx, practice_name), format_recovery_kit(recovery_secret), kdf_seconds
        )

    # --- unlock -------------------------------------------------------------------------------

    def prepare_unlock(self) -> None:
        """Make the reads an unlock begins with, once, before any passphrase is typed.

        The first query of each kind sets up the ORM's mappers and compiles its statement:
        about 50 ms that would otherwise come between the passphrase and the dashboard. These
        are the same reads, by the same methods, for a user name that cannot exist; nothing
        read here is kept, and anything wrong is left for the unlock itself to report.
        """
        try:
            meta = self._meta()
            self.check_witness(meta.vault_id)
            self._active_user("")
            self._slots("", meta.epoch)
        except (ItexitError, SQLAlchemyError):
            return  # the unlock makes the same reads and says what is wrong

    def unlock(
        self, name: str, passphrase: str, early: kdf.Prederivation | None = None
    ) -> UnlockedVault:
        """One generic error for a wrong name or passphrase, and the failure is audited.

        `early` is a derivation of `passphrase` started before the store was loaded
        (`services.prederive`); its key is used only if it was made with this user's settings.
        """
        meta = self._meta()
        self.check_witness(meta.vault_id)
        user = self._active_user(name)
        if user is None or user.wrapped_keys is None:
            kdf.derive(passphrase, kdf.floor_params())  # spend comparable time either way
            self._record_failure(meta, None)
            raise AuthenticationFailed()
        params = params_of(user)
        params.check()
        try:
            pair = unwrap_user_keys(
                user.wrapped_keys,
                passphrase,
                params,
                user_key_aad(meta.vault_id, user.id, params),
                kek=early.key_for(params) if early is not None else None,
            )
        except IntegrityFailure:
            self._record_failure(meta, user)
            raise AuthenticationFailed() from None
        if pair.box_public != user.box_public or pair.sign_public != user.sign_public:
            raise IntegrityFailure(
                f"The keys stored for {user.name} do not match: the vault was altered."
            )
        keyring_cache.store(meta.vault_id, user.name, pair.private_bytes())
        return self._unlocked(meta, user, pair)

    def unlock_cached(self, name: str) -> UnlockedVault | None:
        """Unlock from a trusted OS keyring's cache, if enabled and present; else None."""
        meta = self._meta()
        self.check_witness(meta.vault_id)
        raw = keyring_cache.load(meta.vault_id, name.strip())
        if raw is None:
            return None
        user = self._active_user(name)
        pair = KeyPair.from_private_bytes(raw)
        if (
            user is None
            or pair.box_public != user.box_public
            or pair.sign_public != user.sign_public
        ):
            keyring_cache.forget(meta.vault_id, name.strip())
            return None
        return self._unlocked(meta, user, pair)

    def _unlocked(self, meta: VaultMeta, user: User, pair: KeyPair) -> UnlockedVault:
        scope_keys = self._open_slots(meta, user.id, pair)
        ctx = VaultContext(
            self.store,
            meta.vault_id,
            meta.epoch,
            Actor(user.id, user.name, Role(user.role), pair),
            scope_keys,
        )
        with ctx.transaction() as session:
            ctx.record(session, "auth.unlock", user.name)
            open_inbox_on_unlock(ctx, session)
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

    def _open_slots(
        self, meta: VaultMeta, holder: str, pair: KeyPair
    ) -> dict[tuple[str, int], bytes]:
        slots = self._slots(holder, meta.epoch)
        return {
            (slot.scope, slot.epoch): open_slot(
                pair.box, slot.sealed, slot_info(meta.vault_id, slot.scope, slot.epoch, holder)
            )
            for slot in slots
        }

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
        """The recovery kit opens every scope and gives `name` a new passphrase and key pair."""
        meta = self._meta()
        self.check_witness(meta.vault_id)
        secret = parse_recovery_kit(kit_text)
        kit = recovery_keypair(secret)
        if kit.box_public != meta.recovery_box_public:
            raise AuthenticationFailed("That recovery kit does not belong to this vault.")
        scope_keys = self._open_slots(meta, audit.RECOVERY_ACTOR, kit)
        ctx = VaultContext(
            self.store,
            meta.vault_id,
            meta.epoch,
            Actor(audit.RECOVERY_ACTOR, "recovery kit", Role.MANAGER, kit),
            scope_keys,
        )
        from itexit.services.users import UserService

        UserService(ctx).reset_passphrase(name, new_passphrase)
        return self.unlock(name, new_passphrase)

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

    # --- demo ---------------------------------------------------------------------------------

    def build_demo(self, force: bool = False) -> DemoResult:
        from itexit.services.demo import build_demo

        return build_demo(self, force=force)
