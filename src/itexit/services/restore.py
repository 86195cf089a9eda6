"""Put a backup back in place: proven first, never over a vault by accident, never silently
older than what this workstation has seen.

The backup is restored into a temporary place and checked as when it was made; the person
restoring opens it with their passphrase of that time. Only then does it replace anything:
a SQLite file by an atomic rename, a PostgreSQL database's itexit tables in one transaction.
Like the gateway it works on the vault as a whole, before anyone is signed in, and it opens
the restored vault through the gateway to record who restored it.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from itexit.domain.backups import BackupManifest, RestoreResult
from itexit.domain.errors import BadInput, PermissionDenied, RollbackDetected, VaultError
from itexit.domain.roles import Permission, Role, is_allowed
from itexit.services import witness
from itexit.services.backups.checking import (
    CheckedCopy,
    open_with_keys,
    read_manifest,
    restored_copy,
    unlock_copy,
)
from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation
from itexit.store import backup_copy
from itexit.store.engine import make_engine, read_only_uri, sqlite_file
from itexit.store.models import AuditRow, VaultMeta

RESTORED = "vault.restore"


@dataclass(frozen=True)
class RestorePlan:
    """What a restore of `file` to a location would meet, before anyone types a passphrase."""

    manifest: BackupManifest
    target: str
    target_exists: bool
    older_than_witness: int | None
    """The newer audit entry this workstation saw, when the backup is older than it."""
    removed_since: list[str]


def plan(file: str | Path, location: VaultLocation) -> RestorePlan:
    """Check the file's manifest and look at the target; nothing is written."""
    path = _backup_file(file)
    manifest = read_manifest(path)
    exists, removed = _existing(location, manifest)
    seen = witness.seen(manifest.vault_id)
    older = None
    noted = witness.backup_noted(manifest.vault_id)
    if seen is not None and seen[0] > manifest.audit_seq:
        older = None if noted == (manifest.audit_seq, manifest.audit_hash) else seen[0]
    return RestorePlan(manifest, location.describe(), exists, older, removed)


def restore(
    file: str | Path,
    location: VaultLocation,
    name: str,
    passphrase: str,
    *,
    replace: bool = False,
    reason: str = "",
) -> RestoreResult:
    """Restore `file` to `location`, opened by `name`; audited in the restored vault."""
    path = _backup_file(file)
    reason = " ".join(reason.split())[:300]
    with (
        tempfile.TemporaryDirectory(prefix="itexit-restore-") as work,
        restored_copy(path, Path(work)) as copy,
    ):
        manifest = copy.manifest
        holder, role, pair = unlock_copy(copy, name, passphrase)
        if not is_allowed(Role(role), Permission.VAULT_BACKUP):
            raise PermissionDenied(
                "Only a practice manager or the IT consultant may restore a backup; "
                "nothing was restored."
            )
        open_with_keys(copy, holder, pair)
        behind, older = _witness_ahead(copy)
        if older is not None and not reason:
            raise RollbackDetected(
                f"This backup is older than the vault this workstation last saw (audit "
                f"entry {older}, the backup ends at {manifest.audit_seq}); nothing was "
                "restored. To go back to it anyway, say why with --reason."
            )
        exists, removed = _existing(location, manifest)
        if exists and not replace:
            raise BadInput(
                f"A vault already exists at {location.describe()}; nothing was restored. "
                "Give --replace to overwrite it (back it up first if it still opens)."
            )
        members = list(copy.members)
        _place(copy, location)
    if behind:
        witness.replace(manifest.vault_id, manifest.audit_seq, manifest.audit_hash)
    _record(path, location, name, passphrase, manifest, reason, exists, older)
    return RestoreResult(
        target=location.describe(),
        manifest=manifest,
        replaced=exists,
        older_than_witness=older is not None,
        members=members,
        removed_since=removed,
    )


def _backup_file(file: str | Path) -> Path:
    path = Path(file).expanduser()
    if not path.is_file():
        raise BadInput(f"There is no backup file {path}; check the name.")
    return path


def _witness_ahead(copy: CheckedCopy) -> tuple[bool, int | None]:
    """Whether this workstation saw a newer head than the backup's, and that head's entry when
    the backup is older than it (a backup whose own verification is the only newer entry is
    not: nothing else happened since)."""
    seen = witness.seen(copy.manifest.vault_id)
    if seen is None:
        return False, None
    seq, head_hash = seen
    if (seq, head_hash) == (copy.manifest.audit_seq, copy.manifest.audit_hash):
        return False, None
    if witness.backup_noted(copy.manifest.vault_id) == (
        copy.manifest.audit_seq,
        copy.manifest.audit_hash,
    ):
        return True, None
    with Session(copy.engine) as session:
        row = session.get(AuditRow, seq)
    if row is not None and row.hash == head_hash:
        return False, None
    return True, seq


def _existing(location: VaultLocation, manifest: BackupManifest) -> tuple[bool, list[str]]:
    """Whether a vault is at the location, and who was removed from it after the backup."""
    path = sqlite_file(location.sqlalchemy_url)
    engine: Engine
    if path is not None:
        if not path.exists() or path.stat().st_size == 0:
            return False, []
        uri = read_only_uri(path)
        engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    else:
        try:
            engine = make_engine(location.sqlalchemy_url)
        except VaultError:
            return False, []
    try:
        with Session(engine) as session:
            meta = session.scalars(select(VaultMeta)).first()
            if meta is None:
                return False, []  # an empty database holds no vault to lose
            if meta.vault_id != manifest.vault_id:
                return True, []
            removed = session.scalars(
                select(AuditRow.target)
                .where(AuditRow.action == "user.remove", AuditRow.seq > manifest.audit_seq)
                .order_by(AuditRow.seq)
            ).all()
            return True, list(dict.fromkeys(removed))
    except SQLAlchemyError:
        return path is not None, []  # a damaged file is still a vault not to overwrite blindly
    finally:
        engine.dispose()


def _place(copy: CheckedCopy, location: VaultLocation) -> None:
    path = sqlite_file(location.sqlalchemy_url)
    copy.engine.dispose()
    if path is None:
        target = make_engine(location.sqlalchemy_url)
        try:
            backup_copy.replace_tables(copy.engine, target)
        finally:
            target.dispose()
            copy.engine.dispose()
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".itexit-restore-", suffix=".part")
    os.close(fd)
    part = Path(name)
    try:
        backup_copy.sqlite_online_copy(copy.path, part)
        part.chmod(0o600)
        backup_copy.fsync_file(part)
        # The old vault's journal must not be replayed into the restored file.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(part, path)
        backup_copy.fsync_dir(path.parent)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _record(
    file: Path,
    location: VaultLocation,
    name: str,
    passphrase: str,
    manifest: BackupManifest,
    reason: str,
    replaced: bool,
    older: int | None,
) -> None:
    """Open the restored vault as the person who restored it and write the audit entry."""
    gateway = Gateway.open(location)
    try:
        vault = gateway.unlock(name, passphrase)
        ctx = vault.ctx
        with ctx.transaction() as session:
            ctx.record(
                session,
                RESTORED,
                file.name,
                made_at=manifest.made_at.isoformat(),
                made_by=manifest.made_by,
                backup_audit_seq=manifest.audit_seq,
                replaced=replaced,
                older_than_seen=older,
                reason=reason,
            )
        vault.lock()
    finally:
        gateway.close()
