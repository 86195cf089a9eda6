"""The vendor dialogs: add or edit a vendor, add or edit a contact, remove a contact."""

from __future__ import annotations

import re
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from itexit.domain.vendors import (
    CONTACT_ROLE_LABELS,
    ContactFields,
    ContactRole,
    VendorContact,
    VendorDetail,
    VendorFields,
    split_services,
)
from itexit.screens.base import ItexitModal, ResultT

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email_problem(value: str) -> str | None:
    value = value.strip()
    if value and not _EMAIL.match(value):
        return "That is not an email address."
    return None


def _name_and_email_problems(form: DOMNode, prefix: str, missing_name: str) -> dict[str, str]:
    """What is wrong with a form's `#<prefix>-name` and `#<prefix>-email` inputs, by message id."""
    problems: dict[str, str] = {}
    if not form.query_one(f"#{prefix}-name", Input).value.strip():
        problems[f"#{prefix}-name-message"] = missing_name
    email = _email_problem(form.query_one(f"#{prefix}-email", Input).value)
    if email:
        problems[f"#{prefix}-email-message"] = email
    return problems


def _show_problems(form: DOMNode, prefix: str, problems: dict[str, str]) -> None:
    """Show each problem under its input and clear the messages of the inputs now right."""
    for selector in (f"#{prefix}-name-message", f"#{prefix}-email-message"):
        form.query_one(selector, Static).update(problems.get(selector, ""))


class _VendorForm(ItexitModal[ResultT]):
    """A vendor dialog: its title and buttons stay put; only the fields scroll on a short
    screen. Add or Save, as the form adds or edits."""

    DIALOG_ID: ClassVar[str]

    def __init__(self, editing: bool) -> None:
        super().__init__()
        self._editing = editing

    def _title(self) -> str:
        raise NotImplementedError

    def _fields(self) -> ComposeResult:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(id=self.DIALOG_ID, classes="dialog"):
            yield Static(self._title(), classes="heading")
            yield from self._fields()
            with Horizontal(classes="actions"):
                yield Button("Cancel", id="cancel")
                yield Button("Save" if self._editing else "Add", id="save", variant="primary")

    def on_mount(self) -> None:
        # focusing the first field scrolls it to the top, past its label: show the label too
        self.call_after_refresh(self.query_one(".dialog-fields").scroll_home, animate=False)


class VendorModal(_VendorForm[VendorFields]):
    """Add a vendor, or edit one: its services, support channels and account details."""

    CSS_PATH = "vendors.tcss"
    AUTO_FOCUS = "#vendor-name"
    HELP = (
        "Record who the vendor is and how to reach their support. The account number and "
        "support details are encrypted; the name and services are listed for everyone."
    )

    DIALOG_ID = "vendor-dialog"

    def __init__(self, existing: VendorDetail | None = None) -> None:
        super().__init__(editing=existing is not None)
        self._existing = existing

    def _title(self) -> str:
        return f"Edit {self._existing.name}" if self._existing else "Add a vendor"

    def _fields(self) -> ComposeResult:
        e = self._existing
        with VerticalScroll(classes="dialog-fields"):
            yield Label("Vendor name", classes="field-label")
            yield Input(e.name if e else "", placeholder="e.g. Meridian EHR", id="vendor-name")
            yield Static("", id="vendor-name-message", classes="field-message")
            yield Label("Services supplied (separate with commas)", classes="field-label")
            yield Input(
                ", ".join(e.services) if e else "",
                placeholder="e.g. Cloud EHR, e-prescribing",
                id="vendor-services",
            )
            yield Label("Support phone", classes="field-label")
            yield Input(e.support_phone if e else "", id="vendor-phone")
            yield Label("Support email", classes="field-label")
            yield Input(e.support_email if e else "", id="vendor-email")
            yield Static("", id="vendor-email-message", classes="field-message")
            yield Label("Support portal", classes="field-label")
            yield Input(e.support_portal if e else "", placeholder="https://", id="vendor-portal")
            yield Label("Account number", classes="field-label")
            yield Input(e.account_number if e else "", id="vendor-account")
            yield Label("Contract (link or where the paper copy is)", classes="field-label")
            yield Input(e.contract_link if e else "", id="vendor-contract")
            yield Label("Notes", classes="field-label")
            yield Input(e.notes if e else "", id="vendor-notes")

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value

    def _problems(self) -> dict[str, str]:
        return _name_and_email_problems(self, "vendor", "Type the vendor's name.")

    @on(Input.Changed)
    def _validate(self) -> None:
        _show_problems(self, "vendor", self._problems())

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        if self._problems():
            self._validate()
            return
        self.dismiss(
            VendorFields(
                name=self._value("#vendor-name"),
                services=split_services(self._value("#vendor-services")),
                support_phone=self._value("#vendor-phone"),
                support_email=self._value("#vendor-email"),
                support_portal=self._value("#vendor-portal"),
                account_number=self._value("#vendor-account"),
                contract_link=self._value("#vendor-contract"),
                notes=self._value("#vendor-notes"),
            )
        )


class ContactModal(_VendorForm[ContactFields]):
    """Add or edit a person the vendor will talk to, and say whether it is the leaver."""

    CSS_PATH = "vendors.tcss"
    AUTO_FOCUS = "#contact-name"
    HELP = (
        "Vendors only talk to the people on their account. Add someone at the practice before "
        "removing the person who is leaving, and tick the box when this contact is that person."
    )

    DIALOG_ID = "contact-dialog"

    def __init__(self, vendor_name: str, existing: VendorContact | None = None) -> None:
        super().__init__(editing=existing is not None)
        self._vendor_name = vendor_name
        self._existing = existing

    def _title(self) -> str:
        verb = "Edit contact" if self._existing else "Add a contact"
        return f"{verb} at {self._vendor_name}"

    def _fields(self) -> ComposeResult:
        e = self._existing
        with VerticalScroll(classes="dialog-fields"):
            yield Label("Name", classes="field-label")
            yield Input(e.name if e else "", id="contact-name")
            yield Static("", id="contact-name-message", classes="field-message")
            yield Label("Role on the account", classes="field-label")
            yield Select(
                [(label, role) for role, label in CONTACT_ROLE_LABELS.items()],
                value=e.role if e else ContactRole.AUTHORISED,
                allow_blank=False,
                id="contact-role",
            )
            yield Label("Email", classes="field-label")
            yield Input(e.email if e else "", id="contact-email")
            yield Static("", id="contact-email-message", classes="field-message")
            yield Label("Phone", classes="field-label")
            yield Input(e.phone if e else "", id="contact-phone")
            yield Checkbox(
                "This is the person who is leaving",
                e.departing if e else False,
                id="contact-leaving",
            )

    def _problems(self) -> dict[str, str]:
        return _name_and_email_problems(self, "contact", "Type the contact's name.")

    @on(Input.Changed)
    def _validate(self) -> None:
        _show_problems(self, "contact", self._problems())

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        if self._problems():
            self._validate()
            return
        role = self.query_one("#contact-role", Select).value
        self.dismiss(
            ContactFields(
                name=self.query_one("#contact-name", Input).value,
                role=role if isinstance(role, ContactRole) else ContactRole.AUTHORISED,
                email=self.query_one("#contact-email", Input).value,
                phone=self.query_one("#contact-phone", Input).value,
                departing=self.query_one("#contact-leaving", Checkbox).value,
            )
        )


class RemoveContactModal(ItexitModal[str]):
    """Choose which contact the vendor should no longer talk to; returns the contact id."""

    CSS_PATH = "vendors.tcss"
    AUTO_FOCUS = "#remove-contact"
    HELP = (
        "Remove someone from the vendor's list once another person at the practice is on it. "
        "Tell the vendor as well: this list is the practice's record of what they were asked."
    )

    def __init__(self, vendor_name: str, contacts: list[VendorContact]) -> None:
        super().__init__()
        self._vendor_name = vendor_name
        self._contacts = contacts

    def compose(self) -> ComposeResult:
        leaving = [c for c in self._contacts if c.is_departing]
        first = (leaving or self._contacts)[0]
        with VerticalScroll(id="remove-contact-dialog", classes="dialog -danger"):
            yield Static(f"Remove a contact at {self._vendor_name}", classes="heading")
            yield Select(
                [
                    (
                        f"{c.name} — {c.role.label}" + (" (leaving)" if c.is_departing else ""),
                        c.id,
                    )
                    for c in self._contacts
                ],
                value=first.id,
                allow_blank=False,
                id="remove-contact",
            )
            remaining = len(self._contacts) - 1
            yield Static(
                "Nobody else will be on the account: add a contact first."
                if remaining == 0
                else f"{remaining} other contact{'s' if remaining > 1 else ''} will remain.",
                classes="hint",
            )
            with Horizontal(classes="actions"):
                yield Button("Cancel", id="cancel")
                yield Button("Remove", id="remove", variant="error")

    def _save(self) -> None:
        """Ctrl+S does what the button does."""
        self._remove()

    @on(Button.Pressed, "#remove")
    def _remove(self) -> None:
        value = self.query_one("#remove-contact", Select).value
        if isinstance(value, str):
            self.dismiss(value)
