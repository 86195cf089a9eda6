"""Prove a backup restores: open a copy of it in a temporary place and check it as a vault.

A backup counts only when its manifest's signature holds, its copy opens as a vault of the
schema this version knows, its audit chain verifies up to the head the manifest names, and a
member's own keys open its key slots and every record those keys cover.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from itexit.domain.backups import BACKUP_FORMAT, BackupManifest, BackupRefused
from itexit.domain.canonical import canonical
from itexit.domain.errors import IntegrityFailure, VaultError
from itexit.services import audit
from itexit.services.context import record_address
from itexit.store import backup_copy
from itexit.store.engine import make_engine
from itexit.store.migrate import ensure_schema
from itexit.store.models import AuditRow, KeySlot, User, VaultMeta
from itexit.vault.kdf import KdfParams
from itexit.vault.keys import KeyPair, unwrap_user_keys, user_key_aad, verify_signature
from itexit.vault.scope_keys import ScopeKeys

_MANIFEST_DOMAIN = b"itexit.backup.v1\x00"


def manifest_body(manifest: BackupManifest) -> str:
    """The signed bytes of a manifest: every field but the signature, canonical JSON."""
    return canonical(manifest.model_dump(mode="json", exclude={"signature"})).decode()


def manifest_message(body: str) -> bytes:
    return _MANIFEST_DOMAIN + body.encode()


@dataclass
class CheckedCopy:
    """A backup restored into a temporary place, its manifest and chain checked."""

    manifest: BackupManifest
    path: Path
    engine: Engine
    audit_entries: int
    members: list[str]


def refuse(file: Path, why: str) -> BackupRefused:
    return BackupRefused(f"{file.name} cannot be used as a backup: {why}; nothing was restored.")


def read_manifest(file: Path) -> BackupManifest:
    """The manifest inside a backup file, its signature checked; refused with one sentence."""
    found = backup_copy.check_file(file)
    if isinstance(found, str):
        raise refuse(file, found)
    body, signature = found
    try:
        manifest = BackupManifest.model_validate({**json.loads(body), "signature": signature})
    except (ValueError, ValidationError):
        raise refuse(file, "its manifest is not readable") from None
    if manifest.format != BACKUP_FORMAT:
        raise refuse(
            file, f"it was written in a format this version does not know ({manifest.format})"
        )
    try:
        good = verify_signature(
            bytes.fromhex(manifest.signer_key),
            bytes.fromhex(manifest.signature),
            manifest_message(body),
        )
    except ValueError:
        good = False
    if not good or manifest_body(manifest) != body:
        raise refuse(file, "its manifest's signature does not match (it was altered)")
    return manifest


@contextmanager
def restored_copy(file: Path, workdir: Path) -> Iterator[CheckedCopy]:
    """Restore `file` into `workdir` and check it; the copy's engine closes on leaving."""
    manifest = read_manifest(file)
    copy = workdir / "restored.sqlite"
    shutil.copyfile(file, copy)
    copy.chmod(0o600)
    backup_copy.drop_manifest(copy)
    try:
        engine = make_engine(f"sqlite:///{copy}")
    except VaultError as exc:
        raise refuse(file, f"its copy does not open ({exc})") from None
    try:
        try:
            ensure_schema(engine, workdir / "before-migration")
            with Session(engine) as session:
                entries, members = _check(file, session, manifest)
        except SQLAlchemyError as exc:
            raise refuse(
                file, f"its copy does not open as a vault ({type(exc).__name__})"
            ) from None
        yield CheckedCopy(manifest, copy, engine, entries, members)
    finally:
        engine.dispose()


def _check(file: Path, session: Session, manifest: BackupManifest) -> tuple[int, list[str]]:
    meta = session.scalars(select(VaultMeta)).first()
    if meta is None:
        raise refuse(file, "it holds no vault")
    if meta.vault_id != manifest.vault_id or meta.epoch != manifest.epoch:
        raise refuse(file, "it does not hold the vault its manifest names")
    verdict = audit.verify(session, meta.vault_id)
    if not verdict.ok:
        raise refuse(file, f"its audit log is broken at entry {verdict.first_bad_seq}")
    if (verdict.head_seq, verdict.head_hash) != (manifest.audit_seq, manifest.audit_hash):
        raise refuse(file, "it does not hold the state its manifest describes")
    signed_by_maker = session.scalars(
        select(AuditRow.seq)
        .where(AuditRow.actor_id == manifest.made_by_id)
        .where(AuditRow.signer_key == manifest.signer_key)
        .limit(1)
    ).first()
    if signed_by_maker is None:
        raise refuse(file, "its manifest is signed by a key no member of that vault held")
    members = list(
        session.scalars(select(User.name).where(User.status == "active").order_by(User.name))
    )
    return verdict.rows, members


def unlock_copy(copy: CheckedCopy, name: str, passphrase: str) -> tuple[str, str, KeyPair]:
    """A member's id, role and keys, unwrapped from the copy with their passphrase then."""
    from itexit.domain.errors import AuthenticationFailed

    with Session(copy.engine) as session:
        user = session.scalars(
            select(User).where(User.name == name.strip(), User.status == "active")
        ).first()
        if user is None or user.wrapped_keys is None:
            raise AuthenticationFailed(
                "That user name and passphrase do not open this backup; nothing was restored."
            )
        params = KdfParams(
            user.kdf_memory_kib, user.kdf_time_cost, user.kdf_parallelism, user.kdf_salt
        )
        params.check()
        try:
            pair = unwrap_user_keys(
                user.wrapped_keys,
                passphrase,
                params,
                user_key_aad(copy.manifest.vault_id, user.id, params),
            )
        except IntegrityFailure:
            raise AuthenticationFailed(
                "That user name and passphrase do not open this backup; nothing was restored."
            ) from None
        return user.id, user.role, pair


def open_with_keys(copy: CheckedCopy, holder: str, pair: KeyPair) -> int:
    """Open the holder's key slots in the copy and decrypt every record they cover."""
    from itexit.store.schema import encrypted_models

    vault_id = copy.manifest.vault_id
    with Session(copy.engine) as session:
        meta = session.scalars(select(VaultMeta)).one()
        slots = session.scalars(
            select(KeySlot).where(KeySlot.holder == holder, KeySlot.epoch == meta.epoch)
        ).all()
        if not slots:
            raise IntegrityFailure("No key of this person is sealed in the backup.")
        keys = ScopeKeys.from_slots(
            pair.box, vault_id, holder, [(slot.scope, slot.epoch, slot.sealed) for slot in slots]
        )
        scopes = [scope for scope, _ in keys]
        opened = 0
        try:
            for model in encrypted_models():
                for row in session.scalars(select(model).where(model.scope.in_(scopes))):
                    if row.epoch != meta.epoch:
                        raise IntegrityFailure("A record of the backup is sealed under an old key.")
                    keys.open((row.scope, meta.epoch), record_address(vault_id, row), row.doc)
                    opened += 1
        finally:
            keys.wipe()
        return opened
