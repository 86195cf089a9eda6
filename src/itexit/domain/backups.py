"""Backups and the export: what a backup file says about itself, and what a check found."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import ConfigDict

from itexit.domain.base import Model
from itexit.domain.errors import VaultCorrupt

BACKUP_FORMAT = 1
DEFAULT_MAX_AGE_DAYS = 7
MAX_AGE_LIMIT_DAYS = 365


class BackupManifest(Model):
    """The signed label inside a backup: whose vault, which state, when and by whom."""

    model_config = ConfigDict(frozen=True)

    format: int = BACKUP_FORMAT
    vault_id: str
    practice_name: str
    epoch: int
    audit_seq: int
    audit_hash: str
    made_at: datetime
    made_by: str
    made_by_id: str
    source: str
    """The kind of database it was copied from: `sqlite` or `postgresql`."""
    signer_key: str
    signature: str = ""


class BackupResult(Model):
    """A backup written and proven to restore."""

    model_config = ConfigDict(frozen=True)

    path: str
    size: int
    sha256: str
    manifest: BackupManifest
    records_opened: int
    audit_entries: int


class BackupStatus(Model):
    """The last verified backup, as the audit log records it, against the practice's setting."""

    model_config = ConfigDict(frozen=True)

    last_verified_at: datetime | None
    last_verified_by: str = ""
    last_file: str = ""
    max_age_days: int = DEFAULT_MAX_AGE_DAYS
    due: date
    overdue: bool

    def age_days(self, today: date) -> int | None:
        if self.last_verified_at is None:
            return None
        return (today - self.last_verified_at.astimezone().date()).days


class RestoreResult(Model):
    """What a restore did, and who can still open the copy it put in place."""

    model_config = ConfigDict(frozen=True)

    target: str
    manifest: BackupManifest
    replaced: bool
    older_than_witness: bool
    members: list[str]
    """People whose passphrase opens the restored vault (everyone who was a member then)."""
    removed_since: list[str]
    """People removed from the replaced vault after the backup was made: their old passphrase
    opens the restored copy."""


class KdbxExportResult(Model):
    model_config = ConfigDict(frozen=True)

    path: str
    entries: int
    with_totp: int


class BackupRefused(VaultCorrupt):
    """A backup file that is damaged, cut short, altered or not a backup at all."""
