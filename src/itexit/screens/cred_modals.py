"""Dialogs of the credentials screen: add or edit, attest a manual check, and the history."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr, ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, DataTable, Input, Label, Select, Static

from itexit.domain.credentials import (
    CATEGORY_LABELS,
    Category,
    CredentialDetail,
    CredentialEdit,
    HistoryEntry,
    NewCredential,
    SecretStage,
    clean_recovery_phone,
)
from itexit.domain.models import clean_email
from itexit.screens.base import ItexitModal

VERIFIERS = ("manual", "imap", "smtp", "ssh", "http", "postgresql", "ldap")


@dataclass
class FormResult:
    """What the form returns: a new credential, or an edit of an existing one."""

    new: NewCredential | None = None
    edit: CredentialEdit | None = None
    expected_version: int | None = None


class CredentialFormModal(ItexitModal[FormResult]):
    """Add a credential, or edit one (the secret is left alone unless a new one is typed)."""

    CSS_PATH = "cred_modals.tcss"
    HELP = "Describe the system; the secret, username and notes are encrypted."
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="cred_form.save", tooltip="Save it")]

    def __init__(self, existing: CredentialDetail | None = None) -> None:
        super().__init__()
        self._existing = existing

    def compose(self) -> ComposeResult:
        e = self._existing
        s = e.summary if e else None
        with Vertical(id="cred-form", classes="dialog"):
            yield Static("Edit credential" if e else "Add a credential", classes="dialog-title")
            with VerticalScroll(id="cred-form-fields"):
                yield Label("System")
                yield Input(s.system if s else "", id="cf-system", placeholder="e.g. EHR admin")
                yield Label("URL or host")
                yield Input((e.url or s.host) if e and s else "", id="cf-url")
                yield Label("Category")
                yield Select(
                    [(CATEGORY_LABELS[c], c.value) for c in Category],
                    value=s.category.value if s else Category.OTHER.value,
                    allow_blank=False,
                    id="cf-category",
                )
                yield Label("Username")
                yield Input(e.username if e else "", id="cf-username")
                yield Label("Secret" + (" (leave empty to keep it)" if e else ""))
                yield Input("", id="cf-secret", password=True)
                yield Label("Verifier")
                yield Select(
                    [(v, v) for v in VERIFIERS],
                    value=s.verifier if s and s.verifier in VERIFIERS else "manual",
                    allow_blank=False,
                    id="cf-verifier",
                )
                yield Checkbox(
                    "Known to the departing person",
                    value=s.known_to_departing if s else True,
                    id="cf-known",
                )
                yield Label("Departing person's recovery email on the account")
                yield Input(e.recovery_email if e else "", id="cf-recovery-email")
                yield Label("Their recovery phone on the account")
                yield Input(e.recovery_phone if e else "", id="cf-recovery-phone")
                yield Label("Their MFA device (e.g. Gary's phone)")
                yield Input(e.recovery_mfa_device if e else "", id="cf-mfa-device")
                yield Label("Notes")
                yield Input(e.notes if e else "", id="cf-notes")
            yield Static("", id="cf-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="cf-save")
                yield Button("Cancel", id="cf-cancel")

    def on_mount(self) -> None:
        self.query_one("#cf-system", Input).focus()

    @on(Button.Pressed, "#cf-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        self._save()

    @on(Input.Submitted)
    @on(Button.Pressed, "#cf-save")
    def _save(self) -> None:
        def value(selector: str) -> str:
            return self.query_one(selector, Input).value

        system = value("#cf-system").strip()
        if not system:
            self.query_one("#cf-error", Static).update("Name the system this credential opens.")
            return
        category = Category(str(self.query_one("#cf-category", Select).value))
        verifier = str(self.query_one("#cf-verifier", Select).value)
        known = self.query_one("#cf-known", Checkbox).value
        secret = value("#cf-secret")
        url = value("#cf-url").strip()
        try:
            channels = {
                "recovery_email": clean_email(value("#cf-recovery-email")),
                "recovery_phone": clean_recovery_phone(value("#cf-recovery-phone")),
                "recovery_mfa_device": value("#cf-mfa-device").strip(),
            }
        except ValueError as exc:
            self.query_one("#cf-error", Static).update(str(exc))
            return
        try:
            if self._existing is None:
                self.dismiss(
                    FormResult(
                        new=NewCredential(
                            system=system,
                            url=url,
                            category=category,
                            username=value("#cf-username"),
                            secret=SecretStr(secret),
                            notes=value("#cf-notes"),
                            known_to_departing=known,
                            verifier=verifier,
                            **channels,
                        )
                    )
                )
            else:
                self.dismiss(
                    FormResult(
                        edit=CredentialEdit(
                            system=system,
                            url=url,
                            category=category,
                            username=value("#cf-username"),
                            notes=value("#cf-notes"),
                            known_to_departing=known,
                            verifier=verifier,
                            **channels,
                            secret=SecretStr(secret) if secret else None,
                        ),
                        expected_version=self._existing.summary.version,
                    )
                )
        except ValidationError as exc:
            self.query_one("#cf-error", Static).update(str(exc.errors()[0]["msg"]))


@dataclass
class Attestation:
    how: str
    note: str
    works: SecretStage | None = None


class AttestModal(ItexitModal[Attestation]):
    """A person checked a secret by hand: who is recorded; they say how, and add a note."""

    CSS_PATH = "cred_modals.tcss"
    HELP = "An attestation is kept in the history with your name and the time."

    def __init__(self, system: str, question: str, *, ask_which: bool = False) -> None:
        super().__init__()
        self._system = system
        self._question = question
        self._ask_which = ask_which

    def compose(self) -> ComposeResult:
        with Vertical(id="attest", classes="dialog"):
            yield Static(f"Attest: {self._system}", classes="dialog-title")
            yield Static(self._question, classes="hint")
            if self._ask_which:
                yield Label("Which secret works?")
                yield Select(
                    [
                        ("the pending (new) one", "pending"),
                        ("the current one", "current"),
                        ("the previous one", "previous"),
                        ("none of them", "none"),
                    ],
                    value="current",
                    allow_blank=False,
                    id="at-which",
                )
            yield Label("How did you check it?")
            yield Input(id="at-how", placeholder="e.g. logged in at the admin console")
            yield Label("Note (optional)")
            yield Input(id="at-note")
            yield Static("", id="at-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Attest", variant="primary", id="at-ok")
                yield Button("Cancel", id="at-cancel")

    def on_mount(self) -> None:
        self.query_one("#at-how", Input).focus()

    @on(Button.Pressed, "#at-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#at-ok")
    def _ok(self) -> None:
        how = self.query_one("#at-how", Input).value.strip()
        if not how:
            self.query_one("#at-error", Static).update("Say how you checked it.")
            return
        works = None
        if self._ask_which:
            chosen = str(self.query_one("#at-which", Select).value)
            works = None if chosen == "none" else SecretStage(chosen)
        self.dismiss(Attestation(how, self.query_one("#at-note", Input).value.strip(), works))


class HistoryModal(ItexitModal[None]):
    """Every check, attestation and rotation step of one credential, oldest first."""

    CSS_PATH = "cred_modals.tcss"
    HELP = "The credential's history: who did what, when, and what the system answered."

    def __init__(self, system: str, entries: list[HistoryEntry]) -> None:
        super().__init__()
        self._system = system
        self._entries = entries

    def compose(self) -> ComposeResult:
        with Vertical(id="history", classes="dialog"):
            yield Static(f"History: {self._system}", classes="dialog-title")
            yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
            # the highlighted step's whole detail, wrapped: the table's column is cut to fit
            yield Static("", id="history-detail", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Close", variant="primary", id="hist-close")

    def on_mount(self) -> None:
        table = self.query_one("#history-table", DataTable)
        table.add_columns("When", "Who", "Step", "Result", "Status", "How / detail")
        # the columns before the detail take about 70; the detail gets what the dialog has left
        room = max(16, min(self.app.size.width - 12, 150) - 74)
        for h in self._entries:
            detail = h.attested_how or h.detail
            table.add_row(
                h.at.strftime("%d %b %H:%M"),
                h.actor,
                h.kind.replace("_", " "),
                h.outcome,
                h.status_after.replace("_", " "),
                detail if len(detail) <= room else detail[: room - 1] + "…",
            )
        table.move_cursor(row=len(self._entries) - 1)  # the latest step, its detail below
        table.focus()

    @on(DataTable.RowHighlighted, "#history-table")
    def _show_detail(self, event: DataTable.RowHighlighted) -> None:
        entry = self._entries[event.cursor_row] if event.cursor_row < len(self._entries) else None
        text = (entry.attested_how or entry.detail) if entry is not None else ""
        if entry is not None and entry.attested_how not in entry.detail:
            text = " · ".join(part for part in (entry.attested_how, entry.detail) if part)
        self.query_one("#history-detail", Static).update(text)

    @on(Button.Pressed, "#hist-close")
    def _close(self) -> None:
        self.dismiss(None)
