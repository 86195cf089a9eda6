"""Make a backup while others use the vault, prove it restores, and keep the record of it.

"The last verified backup" and the practice's limit on its age are read from the signed audit
log, never from a plain column: a backup counts once its `backup.verified` entry is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from itexit.domain.backups import (
    DEFAULT_MAX_AGE_DAYS,
    MAX_AGE_LIMIT_DAYS,
    BackupManifest,
    BackupRefused,
    BackupResult,
    BackupStatus,
    KdbxExportResult,
)
from itexit.domain.errors import BadInput, CheckFailed, IntegrityFailure, PermissionDenied
from itexit.domain.roles import Permission
from itexit.services import audit, witness
from itexit.services.backups.checking import (
    manifest_body,
    manifest_message,
    open_with_keys,
    restored_copy,
)
from itexit.services.context import VaultContext
from itexit.store import backup_copy
from itexit.store.engine import sqlite_file
from itexit.store.models import AuditRow, VaultMeta

VERIFIED = "backup.verified"
FAILED = "backup.failed"
MAX_AGE_SETTING = "settings.backup_max_age"
SUFFIX = ".itexit-backup"


def default_name(now: datetime) -> str:
    return f"vault-{now:%Y%m%dT%H%M%SZ}{SUFFIX}"


class BackupService:
    """Backups of the unlocked vault, their record, and the export that leaves itexit."""

    def __init__(self, ctx: VaultContext) -> None:
        self.ctx = ctx

    # --- making one ---------------------------------------------------------------------------

    @property
    def default_folder(self) -> Path:
        """Where a backup goes when no place is named: the data folder's backups/."""
        return self.ctx.store.backup_dir

    def make(self, target: str | Path | None = None) -> BackupResult:
        """Copy the live vault, sign its manifest, restore it elsewhere to prove it, then
        put it in place (temp file, fsync, rename; mode 0600) and record it as verified."""
        self.ctx.require(Permission.VAULT_BACKUP)
        keys = self.ctx.actor.keys
        if keys is None:
            raise PermissionDenied("The vault is locked; unlock it again to continue.")
        now = datetime.now(UTC)
        path = self._target(target, now)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=".itexit-backup-", suffix=".part")
        os.close(fd)
        part = Path(name)
        try:
            manifest = self._copy_and_sign(part, now)
            with (
                tempfile.TemporaryDirectory(prefix="itexit-verify-") as work,
                restored_copy(part, Path(work)) as copy,
            ):
                opened = open_with_keys(copy, self.ctx.actor.id, keys)
                entries = copy.audit_entries
            backup_copy.fsync_file(part)
            if path.exists():
                raise BadInput(f"{path} already exists; choose a new file name.")
            os.replace(part, path)
            backup_copy.fsync_dir(path.parent)
        except (BackupRefused, IntegrityFailure) as exc:
            part.unlink(missing_ok=True)
            self._record_failure(path, str(exc))
            raise CheckFailed(
                f"The backup did not verify and was discarded; it does not count ({exc})"
            ) from None
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        digest, size = _sha256(path), path.stat().st_size
        with self.ctx.transaction() as session:
            self.ctx.record(
                session,
                VERIFIED,
                path.name,
                path=str(path),
                sha256=digest,
                size=size,
                backup_audit_seq=manifest.audit_seq,
                backup_audit_hash=manifest.audit_hash,
                backup_epoch=manifest.epoch,
                records_opened=opened,
            )
            recorded = audit.head(session)
        if recorded is not None:
            witness.note_backup(
                self.ctx.vault_id, recorded.seq, manifest.audit_seq, manifest.audit_hash
            )
        return BackupResult(
            path=str(path),
            size=size,
            sha256=digest,
            manifest=manifest,
            records_opened=opened,
            audit_entries=entries,
        )

    def _target(self, target: str | Path | None, now: datetime) -> Path:
        if target is None or str(target) == "":
            return self.ctx.store.backup_dir / default_name(now)
        path = Path(target).expanduser()
        if path.is_dir():
            return path / default_name(now)
        vault_file = sqlite_file(self.ctx.store.location.sqlalchemy_url)
        if vault_file is not None and path.resolve() == vault_file.resolve():
            raise BadInput("A backup cannot be written over the vault itself.")
        if path.exists():
            raise BadInput(f"{path} already exists; choose a new file name.")
        return path

    def _copy_and_sign(self, part: Path, now: datetime) -> BackupManifest:
        store = self.ctx.store
        source = sqlite_file(store.location.sqlalchemy_url)
        if source is not None:
            backup_copy.sqlite_online_copy(source, part)
        else:
            engine = backup_copy.new_sqlite_schema(part)
            try:
                backup_copy.logical_copy(store.engine, engine)
            finally:
                engine.dispose()
        engine = create_engine(f"sqlite:///{part}")
        try:
            with Session(engine) as session:
                meta = session.scalars(select(VaultMeta)).one()
                head = session.scalars(
                    select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)
                ).one()
                fields = {
                    "vault_id": meta.vault_id,
                    "practice_name": meta.practice_name,
                    "epoch": meta.epoch,
                    "audit_seq": head.seq,
                    "audit_hash": head.hash,
                }
        finally:
            engine.dispose()
        keys = self.ctx.actor.keys
        assert keys is not None
        unsigned = BackupManifest(
            **fields,
            made_at=now,
            made_by=self.ctx.actor.name,
            made_by_id=self.ctx.actor.id,
            source=store.backend,
            signer_key=keys.sign_public.hex(),
        )
        body = manifest_body(unsigned)
        signature = keys.signature(manifest_message(body)).hex()
        backup_copy.write_manifest(part, body, signature)
        part.chmod(0o600)
        return unsigned.model_copy(update={"signature": signature})

    def _record_failure(self, path: Path, reason: str) -> None:
        with self.ctx.transaction() as session:
            self.ctx.record(session, FAILED, path.name, path=str(path), reason=reason[:300])

    # --- the record ---------------------------------------------------------------------------

    def status(self, today: date | None = None) -> BackupStatus:
        """The last verified backup and the practice's limit, both read from the audit log."""
        self.ctx.require(Permission.DASHBOARD_READ)
        today = today or date.today()
        with self.ctx.reading() as session:
            last = _latest(session, VERIFIED)
            setting = _latest(session, MAX_AGE_SETTING)
            meta = session.scalars(select(VaultMeta)).first()
        max_age = DEFAULT_MAX_AGE_DAYS
        if setting is not None:
            value = json.loads(setting.details).get("days")
            if isinstance(value, int) and 1 <= value <= MAX_AGE_LIMIT_DAYS:
                max_age = value
        if last is not None:
            at = datetime.fromisoformat(last.at)
            start = at.astimezone().date()
        else:
            at = None
            created = meta.created_at if meta is not None else None
            start = created.astimezone().date() if created is not None else today
        due = start + timedelta(days=max_age)
        return BackupStatus(
            last_verified_at=at,
            last_verified_by=last.actor_name if last is not None else "",
            last_file=last.target if last is not None else "",
            max_age_days=max_age,
            due=due,
            overdue=today > due,
        )

    def set_max_age(self, days: int) -> None:
        """The practice's limit on the age of its last verified backup (signed, audited)."""
        self.ctx.require(Permission.SETTINGS_WRITE)
        if not 1 <= days <= MAX_AGE_LIMIT_DAYS:
            raise BadInput(
                f"Give the number of days as a whole number from 1 to {MAX_AGE_LIMIT_DAYS}."
            )
        with self.ctx.transaction() as session:
            self.ctx.record(session, MAX_AGE_SETTING, "backup-max-age", days=days)

    # --- the way out --------------------------------------------------------------------------

    def export_kdbx(self, path: str | Path, passphrase: str) -> KdbxExportResult:
        from itexit.services.backups.export import export_kdbx

        return export_kdbx(self.ctx, Path(path).expanduser(), passphrase)


def _latest(session: Session, action: str) -> AuditRow | None:
    return session.scalars(
        select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.seq.desc()).limit(1)
    ).first()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
