"""Changing a monitored mailbox later: its IMAP server and login, its dates, how long reviews
stay daily. The form checks what it can as it is typed; what it shows is what is saved."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Label, Select, Static

from itexit.domain.mailbox import Mailbox, Tls, default_keep_until
from itexit.domain.mailbox_edit import MailboxChanges
from itexit.screens.base import DIALOG, ItexitScreen
from itexit.screens.form import FormModal, refusal_line

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

TLS_CHOICES = [
    ("Encrypted from the start (port 993)", Tls.SSL.value),
    ("Encryption started after connecting (port 143)", Tls.STARTTLS.value),
    ("No encryption (this computer only)", Tls.NONE.value),
]
DATE_HINT = "YYYY-MM-DD"


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"Write the {what} like 2026-11-30.") from None


class EditMailboxModal(FormModal[MailboxChanges]):
    """Every editable field of one mailbox, filled in with what it holds now."""

    CSS_PATH = "modals.tcss"
    AUTO_FOCUS = "#edit-host"
    DIALOG_ID = "edit-mailbox-dialog"
    SAVE_ID = "edit-save"
    HELP = (
        "Add the IMAP server and the login (a credential holding the new password) once they "
        "are known, correct the departure date, keep the mailbox longer, or change how many "
        "weeks reviews stay daily before they become weekly. Every change is recorded."
    )

    def __init__(self, box: Mailbox, credentials: list[tuple[str, str]]) -> None:
        super().__init__()
        self._box = box
        self._credentials = credentials

    def heading(self) -> str:
        return f"Change {self._box.address}"

    def fields(self) -> ComposeResult:
        box = self._box
        port = "" if box.imap_port in (0, 993, 143) else str(box.imap_port)
        known = {value for _, value in self._credentials}
        yield Label("IMAP server (empty to import exports only)", classes="field-label")
        yield Input(box.imap_host, placeholder="imap.practice.example", id="edit-host")
        with Horizontal(id="edit-connection"):
            yield Select(TLS_CHOICES, value=box.tls.value, allow_blank=False, id="edit-tls")
            yield Input(port, placeholder="usual port", id="edit-port", max_length=5)
        yield Label("Login (the credential holding the new password)", classes="field-label")
        yield Select(
            self._credentials,
            prompt="No login (import only)",
            value=box.credential_id if box.credential_id in known else Select.NULL,
            id="edit-cred",
        )
        yield Label(f"Departure date ({DATE_HINT})", classes="field-label")
        yield Input(box.left_on.isoformat(), id="edit-left-on", max_length=10)
        yield Label("Keep until (at least a year after the departure)", classes="field-label")
        yield Input(box.keep_until.isoformat(), id="edit-keep-until", max_length=10)
        yield Label("Weeks of daily reviews, then weekly", classes="field-label")
        yield Input(str(box.daily_weeks), id="edit-weeks", max_length=2, type="integer")
        yield refusal_line("edit-message")

    def _value(self) -> tuple[MailboxChanges | None, str, str]:
        """The changes, or None with the refusal and the field it is about."""
        host = self.query_one("#edit-host", Input).value.strip()
        tls = Tls(str(self.query_one("#edit-tls", Select).value))
        raw_port = self.query_one("#edit-port", Input).value.strip()
        if raw_port and not (raw_port.isdigit() and 0 < int(raw_port) < 65536):
            return None, f"{raw_port} is not a port number (1 to 65535).", "#edit-port"
        if tls is Tls.NONE and host not in ("", "localhost", "127.0.0.1", "::1"):
            clear = "Without encryption the password would cross the network in the clear."
            return None, clear, "#edit-tls"
        try:
            left_on = _day(self.query_one("#edit-left-on", Input).value, "departure date")
        except ValueError as exc:
            return None, str(exc), "#edit-left-on"
        try:
            keep_until = _day(self.query_one("#edit-keep-until", Input).value, "keep-until date")
        except ValueError as exc:
            return None, str(exc), "#edit-keep-until"
        if keep_until < default_keep_until(left_on):
            return (
                None,
                (
                    f"Keep it until {default_keep_until(left_on):%d %b %Y} at least: a year after "
                    "the departure, because yearly renewals arrive there."
                ),
                "#edit-keep-until",
            )
        weeks = self.query_one("#edit-weeks", Input).value.strip()
        if not weeks.isdigit() or int(weeks) > 52:
            return None, "Daily reviews last between 0 and 52 weeks.", "#edit-weeks"
        credential = self.query_one("#edit-cred", Select).value
        return (
            MailboxChanges(
                imap_host=host,
                imap_port=int(raw_port or 0),
                tls=tls,
                credential_id=credential if isinstance(credential, str) else None,
                left_on=left_on,
                keep_until=keep_until,
                daily_weeks=int(weeks),
            ),
            "",
            "",
        )

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        _value, problem, _field = self._value()
        self.query_one("#edit-message", Static).update(problem)

    @on(Input.Submitted)
    def _save(self) -> None:
        value, problem, field = self._value()
        self.query_one("#edit-message", Static).update(problem)
        if value is None:
            self.query_one(field).focus()
            return
        self.dismiss(value)


class MailboxEditing(ItexitScreen):
    """The mailbox screen's "change this mailbox" key and the change it makes."""

    BINDINGS = [
        Binding(
            "e",
            "edit_mailbox",
            "Change mailbox",
            show=False,
            id="mailbox.edit",
            tooltip="Add the IMAP server and login, or change the dates or review cadence",
        ),
    ]

    _mailbox: Mailbox | None
    _session: UnlockedVault

    def load_mailbox(self, name: str) -> object:
        """Read a mailbox again and show it (the screen's own)."""
        raise NotImplementedError

    def action_edit_mailbox(self) -> None:
        if self._mailbox is None:
            self.notify("Add a mailbox first (a).", severity="warning")
            return
        self.in_background(
            partial(self._read_for_edit, self._mailbox.name),
            self._ask_changes,
            group="mailbox-forms",
        )

    def _read_for_edit(self, name: str) -> tuple[Mailbox, list[tuple[str, str]]]:
        session = self._session
        box = session.mailboxes.get(name)
        creds = [
            (f"{c.system} ({c.host})" if c.host else c.system, c.id)
            for c in session.credentials.list()
        ]
        return box, creds

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def _ask_changes(self, read: tuple[Mailbox, list[tuple[str, str]]]) -> None:
        box, credentials = read
        changes = await self.app.push_screen_wait(EditMailboxModal(box, credentials))
        if changes is not None:
            self.in_background(
                partial(self._session.mailboxes.edit, box.name, changes, box.version),
                self._mailbox_changed,
                group="mailbox-change",
                exclusive=False,
            )

    def _mailbox_changed(self, box: Mailbox) -> None:
        self._mailbox = box
        self.notify(f"Saved the changes to {box.address}.", title="Mailbox")
        self.load_mailbox(box.name)
