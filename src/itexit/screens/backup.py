"""Make a verified backup, or export every credential into a new KeePass database."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, LoadingIndicator, Static

from itexit.domain.errors import ItexitError
from itexit.domain.wording import count
from itexit.screens.base import ItexitModal
from itexit.widgets.passphrase_fields import PassphraseFields

if TYPE_CHECKING:
    from itexit.domain.backups import BackupResult, BackupStatus, KdbxExportResult
    from itexit.services.session import UnlockedVault


def shown_path(path: Path) -> str:
    """A path as a person reads it: relative to where the app was started, or from ~."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        pass
    try:
        return "~/" + str(path.resolve().relative_to(Path.home().resolve()))
    except (ValueError, RuntimeError):
        return str(path)


def status_text(status: BackupStatus) -> str:
    if status.last_verified_at is None:
        last = "No backup has been verified yet."
    else:
        at = status.last_verified_at.astimezone()
        last = f"Last verified backup: {at:%d %b %Y %H:%M} by {status.last_verified_by}."
    return f"{last} One is due every {count(status.max_age_days, 'day')}."


class BackupModal(ItexitModal[None]):
    """Where to write the backup; then the backup is made, restored elsewhere and checked."""

    CSS_PATH = "backup.tcss"
    AUTO_FOCUS = "#backup-path"
    HELP = (
        "Copies the vault while others keep working, then proves the copy by restoring it "
        "into a temporary place: its record of changes must be intact and your keys must "
        "open it. Only a verified backup counts. Keep copies off this machine."
    )

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._session = session

    def compose(self) -> ComposeResult:
        backups = self._session.backups
        with VerticalScroll(id="backup-dialog", classes="dialog"):
            yield Static("Back up the vault", classes="heading")
            yield Static(status_text(backups.status()), id="backup-status", classes="hint")
            yield Label("Folder or new file name", classes="field-label")
            yield Input(value=shown_path(backups.default_folder), id="backup-path")
            yield Static(
                "The backup holds only what the vault holds: everything private stays "
                "encrypted. It opens with the passphrases of everyone who is a member today, "
                "even after they are removed.",
                id="backup-note",
                classes="hint",
            )
            busy = LoadingIndicator(id="backup-busy")
            busy.display = False
            yield busy
            yield Static("", id="backup-result", markup=False)
            with Horizontal(classes="actions"):
                yield Button("Close", id="cancel")
                yield Button("Back up", id="backup", variant="primary")

    def _save(self) -> None:
        """Ctrl+S does what the button does."""
        self._start()

    @on(Input.Submitted, "#backup-path")
    @on(Button.Pressed, "#backup")
    def _start(self) -> None:
        text = self.query_one("#backup-path", Input).value.strip()
        self.query_one("#backup", Button).disabled = True
        self.query_one("#backup-busy").display = True
        self.query_one("#backup-result", Static).update("Copying and proving the copy…")
        self.make_backup(Path(text).expanduser() if text else None)

    def make_backup(self, target: Path | None) -> None:
        def make() -> tuple[BackupResult | None, str]:
            try:
                return self._session.backups.make(target), ""
            except ItexitError as exc:
                return None, str(exc)

        self.in_background(make, lambda done: self._finished(*done), group="backup")

    def _finished(self, result: BackupResult | None, problem: str) -> None:
        self.query_one("#backup-busy").display = False
        self.query_one("#backup", Button).disabled = False
        shown = self.query_one("#backup-result", Static)
        if result is None:
            shown.set_class(True, "-problem")
            shown.update(problem)
            return
        shown.set_class(False, "-problem")
        shown.update(
            f"Written to {shown_path(Path(result.path))} and verified: its record of changes "
            f"is intact ({count(result.audit_entries, 'entry')}) and your keys open its "
            f"{count(result.records_opened, 'record')}. Copy it off this machine."
        )
        self.query_one("#backup-status", Static).update(status_text(self._session.backups.status()))


class KdbxExportModal(ItexitModal[None]):
    """A file name and a new passphrase typed twice; then every credential is written."""

    CSS_PATH = "backup.tcss"
    AUTO_FOCUS = "#export-path"
    HELP = (
        "Writes every credential you may read into a new KeePass database that KeePassXC "
        "and KeePass open: user names, passwords, addresses, notes, one-time passwords and "
        "each credential's history. It is recorded as showing you every secret in it."
    )

    def __init__(self, session: UnlockedVault, suggested: Path) -> None:
        super().__init__()
        self._session = session
        self._suggested = suggested

    def compose(self) -> ComposeResult:
        identity = self._session.identity
        with VerticalScroll(id="kdbx-dialog", classes="dialog"):
            yield Static("Export to a KeePass database", classes="heading")
            yield Label("KeePass file (.kdbx)", classes="field-label")
            yield Input(value=str(self._suggested), id="export-path")
            yield Static("", id="export-path-message", classes="field-message")
            yield PassphraseFields(
                "New passphrase for the file (not your vault passphrase)",
                user_inputs=(identity.name, identity.practice_name),
                id="export-passphrase",
            )
            yield Static(
                "Anyone with the file and this passphrase reads every password in it.",
                id="export-warning",
                classes="hint",
            )
            busy = LoadingIndicator(id="export-busy")
            busy.display = False
            yield busy
            yield Static("", id="export-result", markup=False)
            with Horizontal(classes="actions"):
                yield Button("Close", id="cancel")
                yield Button("Export", id="export", variant="primary", disabled=True)

    def _problem(self) -> str | None:
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            return "Give a file name."
        path = Path(text).expanduser()
        if path.is_dir():
            return "That is a folder; give a file name inside it."
        if not path.parent.is_dir():
            return f"The folder {path.parent} does not exist."
        if path.exists():
            return "That file already exists; choose a new name."
        return None

    def _ready(self) -> bool:
        return self._problem() is None and self.query_one(PassphraseFields).ready

    @on(Input.Changed, "#export-path")
    def _path_changed(self) -> None:
        self.query_one("#export-path-message", Static).update(self._problem() or "")
        self.query_one("#export", Button).disabled = not self._ready()

    @on(PassphraseFields.Changed)
    def _passphrase_changed(self) -> None:
        self.query_one("#export", Button).disabled = not self._ready()

    def _save(self) -> None:
        """Ctrl+S does what the button does."""
        self._start()

    @on(Input.Submitted, "#repeat")
    @on(Button.Pressed, "#export")
    def _start(self) -> None:
        if not self._ready():
            return
        path = Path(self.query_one("#export-path", Input).value.strip()).expanduser()
        self.query_one("#export", Button).disabled = True
        self.query_one("#export-busy").display = True
        self.query_one("#export-result", Static).update("Writing the KeePass database…")
        self.export(path, self.query_one(PassphraseFields).value)

    def export(self, path: Path, passphrase: str) -> None:
        def write() -> tuple[KdbxExportResult | None, str]:
            try:
                return self._session.backups.export_kdbx(path, passphrase), ""
            except ItexitError as exc:
                return None, str(exc)

        self.in_background(write, lambda done: self._finished(*done), group="kdbx-export")

    def _finished(self, result: KdbxExportResult | None, problem: str) -> None:
        self.query_one("#export-busy").display = False
        shown = self.query_one("#export-result", Static)
        if result is None:
            self.query_one("#export", Button).disabled = not self._ready()
            shown.set_class(True, "-problem")
            shown.update(problem)
            return
        self.query_one(PassphraseFields).clear()
        shown.set_class(False, "-problem")
        shown.update(
            f"Wrote {count(result.entries, 'credential')} to "
            f"{shown_path(Path(result.path))}. Keep it safe and delete it when it has served."
        )
