"""The opened store and the unlocked vault: one transaction per use case, audited in it."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from itexit import locations
from itexit.domain.errors import IntegrityFailure, PermissionDenied, StaleEdit, VaultError
from itexit.domain.roles import ROLE_SCOPES, Permission, Role, Scope, is_allowed, refusal
from itexit.services import audit, witness
from itexit.services.location import VaultLocation
from itexit.store.models import Encrypted, VaultMeta, utcnow
from itexit.vault.keys import KeyPair
from itexit.vault.records import RecordAddress, decrypt_document, encrypt_document


@dataclass
class Store:
    """An opened database: engine, sessions and where its backups go."""

    location: VaultLocation
    engine: Engine
    sessions: sessionmaker[Session]
    backup_dir: Path = field(default_factory=locations.backups_dir)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def meta(self, session: Session) -> VaultMeta | None:
        return session.scalars(select(VaultMeta).limit(1)).first()


@dataclass
class Actor:
    """The unlocked person (or the recovery kit) and the private keys that sign for them."""

    id: str
    name: str
    role: Role
    keys: KeyPair | None


class VaultContext:
    """What a service needs: the store, who is acting, and the scope keys they hold."""

    def __init__(
        self,
        store: Store,
        vault_id: str,
        epoch: int,
        actor: Actor,
        scope_keys: dict[tuple[str, int], bytes],
    ) -> None:
        self.store = store
        self.vault_id = vault_id
        self.epoch = epoch
        self.actor = actor
        self._scope_keys = scope_keys
        self._locked = False
        self._one_at_a_time = threading.RLock()
        """Threads of one unlocked vault (a rotation campaign's workers) use the store in turn."""

    # --- permissions and keys ---------------------------------------------------------------

    def require(self, permission: Permission) -> None:
        """Deny by default; every service method names the permission it needs."""
        if self._locked:
            raise PermissionDenied("The vault is locked; unlock it again to continue.")
        if not is_allowed(self.actor.role, permission):
            raise PermissionDenied(refusal(self.actor.role, permission))

    def can(self, permission: Permission) -> bool:
        return not self._locked and is_allowed(self.actor.role, permission)

    def scope_key(self, scope: str, epoch: int | None = None) -> bytes:
        key = self._scope_keys.get((scope, self.epoch if epoch is None else epoch))
        if key is None:
            raise PermissionDenied(f"Your role does not hold the {scope} key.")
        return key

    def holds(self, scope: Scope) -> bool:
        return (scope.value, self.epoch) in self._scope_keys

    def adopt_keys(self, keys: dict[tuple[str, int], bytes]) -> None:
        """After a re-key: hold the new epoch's keys for this actor's scopes, drop the old."""
        allowed = {s.value for s in ROLE_SCOPES[self.actor.role]}
        self._scope_keys = {k: v for k, v in keys.items() if k[0] in allowed}

    def lock(self) -> None:
        """Forget every key this process holds for the vault."""
        self._scope_keys.clear()
        self.actor.keys = None
        self._locked = True
        gc.collect()

    # --- records ------------------------------------------------------------------------------

    def address(self, row: Encrypted) -> RecordAddress:
        return record_address(self.vault_id, row)

    def seal(self, row: Encrypted, document: dict[str, Any], scope: Scope | None = None) -> None:
        """Encrypt a new version of the row's document: bump the version, bind the address."""
        if scope is not None:
            row.scope = scope.value
        row.updated_at = utcnow()
        seal_with_key(
            row, document, self.scope_key(row.scope), self.vault_id, self.epoch, self.actor.name
        )

    def touch(self, row: Encrypted) -> None:
        """Record a plaintext change on an encrypted row: same document, next version."""
        self.seal(row, self.unseal(row))

    def unseal(self, row: Encrypted) -> dict[str, Any]:
        key = self._scope_keys.get((row.scope, row.epoch))
        if key is None and any(scope == row.scope for scope, _ in self._scope_keys):
            raise IntegrityFailure(
                f"A {table_of(row)} record claims key epoch {row.epoch}, which this vault "
                "does not hold: it was altered."
            )
        if key is None:
            key = self.scope_key(row.scope, row.epoch)
        return decrypt_document(key, self.address(row), row.doc)

    # --- transactions -------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One use case, one transaction: the audit rows commit with the change or not at all."""
        if self._locked:
            raise PermissionDenied("The vault is locked; unlock it again to continue.")
        with self._one_at_a_time:
            yield from self._transaction()

    def _transaction(self) -> Iterator[Session]:
        session = self.store.sessions()
        try:
            with witness.committed(session, self.vault_id):
                meta = lock_meta(session)
                if meta is None:
                    raise VaultError("This database holds no vault.")
                if meta.epoch != self.epoch:
                    raise StaleEdit(
                        "The vault was re-keyed by someone else since you unlocked it; "
                        "lock and unlock again."
                    )
                yield session
        except StaleDataError:
            raise StaleEdit(
                "Someone else changed this record since you opened it; reload and try again."
            ) from None
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        if self._locked:
            raise PermissionDenied("The vault is locked; unlock it again to continue.")
        with self._one_at_a_time:
            session = self.store.sessions()
            try:
                yield session
            finally:
                session.close()

    def record(self, session: Session, action: str, target: str = "", **details: Any) -> None:
        """Write the audit row for this change, signed by the actor, in the same transaction."""
        if self.actor.keys is None:
            raise PermissionDenied("The vault is locked; unlock it again to continue.")
        audit.append(
            session,
            vault_id=self.vault_id,
            epoch=self.epoch,
            actor_id=self.actor.id,
            actor_name=self.actor.name,
            action=action,
            target=target,
            details=details,
            signer=self.actor.keys,
        )


class _MappedRow(Protocol):
    """What every concrete encrypted model has beyond the mixin: a table and a primary key."""

    __tablename__: str
    id: Any


def table_of(row: Encrypted) -> str:
    """The table an encrypted row lives in (bound into its record address)."""
    return str(cast(_MappedRow, row).__tablename__)


def record_address(vault_id: str, row: Encrypted) -> RecordAddress:
    """Where a row's document belongs: any move, relabel or rollback breaks decryption."""
    return RecordAddress(
        vault_id=vault_id,
        table=table_of(row),
        record_id=str(cast(_MappedRow, row).id),
        version=row.version,
        scope=row.scope,
        epoch=row.epoch,
        labels={name: getattr(row, name) for name in row.LABELS},
    )


def seal_with_key(
    row: Encrypted, document: dict[str, Any], key: bytes, vault_id: str, epoch: int, by: str
) -> None:
    """Seal the next version of a row's document under `key` for `epoch`, signed off by `by`."""
    row.epoch = epoch
    row.version = (row.version or 0) + 1 if row.doc else (row.version or 1)
    row.updated_by = by
    row.doc = encrypt_document(key, record_address(vault_id, row), document)


def lock_meta(session: Session) -> VaultMeta | None:
    """Lock the vault's one meta row for this transaction: writers queue here, one at a time.

    SQLite has no row locks and starts a transaction's write lock only at its first write, so
    a write comes first there: every read after it sees the newest state, and a writer in
    another process waits (busy timeout) instead of appending after a head it read too early.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(VaultMeta).values(id=VaultMeta.id))
    return session.scalars(select(VaultMeta).with_for_update()).first()


def check_version(row: Any, expected_version: int | None) -> None:
    """Refuse an edit made against an older read, naming who changed the record and when."""
    if expected_version is not None and row.version != expected_version:
        raise StaleEdit(stale_message(row))


def scopes_of(role: Role) -> frozenset[Scope]:
    return ROLE_SCOPES[role]


def stale_message(row: Any) -> str:
    return (
        f"Changed by {row.updated_by or 'someone'} at "
        f"{row.updated_at:%Y-%m-%d %H:%M}; reload and try again."
    )
