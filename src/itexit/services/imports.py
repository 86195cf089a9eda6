"""Imports from password managers: read in memory, previewed, then all or nothing.

`preview` reads the export (nothing decrypted is written anywhere) and says what would be
imported and what would be left out, showing names and user names but never a secret. `commit`
adds every entry in one transaction through the credential service, with one audit row naming
the file's SHA-256 and the counts, so either all of it is in the vault, audited, or none of it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import ConfigDict, Field, PrivateAttr, SecretStr, ValidationError
from sqlalchemy import select

from itexit.domain.base import Model
from itexit.domain.credentials import Category, NewCredential, Source
from itexit.domain.errors import BadInput, ItexitError
from itexit.domain.roles import Permission, Scope
from itexit.io.importers import (
    KINDS,
    ImportedEntry,
    ImportKind,
    KindInfo,
    SkippedRow,
    parse,
    parse_mapping,
)
from itexit.services.context import VaultContext
from itexit.services.credentials.records import host_and_port
from itexit.services.credentials.service import CredentialService
from itexit.store.models import Credential

__all__ = [
    "KINDS",
    "ImportCancelled",
    "ImportKind",
    "ImportOptions",
    "ImportPreview",
    "ImportReport",
    "ImportService",
    "KindInfo",
    "PreviewRow",
    "SkippedRow",
]

SAMPLE_ROWS = 200
"""How many of the rows to import a preview lists (the counts cover all of them)."""

Progress = Callable[[int, int], None]
T = TypeVar("T")


def interruptible(work: Callable[[], T]) -> T:
    """Run `work` so that Ctrl-C stops the command at once, even inside a long C call.

    A key derivation (Argon2) runs in C and holds off Python's signal handling until it ends;
    run in a background thread, the main thread keeps waiting in short steps and takes the
    KeyboardInterrupt when it comes. Away from the main thread (the app's workers) it just runs.
    """
    if threading.current_thread() is not threading.main_thread():
        return work()
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the caller's thread below
            failure.append(exc)

    worker = threading.Thread(target=run, name="itexit-import-read", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)
    if failure:
        raise failure[0]
    return outcome[0]


class ImportCancelled(ItexitError):
    """The person stopped the import before it committed; nothing was added."""

    def __init__(self) -> None:
        super().__init__("The import was cancelled; nothing was added.")


class ImportOptions(Model):
    """How to open the export: KeePass password and key file, CSV column mapping, encoding."""

    password: SecretStr | None = None
    keyfile: str | None = None
    """Path of a KeePass key file."""
    mapping: str = ""
    """For a generic CSV: `system=Title,username=Login,secret=Password,...`."""
    encoding: str | None = None
    """The text encoding of a CSV, JSON or XML export when it is not UTF-8 and has no BOM."""


class PreviewRow(Model):
    """One entry to import as the preview lists it: names only, never a secret."""

    model_config = ConfigDict(frozen=True)

    row: int
    system: str
    username: str
    host: str
    folder: str
    category: Category
    has_totp: bool


class ImportPreview(Model):
    """What an import would do; `commit` takes it and adds exactly these entries."""

    model_config = ConfigDict(frozen=True)

    kind: ImportKind
    file_name: str
    sha256: str
    rows: int
    """Entries or rows the file holds (blank CSV lines not counted)."""
    row_word: str
    to_import: int
    sample: list[PreviewRow]
    skipped: list[SkippedRow]
    by_category: dict[str, int] = Field(default_factory=dict)
    with_totp: int = 0
    remarks: list[SkippedRow] = Field(default_factory=list)
    """What still needs a look after the import: attachments left behind, notes to review."""
    _entries: list[ImportedEntry] = PrivateAttr(default_factory=list)

    @property
    def entries(self) -> list[ImportedEntry]:
        return self._entries


class ImportReport(Model):
    """What an import did."""

    model_config = ConfigDict(frozen=True)

    kind: ImportKind
    file_name: str
    sha256: str
    imported: int
    skipped: list[SkippedRow]
    known_to_departing: bool
    credential_ids: list[str]
    remarks: list[SkippedRow] = Field(default_factory=list)
    delete_reminder: str = ""
    """The sentence reminding the person to delete the plaintext export (empty for a .kdbx)."""


class ImportService:
    def __init__(self, ctx: VaultContext) -> None:
        self.ctx = ctx

    def preview(
        self, kind: ImportKind | str, path: str | Path, options: ImportOptions | None = None
    ) -> ImportPreview:
        """Read and check the export; say what would be imported and what left out, and why."""
        self.ctx.require(Permission.CRED_WRITE)
        kind = _kind(kind)
        options = options or ImportOptions()
        file = Path(path).expanduser()
        data = _read(file, "export")
        keyfile = _read(Path(options.keyfile).expanduser(), "key") if options.keyfile else None
        mapping = parse_mapping(options.mapping) if kind is ImportKind.CSV else None
        password = options.password.get_secret_value() if options.password is not None else None
        parsed = interruptible(
            lambda: parse(
                kind,
                data,
                name=file.name,
                password=password,
                keyfile=keyfile,
                mapping=mapping,
                encoding=options.encoding or None,
            )
        )
        entries, unreadable = _readable_addresses(parsed.entries)
        entries, in_vault = self._not_in_vault(entries)
        skipped = sorted([*parsed.skipped, *unreadable, *in_vault], key=lambda s: s.row)
        preview = ImportPreview(
            kind=kind,
            file_name=file.name,
            sha256=hashlib.sha256(data).hexdigest(),
            rows=parsed.rows,
            row_word=parsed.row_word,
            to_import=len(entries),
            sample=[
                PreviewRow(
                    row=e.row,
                    system=e.system,
                    username=e.username,
                    host=e.host,
                    folder=e.folder,
                    category=e.category,
                    has_totp=bool(e.totp.get_secret_value()),
                )
                for e in entries[:SAMPLE_ROWS]
            ],
            skipped=skipped,
            by_category=dict(Counter(e.category.value for e in entries).most_common()),
            with_totp=sum(1 for e in entries if e.totp.get_secret_value()),
            remarks=parsed.remarks,
        )
        preview._entries = entries
        return preview

    def commit(
        self,
        preview: ImportPreview,
        *,
        departing: bool = True,
        on_progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> ImportReport:
        """Add every previewed entry in one transaction, audited with the file's SHA-256.

        `departing` marks each entry known to the departing person (their hand-over), so it is
        due for rotation. `cancelled` is asked between entries; saying yes rolls everything back.
        """
        self.ctx.require(Permission.CRED_WRITE)
        if not preview.entries:
            raise BadInput(f"{preview.file_name} holds nothing to import; nothing was added.")
        label = KINDS[preview.kind].label
        items: list[NewCredential] = []
        for entry in preview.entries:
            try:
                items.append(_new_credential(entry, label, preview, departing))
            except ValidationError as exc:
                where = exc.errors()[0]["loc"][0] if exc.errors() else "a field"
                raise BadInput(
                    f"{preview.row_word.capitalize()} {entry.row} of {preview.file_name}: "
                    f"the {where} is not valid; nothing was added."
                ) from None

        def progress(done: int, total: int) -> None:
            if cancelled is not None and cancelled():
                raise ImportCancelled()
            if on_progress is not None:
                on_progress(done, total)

        added = CredentialService(self.ctx).add_many(
            items,
            on_progress=progress,
            summary_audit=(
                "import.commit",
                preview.file_name,
                {
                    "format": preview.kind.value,
                    "sha256": preview.sha256,
                    "imported": len(items),
                    "skipped": len(preview.skipped),
                    "known_to_departing": departing,
                },
            ),
        )
        return ImportReport(
            kind=preview.kind,
            file_name=preview.file_name,
            sha256=preview.sha256,
            imported=len(added),
            skipped=preview.skipped,
            known_to_departing=departing,
            credential_ids=[summary.id for summary in added],
            remarks=preview.remarks,
            delete_reminder=delete_reminder(preview.kind, preview.file_name),
        )

    def run(
        self,
        kind: ImportKind | str,
        path: str | Path,
        options: ImportOptions | None = None,
        *,
        departing: bool = True,
        on_progress: Progress | None = None,
    ) -> ImportReport:
        """Preview and commit in one call (for scripts)."""
        return self.commit(
            self.preview(kind, path, options), departing=departing, on_progress=on_progress
        )

    def _not_in_vault(
        self, entries: list[ImportedEntry]
    ) -> tuple[list[ImportedEntry], list[SkippedRow]]:
        """Leave out entries the vault already holds (same system and user name)."""
        if not entries:
            return entries, []
        wanted = {e.system.casefold() for e in entries}
        existing: set[tuple[str, str]] = set()
        with self.ctx.reading() as session:
            rows = session.scalars(select(Credential)) if self.ctx.holds(Scope.CRED) else ()
            for row in rows:
                if row.system.casefold() in wanted:
                    username = str(self.ctx.unseal(row).get("username", "")).strip()
                    existing.add((row.system.casefold(), username))
        keep: list[ImportedEntry] = []
        skipped: list[SkippedRow] = []
        for entry in entries:
            if (entry.system.casefold(), entry.username) in existing:
                skipped.append(
                    SkippedRow(
                        row=entry.row,
                        label=entry.system,
                        reason="already in the vault (same system and user name)",
                    )
                )
            else:
                keep.append(entry)
        return keep, skipped


def delete_reminder(kind: ImportKind, file_name: str) -> str:
    """What to do with the export now it is in the vault: it holds every password in the clear."""
    if kind is ImportKind.KEEPASS:
        return ""
    return (
        f"Now delete {file_name} (and empty the trash): it holds every password in the clear, "
        "and the vault keeps them encrypted."
    )


def _readable_addresses(
    entries: list[ImportedEntry],
) -> tuple[list[ImportedEntry], list[SkippedRow]]:
    """Leave out entries whose address cannot be read; else the commit would stop on them."""
    keep: list[ImportedEntry] = []
    skipped: list[SkippedRow] = []
    for entry in entries:
        try:
            host_and_port(entry.host, entry.url, entry.port)
        except BadInput as exc:
            skipped.append(SkippedRow(row=entry.row, label=entry.system, reason=str(exc)))
        else:
            keep.append(entry)
    return keep, skipped


def _kind(kind: ImportKind | str) -> ImportKind:
    try:
        return ImportKind(kind)
    except ValueError:
        raise BadInput(
            f"{kind!r} is not an import format; choose one of "
            f"{', '.join(k.value for k in ImportKind)}."
        ) from None


def _read(path: Path, what: str) -> bytes:
    try:
        if not path.is_file():
            raise BadInput(f"There is no {what} file at {path}.")
        return path.read_bytes()
    except OSError as exc:
        raise BadInput(f"Cannot read the {what} file {path}: {exc.strerror}.") from None


def _new_credential(
    entry: ImportedEntry, label: str, preview: ImportPreview, departing: bool
) -> NewCredential:
    where = f"Imported from {label} {preview.file_name}, {preview.row_word} {entry.row}"
    where += f" (folder {entry.folder})." if entry.folder else "."
    notes = f"{entry.notes}\n\n{where}" if entry.notes else where
    return NewCredential(
        system=entry.system,
        host=entry.host,
        url=entry.url,
        port=entry.port,
        category=entry.category,
        username=entry.username,
        secret=entry.secret,
        notes=notes,
        totp_seed=entry.totp,
        known_to_departing=departing,
        source=Source.HANDED_OVER if departing else Source.DISCOVERED,
        verifier=entry.verifier,
        tls=entry.tls,
        path=entry.path,
    )
