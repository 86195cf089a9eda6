"""Import credentials from a password-manager export: choose, preview, import, read the report.

The export is read in a worker and shown before anything is written; the import itself runs in a
worker with a progress bar, in one transaction, and can be cancelled until it commits.
"""

from __future__ import annotations

import os
import threading
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr
from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Header,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
)
from textual.widgets.data_table import ColumnKey
from textual.worker import Worker, WorkerState

from itexit.domain.errors import AuthenticationFailed, ItexitError
from itexit.domain.wording import count
from itexit.screens.base import ItexitScreen
from itexit.services.imports import (
    KINDS,
    ImportKind,
    ImportOptions,
    ImportPreview,
    ImportReport,
)
from itexit.widgets.keybar import KeyBar
from itexit.widgets.tick import TickBox

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

KEEPASS_ONLY = ("#import-password-row",)
CSV_ONLY = ("#import-map-row",)
TEXT_KINDS = frozenset(KINDS) - {ImportKind.KEEPASS}


class PathSuggester(Suggester):
    """Completes file and folder names as a path is typed (→ accepts the suggestion)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        typed = Path(value).expanduser()
        folder, prefix = (typed, "") if value.endswith(os.sep) else (typed.parent, typed.name)
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return None
        for name in names:
            if name.startswith(prefix) and name != prefix and not name.startswith("."):
                suffix = os.sep if (folder / name).is_dir() else ""
                return value + name[len(prefix) :] + suffix
        return None


class ImportScreen(ItexitScreen):
    """A form, a preview table of what will and will not be imported, then the report."""

    CSS_PATH = "imports.tcss"
    AUTO_FOCUS = "#import-kind"
    HELP = (
        "Bring in the passwords the departing person handed over, from the password manager "
        "they used. Nothing is written until you press Import: the preview lists what will be "
        "imported and every row left out, and why. The import is all or nothing. Leave "
        "'Departing person's hand-over' ticked to mark each entry known to them and due for "
        "rotation."
    )

    BINDINGS = [
        Binding(
            "ctrl+o",
            "preview",
            "Preview",
            id="import.preview",
            tooltip="Read the file and show what would be imported",
        ),
        Binding(
            "ctrl+s",
            "start_import",
            "Import",
            id="import.start",
            tooltip="Add every previewed entry in one transaction",
        ),
        Binding(
            "escape",
            "go_back",
            "Back",
            id="import.back",
            tooltip="Cancel a running import, or go back to the credentials",
        ),
    ]

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._session = session
        self._preview: ImportPreview | None = None
        self._report: ImportReport | None = None
        self._importing = False
        self._cancel_import = threading.Event()

    # --- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="import-body"):
            yield Static("Import credentials from a password manager", classes="heading")
            with Horizontal(classes="import-row"):
                yield Label("Format", classes="import-label")
                yield Select(
                    [(info.label, kind) for kind, info in KINDS.items()],
                    value=ImportKind.BITWARDEN_CSV,
                    allow_blank=False,
                    id="import-kind",
                )
            with Horizontal(classes="import-row"):
                yield Label("File", classes="import-label")
                yield Input(
                    placeholder="Path of the export, e.g. ~/Downloads/bitwarden_export.csv",
                    suggester=PathSuggester(),
                    id="import-path",
                )
            with Horizontal(classes="import-row", id="import-password-row"):
                yield Label("Password", classes="import-label")
                yield Input(
                    placeholder="Database password",
                    password=True,
                    id="import-password",
                )
                yield Label("Key file", classes="import-label -inner")
                yield Input(
                    placeholder="Optional",
                    suggester=PathSuggester(),
                    id="import-keyfile",
                )
            with Horizontal(classes="import-row", id="import-map-row"):
                yield Label("Columns", classes="import-label")
                yield Input(
                    placeholder="system=Title,username=Login,secret=Password,url=Website",
                    id="import-map",
                )
            yield Static("", id="import-how", classes="hint")
            with Horizontal(classes="import-row actions", id="import-actions"):
                yield TickBox(
                    "Departing person's hand-over",
                    value=True,
                    id="import-departing",
                )
                yield Button("Preview", id="import-preview-button")
                yield Button(
                    "Import",
                    id="import-start-button",
                    variant="primary",
                    disabled=True,
                )
            yield Static("", id="import-message", classes="field-message")
            yield DataTable(id="import-table", cursor_type="row", zebra_stripes=True)
            yield ProgressBar(id="import-progress", show_eta=False)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#import-table", DataTable)
        table.add_column("Row", key="row")
        table.add_column("System", key="system")
        table.add_column("User name", key="username")
        table.add_column("Category", key="category")
        table.add_column("Outcome", key="outcome")  # last: it is the longest, and wraps
        self.query_one("#import-progress").display = False
        self._show_kind(self._kind())

    # --- the form -----------------------------------------------------------------------------

    def _kind(self) -> ImportKind:
        value = self.query_one("#import-kind", Select).value
        return value if isinstance(value, ImportKind) else ImportKind.BITWARDEN_CSV

    def _show_kind(self, kind: ImportKind) -> None:
        for selector in KEEPASS_ONLY:
            self.query_one(selector).display = kind is ImportKind.KEEPASS
        for selector in CSV_ONLY:
            self.query_one(selector).display = kind is ImportKind.CSV
        self.query_one("#import-how", Static).update(f"From: {KINDS[kind].how}.")

    @on(Select.Changed, "#import-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        self._show_kind(self._kind())
        self._forget_preview()

    @on(Input.Changed)
    def _form_changed(self, event: Input.Changed) -> None:
        if event.input.id != "import-password":
            self._forget_preview()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.action_preview()

    @on(Button.Pressed, "#import-preview-button")
    def _preview_pressed(self) -> None:
        self.action_preview()

    @on(Button.Pressed, "#import-start-button")
    def _import_pressed(self) -> None:
        self.action_start_import()

    def _say(self, text: str, severity: str = "") -> None:
        message = self.query_one("#import-message", Static)
        message.set_classes(f"field-message {severity}".strip())
        message.update(text)

    def _forget_preview(self) -> None:
        if self._importing or (self._preview is None and self._report is None):
            return
        self._preview = None
        self._report = None
        self.query_one("#import-table", DataTable).clear()
        self.query_one("#import-start-button", Button).disabled = True
        self._say("")

    # --- preview ------------------------------------------------------------------------------

    def action_preview(self) -> None:
        if self._importing:
            return
        path = self.query_one("#import-path", Input).value.strip()
        if not path:
            self._say("Type the path of the export file first.", "-error")
            self.query_one("#import-path", Input).focus()
            return
        kind = self._kind()
        password = self.query_one("#import-password", Input).value
        keyfile = self.query_one("#import-keyfile", Input).value.strip()
        options = ImportOptions(
            password=SecretStr(password) if kind is ImportKind.KEEPASS else None,
            keyfile=keyfile if kind is ImportKind.KEEPASS and keyfile else None,
            mapping=self.query_one("#import-map", Input).value if kind is ImportKind.CSV else "",
        )
        self._say("Reading the file…" if kind in TEXT_KINDS else "Opening the database…")
        self.query_one("#import-table", DataTable).loading = True
        self.in_background(
            partial(self._read_preview, kind, path, options),
            self._preview_read,
            group="import-preview",
        )

    def _read_preview(
        self, kind: ImportKind, path: str, options: ImportOptions
    ) -> ImportPreview | ItexitError:
        try:
            return self._session.imports.preview(kind, path, options)
        except ItexitError as exc:
            return exc

    def _preview_read(self, preview: ImportPreview | ItexitError) -> None:
        if isinstance(preview, ItexitError):
            self.query_one("#import-table", DataTable).loading = False
            self._say(str(preview), "-error")
            if isinstance(preview, AuthenticationFailed):
                password = self.query_one("#import-password", Input)
                password.value = ""
                password.focus()
            return
        self._preview, self._report = preview, None
        self.query_one("#import-password", Input).value = ""
        table = self.query_one("#import-table", DataTable)
        table.loading = False
        table.clear()
        rows: list[tuple[int, tuple[Text, ...]]] = [
            (
                row.row,
                (
                    Text(str(row.row)),
                    Text(row.system),
                    Text("import" + (" (with TOTP)" if row.has_totp else ""), style="green"),
                    Text(row.username),
                    Text(row.category.value.replace("_", " ")),
                ),
            )
            for row in preview.sample
        ]
        review = {note.row: note.reason for note in preview.remarks}
        rows += [
            (
                skip.row,
                (
                    Text(str(skip.row), style="dim"),
                    Text(skip.label or "(no name)", style="dim"),
                    Text(
                        f"skip: {skip.reason}"
                        + (" (may hold a secret: review it)" if skip.row in review else ""),
                        style="yellow",
                    ),
                    Text(""),
                    Text(""),
                ),
            )
            for skip in preview.skipped
        ]
        skipped_rows = {skip.row for skip in preview.skipped}
        rows += [
            (
                note.row,
                (
                    Text(str(note.row), style="dim"),
                    Text(note.label or "(no name)", style="dim"),
                    Text(f"review: {note.reason}", style="yellow"),
                    Text(""),
                    Text(""),
                ),
            )
            for note in preview.remarks
            if note.row not in skipped_rows
        ]
        # the outcome takes the width the other columns leave and wraps in it, so nothing is
        # pushed past the right edge of a narrow screen
        others = [
            max([len(column.label), *(cells[i].cell_len for _, cells in rows)])
            for column, i in zip(list(table.columns.values())[:4], (0, 1, 3, 4), strict=True)
        ]
        outcome = table.columns[ColumnKey("outcome")]
        # (the table itself may still be hidden and have no size: its container has one)
        width = table.parent.content_region.width if isinstance(table.parent, Widget) else 0
        room = width - sum(others) - 2 * table.cell_padding * 5 - 3  # 3: a scrollbar
        outcome.auto_width = False
        outcome.width = max(12, room)
        for _, (number, system, result, username, category) in sorted(rows, key=lambda r: r[0]):
            table.add_row(number, system, username, category, result, height=None)
        shown = len(preview.sample)
        more = f" (the first {shown} listed)" if preview.to_import > shown else ""
        summary = (
            f"{preview.file_name}: {count(preview.rows, preview.row_word)} read, "
            f"{preview.to_import:,} to import{more}, {len(preview.skipped):,} skipped."
        )
        if preview.to_import:
            summary += " Press Import (ctrl+s) to add them."
            self._say(summary, "-ok")
        else:
            self._say(summary + " Nothing to import.", "-warning")
        self.query_one("#import-start-button", Button).disabled = preview.to_import == 0

    # --- import -------------------------------------------------------------------------------

    def action_start_import(self) -> None:
        preview = self._preview
        if self._importing:
            return
        if self._report is not None:
            self.notify("That file is imported; preview another one.", severity="warning")
            return
        if preview is None:
            self._say("Preview the file first (ctrl+o).", "-warning")
            return
        if preview.to_import == 0:
            return
        self._importing = True
        self._cancel_import.clear()
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(total=preview.to_import, progress=0)
        bar.display = True
        for selector in ("#import-start-button", "#import-preview-button"):
            self.query_one(selector, Button).disabled = True
        self._say(f"Importing {count(preview.to_import, 'credential')}… (escape cancels)")
        departing = self.query_one("#import-departing", Checkbox).value
        self.in_background(
            partial(self._run_import, self.app, preview, departing),
            self._finished,
            group="import-commit",
        )

    def _run_import(
        self, app: App[object], preview: ImportPreview, departing: bool
    ) -> ImportReport | str:
        """The import in one transaction, the bar moving by hundredths; what was imported, or
        the sentence saying why nothing was (cancelled, or refused)."""
        step = max(1, preview.to_import // 100)

        def progressed(done: int, total: int) -> None:
            if done % step == 0 or done == total:
                app.call_from_thread(self._progressed, done)

        try:
            return self._session.imports.commit(
                preview,
                departing=departing,
                on_progress=progressed,
                cancelled=self._cancel_import.is_set,
            )
        except ItexitError as exc:  # ImportCancelled among them
            return str(exc)

    def _progressed(self, done: int) -> None:
        if self.is_attached:  # (the vault may have locked while it ran)
            self.query_one("#import-progress", ProgressBar).update(progress=done)

    def _finished(self, report: ImportReport | str) -> None:
        self._importing = False
        if isinstance(report, str):
            self.query_one("#import-progress").display = False
            self.query_one("#import-preview-button", Button).disabled = False
            self.query_one("#import-start-button", Button).disabled = self._preview is None
            self._say(report, "-warning")
            return
        self._report = report
        self._preview = None  # the entries (and their secrets) are in the vault now
        self.query_one("#import-progress").display = False
        self.query_one("#import-preview-button", Button).disabled = False
        table = self.query_one("#import-table", DataTable)
        outcome_key = "outcome"
        for row_key in list(table.rows):
            cell = table.get_cell(row_key, outcome_key)
            if isinstance(cell, Text) and cell.plain.startswith("import"):
                table.update_cell(
                    row_key, outcome_key, Text("imported", style="bold green"), update_width=True
                )
        marked = (
            " Each is marked known to the departing person and due for rotation."
            if report.known_to_departing
            else ""
        )
        skipped = f" {len(report.skipped):,} skipped, listed below." if report.skipped else ""
        self._say(
            f"Imported {count(report.imported, 'credential')} "
            f"from {report.file_name}.{marked}"
            f"{skipped} {report.delete_reminder} Escape goes back.".replace("  ", " "),
            "-ok",
        )
        self.notify(
            f"{report.imported:,} imported from {report.file_name}.",
            title="Import done",
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected failure (shown by the app as an error) must not leave the form stuck."""
        if event.state is not WorkerState.ERROR:
            return
        self.query_one("#import-table", DataTable).loading = False
        if event.worker.group == "import-commit":
            self._importing = False
            self.query_one("#import-progress").display = False
            self.query_one("#import-preview-button", Button).disabled = False
            self.query_one("#import-start-button", Button).disabled = self._preview is None
            self._say("The import failed; nothing was added.", "-error")

    def action_go_back(self) -> None:
        if self._importing:
            self._cancel_import.set()
            self._say("Cancelling… nothing will be added.", "-warning")
            return
        self.dismiss()
