"""The opened store and the unlocked vault: one transaction per use case, audited in it."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Boolean, DateTime, Engine, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from itexit import locations
from itexit.domain.errors import (
    IntegrityFailure,
    PermissionDenied,
    StaleEdit,
    VaultError,
    VaultRekeyed,
)
from itexit.domain.roles import (
    ROLE_SCOPES,
    Permission,
    Role,
    Scope,
    is_allowed,
    refusal,
)
from itexit.services import audit, witness
from itexit.services.location import VaultLocation
from itexit.store.models import Encrypted, KeySlot, VaultMeta, utcnow
from itexit.vault.binding import Tagger
from itexit.vault.inbox import InboxKey
from itexit.vault.keys import KeyPair
from itexit.vault.roster import BINDING_LEVEL
from itexit.vault.scope_keys import MessageSealer, RecordAddress, ScopeKeys


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
    """What a service needs: the store, who is acting, and the scope keys they hold (a vault
    `ScopeKeys`, which seals, opens and fingerprints; no service sees a key's bytes)."""

    def __init__(
        self,
        store: Store,
        vault_id: str,
        epoch: int,
        actor: Actor,
        keys: ScopeKeys,
    ) -> None:
        self.store = store
        self.vault_id = vault_id
        self.epoch = epoch
        self.actor = actor
        self.keys = keys  # in buffers that `lock` overwrites (`vault.memory.held`)
        self._locked = False
        #: when someone else re-keys the vault, take up the new epoch's keys from this actor's
        #: slots (a command's short life); False: say so and ask to lock and unlock (the app)
        self.follow_rekey = True
        self._one_at_a_time = threading.RLock()
        """Threads of one unlocked vault (a rotation campaign's workers) use the store in turn."""
        self._open = threading.local()
        """The transaction this thread has open, which a nested use case joins."""
        self.after_change: Callable[[frozenset[str]], None] | None = None
        """Called after each committed change with the audited actions it recorded (the
        session brings the checklist's bound tasks up to date there, so reads never write)."""
        self._actions: list[str] = []
        self._after_running = False
        self.bound = 0
        """The binding level the signed member list vouches for (`vault.roster.BINDING_LEVEL`):
        at it, a record without its binding is refused rather than taken as an older one."""
        self._taggers: dict[tuple[str, str, int], Tagger] = {}

    # --- permissions and keys ---------------------------------------------------------------

    def require(self, permission: Permission) -> None:
        """Deny by default; every service method names the permission it needs."""
        if self._locked:
            raise PermissionDenied("The vault is locked; unlock it again to continue.")
        if not is_allowed(self.actor.role, permission):
            raise PermissionDenied(refusal(self.actor.role, permission))

    def can(self, permission: Permission) -> bool:
        return not self._locked and is_allowed(self.actor.role, permission)

    def holds(self, scope: Scope) -> bool:
        return self.keys.holds((scope.value, self.epoch))

    def require_key(self, scope: Scope) -> None:
        """Refuse, in a sentence, when the actor does not hold the scope's current key."""
        self.keys.require((scope.value, self.epoch))

    def fingerprint(self, scope: Scope, value: str) -> str:
        """A keyed fingerprint under the scope's current key (audit rows, blob ids)."""
        return self.keys.fingerprint((scope.value, self.epoch), value)

    def message_sealer(self, table: str, epoch: int | None = None) -> MessageSealer:
        """The vault's bulk sealer for mail message rows under the `cred` key of `epoch`."""
        epoch = self.epoch if epoch is None else epoch
        return self.keys.message_sealer((Scope.CRED.value, epoch), self.vault_id, table)

    def inbox_key(self) -> InboxKey:
        """The current epoch's hand-over inbox key, derived from the `cred` key."""
        return self.keys.inbox_key((Scope.CRED.value, self.epoch), self.vault_id)

    def adopt_keys(self, keys: ScopeKeys) -> None:
        """After a re-key: hold the new epoch's keys for this actor's scopes, drop the old."""
        mine = keys.only(s.value for s in ROLE_SCOPES[self.actor.role])
        self.keys.replace(mine)
        mine.wipe()
        self._taggers.clear()

    def lock(self) -> None:
        """Forget every key this process holds for the vault, overwriting the scope keys."""
        self.keys.wipe()
        self._taggers.clear()
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
        seal_with_key(row, document, self.keys, self.vault_id, self.epoch, self.actor.name)

    def touch(self, row: Encrypted) -> None:
        """Record a plaintext change on an encrypted row: same document, next version.

        The bound columns are checked as they were read from the database, before this
        transaction changed them, so an edit made in SQL is refused rather than sealed in."""
        document = self._decrypt(row)
        check_bound(row, document, as_loaded=True)
        check_tag(self, row)
        document.pop(BOUND_KEY, None)
        self.seal(row, document)

    def unseal(self, row: Encrypted) -> dict[str, Any]:
        """The row's document, after checking the plain columns bound into it (`BOUND`)."""
        document = self._decrypt(row)
        if self.bound and row.BOUND and BOUND_KEY not in document:
            raise unbound(row)
        check_bound(row, document)
        document.pop(BOUND_KEY, None)
        return document

    def sealed_states(self, row: Encrypted) -> tuple[dict[str, Any], dict[str, Any]]:
        """The row's document and the plain columns sealed with it, without comparing them to
        the columns as they now are: for putting back a row changed outside itexit. A row whose
        labels, version or key version were changed no longer opens (IntegrityFailure)."""
        document = self._decrypt(row)
        sealed = document.pop(BOUND_KEY, None)
        return document, sealed if isinstance(sealed, dict) else {}

    def unseal_unchanged(self, row: Encrypted) -> dict[str, Any] | None:
        """The row's document, or None when its states no longer match what itexit sealed and
        tagged (changed outside itexit). Only for a reader holding the row's key."""
        try:
            document = self.unseal(row)
            check_tag(self, row)
        except IntegrityFailure:
            return None
        return document

    def changed_outside(self, row: Encrypted) -> bool:
        """Whether the row's states no longer match what itexit sealed and tagged (only a
        reader holding the row's key can tell; for anyone else, False)."""
        return self.keys.holds_scope(row.scope) and self.unseal_unchanged(row) is None

    def unseal_endpoint(self, row: Encrypted) -> dict[str, Any]:
        """Like `unseal`, but the row must carry its binding: used before a secret is sent to
        the address in the row's plain columns, which nothing else vouches for."""
        document = self._decrypt(row)
        if BOUND_KEY not in document:
            raise IntegrityFailure(
                f"The {table_of(row)} row {cast(_MappedRow, row).id} was sealed before its "
                "address was bound to it, so nothing was sent: a practice manager must sign "
                "the member list first (itexit upgrade)."
            )
        check_bound(row, document)
        document.pop(BOUND_KEY, None)
        return document

    def tagger(self, model: type[Encrypted], scope: str, epoch: int) -> Tagger | None:
        """What checks the `bound_tag` of `model`'s rows of `scope` sealed at `epoch`; None
        when this reader does not hold that scope key (a viewer)."""
        found = self._taggers.get((table_of_model(model), scope, epoch))
        if found is not None:
            return found
        if not self.keys.holds((scope, epoch)) and epoch > self.epoch:
            try:
                self._rekeyed_since(epoch)
            except VaultRekeyed:
                return None
        if not self.keys.holds((scope, epoch)):
            return None
        made = tagger_for(self.keys, (scope, epoch), self.vault_id, model)
        self._taggers[(table_of_model(model), scope, epoch)] = made
        return made

    def _decrypt(self, row: Encrypted) -> dict[str, Any]:
        key_id = (row.scope, row.epoch)
        if not self.keys.holds(key_id) and row.epoch > self.epoch:
            self._rekeyed_since(row.epoch)
        if not self.keys.holds(key_id) and self.keys.holds_scope(row.scope):
            raise IntegrityFailure(
                f"A {table_of(row)} record claims version {row.epoch} of the vault's keys, "
                "which this vault does not hold: it was altered."
            )
        self.keys.require(key_id)
        try:
            return self.keys.open(key_id, self.address(row), row.doc)
        except IntegrityFailure:
            raise IntegrityFailure(
                f"The {table_of(row)} row {cast(_MappedRow, row).id} does not match its sealed "
                "record: it was changed in the database or moved, so nothing was done with it."
            ) from None

    def _rekeyed_since(self, epoch: int) -> bool:
        """A row sealed under a newer epoch than ours: re-keyed by someone else (the vault's
        own epoch is at least the row's) or altered (it is not). Follows the re-key when
        `follow_rekey`, else raises `VaultRekeyed`."""
        with self.store.sessions() as session:
            meta = session.scalars(select(VaultMeta).limit(1)).first()
            if meta is None or meta.epoch < epoch:
                return False
            self._catch_up(session, meta.epoch)
        return True

    def _catch_up(self, session: Session, epoch: int) -> None:
        """Hold the keys of the vault's newer `epoch` from this actor's own slots."""
        if epoch < self.epoch:
            raise StaleEdit(
                "The vault's keys went back to an older set since you unlocked it; lock and "
                "unlock again."
            )
        if not self.follow_rekey or self.actor.keys is None:
            raise VaultRekeyed()
        slots = session.scalars(
            select(KeySlot).where(KeySlot.holder == self.actor.id, KeySlot.epoch == epoch)
        ).all()
        if not slots:
            raise PermissionDenied(
                f"{self.actor.name} no longer holds a key to this vault (removed by a manager)."
            )
        opened = ScopeKeys.from_slots(
            self.actor.keys.box,
            self.vault_id,
            self.actor.id,
            [(slot.scope, slot.epoch, slot.sealed) for slot in slots],
        )
        self.epoch = epoch
        self.adopt_keys(opened)
        opened.wipe()

    # --- transactions -------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One use case, one transaction: the audit rows commit with the change or not at all.

        The unit of work nests: a use case called inside another's transaction (on the same
        thread) joins it, so a use case built from others commits all of it or nothing."""
        if self._locked:
            raise PermissionDenied("The vault is locked; unlock it again to continue.")
        with self._one_at_a_time:
            outer = self._joinable()
            if outer is not None:
                yield outer  # a nested use case: the outermost one commits and follows up
                return
            self._actions = []
            yield from self._transaction()
            actions = frozenset(self._actions)
        # committed: what follows a change runs once, outside it, and never re-enters itself
        if actions and self.after_change is not None and not self._after_running:
            self._after_running = True
            try:
                self.after_change(actions)
            finally:
                self._after_running = False

    def _joinable(self) -> Session | None:
        session: Session | None = getattr(self._open, "session", None)
        return session

    def _transaction(self) -> Iterator[Session]:
        session = self.store.sessions()
        self._open.session = session
        try:
            with witness.committed(session, self.vault_id):
                meta = lock_meta(session)
                if meta is None:
                    raise VaultError("This database holds no vault.")
                if meta.epoch != self.epoch:
                    self._catch_up(session, meta.epoch)
                yield session
        except StaleDataError:
            raise StaleEdit(
                "Someone else changed this record since you opened it; reload and try again."
            ) from None
        finally:
            self._open.session = None
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session to read in; inside a transaction, that transaction's (its writes seen)."""
        if self._locked:
            raise PermissionDenied("The vault is locked; unlock it again to continue.")
        with self._one_at_a_time:
            outer = self._joinable()
            if outer is not None:
                yield outer
                return
            session = self.store.sessions()
            try:
                yield session
            finally:
                session.close()

    def record(self, session: Session, action: str, target: str = "", **details: Any) -> None:
        """Write the audit row for this change, signed by the actor, in the same transaction."""
        if self.actor.keys is None:
            raise PermissionDenied("The vault is locked; unlock it again to continue.")
        self._actions.append(action)
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
    row: Encrypted, document: dict[str, Any], keys: ScopeKeys, vault_id: str, epoch: int, by: str
) -> None:
    """Seal the next version of a row's document under its scope's key of `epoch` in `keys`,
    signed off by `by`.

    The plain columns the row binds (`BOUND`) are sealed inside the document as they are now.
    """
    row.epoch = epoch
    row.version = (row.version or 0) + 1 if row.doc else (row.version or 1)
    row.updated_by = by
    if row.BOUND:
        document = {**document, BOUND_KEY: bound_values(row)}
    key_id = (row.scope, epoch)
    row.doc = keys.seal(key_id, record_address(vault_id, row), document)
    if row.TAGGED:
        cast(Any, row).bound_tag = tagger_for(keys, key_id, vault_id, type(row)).tag_of(
            tagged_row(row)
        )


def table_of_model(model: type[Encrypted]) -> str:
    return str(cast(Any, model).__tablename__)


_KINDS: dict[str, tuple[frozenset[str], tuple[int, ...], dict[str, Any]]] = {}


def _kinds(model: type[Encrypted]) -> tuple[frozenset[str], tuple[int, ...], dict[str, Any]]:
    """A model's boolean `TAGGED` columns (given back as booleans, however they were set), the
    places of its timestamp ones, and the defaults a column not yet set will be written with."""
    table = table_of_model(model)
    found = _KINDS.get(table)
    if found is None:
        columns = [cast(Any, model).__table__.c[name] for name in model.TAGGED]
        found = _KINDS[table] = (
            frozenset(c.name for c in columns if isinstance(c.type, Boolean)),
            tuple(i for i, c in enumerate(columns) if isinstance(c.type, DateTime)),
            {
                c.name: c.default.arg
                for c in columns
                if c.default is not None and c.default.is_scalar
            },
        )
    return found


def tagger_for(
    keys: ScopeKeys, key_id: tuple[str, int], vault_id: str, model: type[Encrypted]
) -> Tagger:
    """What makes the tags of `model`'s rows sealed under the scope key `key_id` in `keys`."""
    return keys.tagger(key_id, vault_id, table_of_model(model), _kinds(model)[1])


def tagged_row(row: Encrypted, as_loaded: bool = False) -> tuple[Any, ...]:
    """An ORM row laid out as `Tagger` reads it, its values as the database gives them back
    (an enum as its value, a flag as a boolean); with `as_loaded`, as they were read, before
    this transaction changed them."""
    flags, _, defaults = _kinds(type(row))
    state = sa_inspect(row) if as_loaded else None

    def value_of(name: str) -> Any:
        if state is not None:
            history = state.attrs[name].history
            if history.deleted:
                return history.deleted[0]
        return getattr(row, name)

    values: list[Any] = []
    for name in row.TAGGED:
        value = value_of(name)
        if value is None:
            value = defaults.get(name)
        if isinstance(value, Enum):
            value = value.value
        elif value is not None and name in flags:
            value = bool(value)
        values.append(value)
    place = [value_of(name) for name in ("version", "scope", "epoch")]
    return (str(cast(_MappedRow, row).id), *place, *values)


def check_tag(ctx: VaultContext, row: Encrypted) -> None:
    """Refuse to seal again a row whose tagged columns, as read, no longer carry its tag: an
    edit made in SQL would otherwise be laundered by the next change or re-key."""
    if not row.TAGGED:
        return
    history = sa_inspect(row).attrs["bound_tag"].history
    stored = history.deleted[0] if history.deleted else cast(Any, row).bound_tag
    if not stored and ctx.bound < BINDING_LEVEL:
        return  # sealed before tags: its sealed record vouches for what it binds
    loaded = tagged_row(row, as_loaded=True)
    tagger = ctx.tagger(type(row), loaded[2], loaded[3])
    if tagger is None or not tagger.matches(loaded, stored):
        raise IntegrityFailure(
            f"The {table_of(row)} row {cast(_MappedRow, row).id} was changed outside itexit: "
            "its states no longer match their tag, so nothing was done with it. Restore it "
            "from a backup."
        )


def unbound(row: Encrypted) -> IntegrityFailure:
    return IntegrityFailure(
        f"The {table_of(row)} row {cast(_MappedRow, row).id} carries no binding of its states, "
        "though every record of this vault was bound: it was changed outside itexit. Restore "
        "it from a backup."
    )


BOUND_KEY = "_bound"


def bound_values(row: Encrypted) -> dict[str, Any]:
    return {name: getattr(row, name) for name in row.BOUND}


def check_bound(row: Encrypted, document: dict[str, Any], as_loaded: bool = False) -> None:
    """Refuse a row whose bound plain columns differ from the values sealed with it.

    `as_loaded` compares the values as read from the database, before this transaction
    changed them (for re-sealing a row the caller has just changed)."""
    sealed = document.get(BOUND_KEY)
    if sealed is None:
        return
    if not isinstance(sealed, dict):
        raise IntegrityFailure(f"The {table_of(row)} row {cast(_MappedRow, row).id} is unreadable.")
    state = sa_inspect(row) if as_loaded else None
    for name in row.BOUND:
        value = getattr(row, name)
        if state is not None:
            history = state.attrs[name].history
            if history.deleted:
                value = history.deleted[0]
        if sealed.get(name) != value:
            raise IntegrityFailure(
                f"The {table_of(row)} row {cast(_MappedRow, row).id} says {name} is "
                f"{str(value)[:60]!r}, but its sealed record says {str(sealed.get(name))[:60]!r}: "
                "it was changed in the database, so nothing was done with it."
            )


def bind_all(ctx: VaultContext, session: Session) -> tuple[int, list[str]]:
    """Seal the bound plain columns (and tag the tagged ones) of every row sealed before they
    were; how many rows were re-sealed, and the rows refused because they no longer match
    what they sealed (left as they are, to be named by every reader)."""
    from itexit.store.schema import encrypted_models

    count = 0
    refused: list[str] = []
    for model in encrypted_models():
        if not model.BOUND:
            continue
        for row in session.scalars(select(model)):
            try:
                tagger = ctx.tagger(model, row.scope, row.epoch) if row.TAGGED else None
                stale_tag = bool(row.TAGGED) and (
                    tagger is None or not tagger.matches(tagged_row(row), cast(Any, row).bound_tag)
                )
                if stale_tag or BOUND_KEY not in ctx._decrypt(row):
                    with session.begin_nested():
                        ctx.touch(row)
                        session.flush()
                    count += 1
            except (IntegrityFailure, PermissionDenied):
                refused.append(f"{table_of(row)} {cast(_MappedRow, row).id}")
    session.flush()
    return count, refused


_E = TypeVar("_E", bound=Enum)


def plain_enum(kind: type[_E], row: Any, column: str) -> _E:
    """A plain column read as its enum; a value edited in the database to one itexit does not
    know is one sentence naming the row, never a crash."""
    value = getattr(row, column)
    try:
        return kind(value)
    except ValueError:
        raise IntegrityFailure(
            f"The {getattr(row, '__tablename__', 'vault')} row {getattr(row, 'id', '?')} has a "
            f"{column} ({str(value)[:24]!r}) itexit does not know: it was changed in the "
            "database. Restore it from a backup."
        ) from None


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
