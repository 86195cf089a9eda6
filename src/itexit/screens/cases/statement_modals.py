"""Dialogs of the exit statement: practice text, property, a listed password, print, signing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

from pydantic import SecretStr
from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Checkbox, Input, Label, Static, TextArea

from itexit.domain.statements import (
    DATE_TEXT,
    LateReturn,
    NewListedPassword,
    PropertyState,
    Statement,
    StatementEdit,
)
from itexit.screens.form import FormModal, refusal_line
from itexit.widgets.tick import TickBox

T = TypeVar("T")


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


class _Dialog(FormModal[T]):
    """Cancel closes with nothing; saving says first, above the buttons, what is wrong."""

    CSS_PATH = "statement_modals.tcss"

    def problem(self) -> str | None:
        return None

    def result(self) -> T:
        raise NotImplementedError

    def below_fields(self) -> ComposeResult:
        yield refusal_line()

    def _show_problem(self) -> str | None:
        problem = self.problem()
        self.query_one(".field-message", Static).update(problem or "")
        return problem

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self._save()

    def _save(self) -> None:
        """Save (the button, Enter or Ctrl+S); a dialog may override it."""
        if self._show_problem() is None:
            self.dismiss(self.result())


class EditStatementModal(_Dialog[StatementEdit]):
    """The person's details and the parts of the statement the practice writes itself."""

    AUTO_FOCUS = "#statement-person"
    DIALOG_ID = "edit-statement-dialog"
    HEADING = "Statement details"
    HELP = (
        "Change the name as it should appear above the signature, the position, the practice's "
        "own terms and what personal information will be returned. The standard clauses stay "
        "as they are. If the statement was already printed, print it again before signing."
    )

    def __init__(self, statement: Statement) -> None:
        super().__init__()
        self._statement = statement

    def fields(self) -> ComposeResult:
        s = self._statement
        yield Label("Name (as it will be signed)", classes="field-label")
        yield Input(s.person, id="statement-person")
        yield Label("Position", classes="field-label")
        yield Input(s.job_title, placeholder="e.g. IT administrator", id="statement-job")
        yield Label(s.practice_text_title, classes="field-label")
        yield TextArea(s.practice_text, id="statement-practice-text", soft_wrap=True)
        yield Label("Personal information to return", classes="field-label")
        yield TextArea(s.personal_return, id="statement-personal", soft_wrap=True)

    def problem(self) -> str | None:
        if not self.query_one("#statement-person", Input).value.strip():
            return "The statement needs the name of the person signing it."
        return None

    def result(self) -> StatementEdit:
        return StatementEdit(
            person=self.query_one("#statement-person", Input).value,
            job_title=self.query_one("#statement-job", Input).value,
            practice_text=self.query_one("#statement-practice-text", TextArea).text,
            personal_return=self.query_one("#statement-personal", TextArea).text,
        )


@dataclass(frozen=True)
class NewItem:
    name: str
    returned: bool


class AddPropertyModal(_Dialog[NewItem]):
    """One piece of practice property to be returned, checked off item by item."""

    AUTO_FOCUS = "#property-name"
    DIALOG_ID = "add-property-dialog"
    HEADING = "Add practice property"
    SAVE_LABEL = "Add"
    HELP = (
        "List each piece of practice property the person holds: laptop, phone, keys, badge, "
        "security tokens, backup drives. Tick it returned when it is handed back."
    )

    def fields(self) -> ComposeResult:
        yield Label("Item", classes="field-label")
        yield Input(placeholder="e.g. Laptop (ThinkPad, asset 0142)", id="property-name")
        yield TickBox("Already returned", id="property-returned")

    def problem(self) -> str | None:
        if not self.query_one("#property-name", Input).value.strip():
            return "Name the item."
        return None

    def result(self) -> NewItem:
        return NewItem(
            name=self.query_one("#property-name", Input).value.strip(),
            returned=self.query_one("#property-returned", Checkbox).value,
        )


class LateReturnModal(_Dialog[LateReturn]):
    """An item handed back after the signing: when, and who took it."""

    AUTO_FOCUS = "#late-received-by"
    DIALOG_ID = "late-return-dialog"
    SAVE_LABEL = "Mark returned"
    HELP = (
        "The signed statement stays as it was signed. Returning property is a later fact: it is "
        "recorded beside the statement with the date and who received it, and closes the item."
    )

    def __init__(self, item: str, signed_on: date, today: date, receiver: str) -> None:
        super().__init__()
        self._item = item
        self._signed_on = signed_on
        self._today = today
        self._receiver = receiver

    def heading(self) -> str:
        return f"Mark returned — {self._item}"

    def fields(self) -> ComposeResult:
        yield Static(
            "Recorded after the signing; the signed statement does not change.", classes="dim"
        )
        yield Label("Returned on (YYYY-MM-DD)", classes="field-label")
        yield Input(self._today.isoformat(), id="late-date")
        yield Label("Received by", classes="field-label")
        yield Input(self._receiver, id="late-received-by")

    def problem(self) -> str | None:
        returned_on = _parse_date(self.query_one("#late-date", Input).value)
        if returned_on is None:
            return "Write the date as YYYY-MM-DD."
        if returned_on > self._today:
            return "The return date is in the future."
        if returned_on < self._signed_on:
            return f"The statement was signed on {self._signed_on.strftime(DATE_TEXT)}."
        if not self.query_one("#late-received-by", Input).value.strip():
            return "Name who received it."
        return None

    def result(self) -> LateReturn:
        returned_on = _parse_date(self.query_one("#late-date", Input).value)
        assert returned_on is not None
        return LateReturn(
            returned_on=returned_on,
            received_by=self.query_one("#late-received-by", Input).value.strip(),
        )


class ListPasswordModal(_Dialog[NewListedPassword]):
    """A password the departing person lists; sealed for the IT consultant, never shown back."""

    AUTO_FOCUS = "#password-system"
    DIALOG_ID = "list-password-dialog"
    HEADING = "List an undocumented password"
    SAVE_LABEL = "Seal and list"
    HELP = (
        "Type each undocumented password the person lists. It is sealed at once so that only a "
        "practice manager or the IT consultant can open it, added to the credential inventory "
        "as handed over and unverified, then verified and changed. Nobody sees it here again."
    )

    def fields(self) -> ComposeResult:
        yield Label("System", classes="field-label")
        yield Input(placeholder="e.g. Old NAS web console", id="password-system")
        yield Label("User name (optional)", classes="field-label")
        yield Input(id="password-username")
        yield Label("Password", classes="field-label")
        yield Input(password=True, id="password-secret")
        yield Label("Note for the IT consultant (optional)", classes="field-label")
        yield Input(placeholder="where it is used, who else knows it", id="password-note")
        yield Static("Sealed for the IT consultant; it will not be shown again.", classes="hint")

    def problem(self) -> str | None:
        if not self.query_one("#password-system", Input).value.strip():
            return "Name the system the password opens."
        if not self.query_one("#password-secret", Input).value:
            return "Type the password."
        return None

    def result(self) -> NewListedPassword:
        secret_field = self.query_one("#password-secret", Input)
        listed = NewListedPassword(
            system=self.query_one("#password-system", Input).value,
            username=self.query_one("#password-username", Input).value,
            secret=SecretStr(secret_field.value),
            note=self.query_one("#password-note", Input).value,
        )
        secret_field.value = ""
        return listed


def _folder_problem(text: str) -> str | None:
    if not text.strip():
        return "Give a file name for the PDF."
    path = Path(text.strip()).expanduser()
    if path.is_dir():
        return f"{path} is a folder; add a file name such as exit-statement.pdf."
    if not path.parent.is_dir():
        return f"The folder {path.parent} does not exist."
    return None


class PrintStatementModal(_Dialog[Path]):
    """Where to write the printable PDF."""

    AUTO_FOCUS = "#print-path"
    DIALOG_ID = "print-dialog"
    HEADING = "Print the exit statement"
    SAVE_LABEL = "Write PDF"
    HELP = (
        "Write the statement as a PDF to print. It names the person and the practice's systems "
        "(never a password), so it is readable only by you; delete it once printed."
    )

    def __init__(self, default_path: str) -> None:
        super().__init__()
        self._default = default_path

    def fields(self) -> ComposeResult:
        yield Label("Save the PDF as", classes="field-label")
        yield Input(self._default, id="print-path")
        yield Static(
            "Print it, have it signed in front of a witness, then record the signing.",
            classes="hint",
        )

    def problem(self) -> str | None:
        return _folder_problem(self.query_one("#print-path", Input).value)

    def result(self) -> Path:
        return Path(self.query_one("#print-path", Input).value.strip()).expanduser()


@dataclass(frozen=True)
class SigningForm:
    signed_on: date
    signatory: str
    witness: str
    copy_path: Path


class RecordSigningModal(_Dialog[SigningForm]):
    """Who signed, when, in front of whom, and the scanned signed copy."""

    AUTO_FOCUS = "#signing-witness"
    DIALOG_ID = "signing-dialog"
    SAVE_LABEL = "Record"
    HELP = (
        "Record the signing once the printed statement is signed. The scanned copy is kept "
        "encrypted in the vault with its fingerprint (SHA-256), to match it later; after this "
        "the statement cannot be changed."
    )

    def __init__(self, statement: Statement, today: date) -> None:
        super().__init__()
        self._statement = statement
        self._today = today
        self._confirming = False

    def _printed_on(self) -> date | None:
        printed = self._statement.printed
        return printed.printed_at.astimezone().date() if printed else None

    def _final_warning(self) -> str:
        outstanding = [
            item.name
            for item in self._statement.property_items
            if item.state is not PropertyState.RETURNED
        ]
        text = "Recording the signing makes the statement final: it cannot be changed after."
        if outstanding:
            items = ", ".join(outstanding)
            text += f" Property still outstanding ({len(outstanding)}): {items}."
        return text + " Press Record again to confirm."

    @on(Input.Changed)
    def _changed(self) -> None:
        if self._confirming:
            self._confirming = False
            self._record_label("Record")
            self.query_one("#signing-final", Static).display = False

    def _record_label(self, label: str) -> None:
        """A new label sizes the button again: a button keeps the width of its first label."""
        button = self.query_one("#save", Button)
        button.label = label
        button.refresh(layout=True)

    def _save(self) -> None:
        """The first Record checks the form and says what becomes final; the second records."""
        if self._show_problem() is not None:
            return
        if not self._confirming:
            self._confirming = True
            final = self.query_one("#signing-final", Static)
            final.update(self._final_warning())
            final.display = True
            self._record_label("Record: final")
            self.query_one("#save", Button).focus()
            return
        self.dismiss(self.result())

    def heading(self) -> str:
        return f"Record the signing — {self._statement.person}"

    def fields(self) -> ComposeResult:
        yield Label("Signed on (YYYY-MM-DD)", classes="field-label")
        yield Input(self._today.isoformat(), id="signing-date")
        yield Label("Signed by", classes="field-label")
        yield Input(self._statement.person, id="signing-signatory")
        yield Label("Witness", classes="field-label")
        yield Input(placeholder="who saw it signed", id="signing-witness")
        yield Label("Scanned signed copy (path)", classes="field-label")
        yield Input(placeholder="e.g. ~/scans/exit-statement-signed.pdf", id="signing-copy")

    def below_fields(self) -> ComposeResult:
        yield from super().below_fields()
        final = Static("", id="signing-final", classes="notice")
        final.display = False
        yield final

    def problem(self) -> str | None:
        signed_on = _parse_date(self.query_one("#signing-date", Input).value)
        if signed_on is None:
            return "Write the date as YYYY-MM-DD."
        if signed_on > self._today:
            return "The signing date is in the future."
        printed_on = self._printed_on()
        if printed_on is not None and signed_on < printed_on:
            return (
                f"The statement was printed on {printed_on.strftime(DATE_TEXT)}; "
                "it cannot have been signed before that."
            )
        if not self.query_one("#signing-witness", Input).value.strip():
            return "Name the witness."
        text = self.query_one("#signing-copy", Input).value.strip()
        if not text:
            return "Give the path of the scanned signed copy."
        path = Path(text).expanduser()
        if not path.is_file():
            return f"There is no file {path}."
        return None

    def result(self) -> SigningForm:
        signed_on = _parse_date(self.query_one("#signing-date", Input).value)
        assert signed_on is not None
        return SigningForm(
            signed_on=signed_on,
            signatory=self.query_one("#signing-signatory", Input).value.strip(),
            witness=self.query_one("#signing-witness", Input).value.strip(),
            copy_path=Path(self.query_one("#signing-copy", Input).value.strip()).expanduser(),
        )
