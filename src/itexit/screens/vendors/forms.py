"""The vendor dialogs: add or edit a vendor, add or edit a contact, remove a contact."""

from __future__ import annotations

import re

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
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
from itexit.screens.base import ItexitModal
from itexit.screens.form import FormModal, labelled
from itexit.widgets.tick import TickBox

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email_problem(value: str) -> str | None:
    value = value.strip()
    if value and not _EMAIL.match(value):
        return "That is not an email address."
    return None


def _name_and_email_problems(form: DOMNode, prefix: str, missing_name: str) -> dict[str, str]:
    """What is wrong with a form's `#<prefix>-name` and `#<prefix>-email` inputs, by field."""
    problems: dict[str, str] = {}
    if not form.query_one(f"#{prefix}-name", Input).value.strip():
        problems[f"{prefix}-name"] = missing_name
    email = _email_problem(form.query_one(f"#{prefix}-email", Input).value)
    if email:
        problems[f"{prefix}-email"] = email
    return problems


class VendorModal(FormModal[VendorFields]):
    """Add a vendor, or edit one: its services, support channels and account details."""

    CSS_PATH = "vendors.tcss"
    AUTO_FOCUS = "#vendor-name"
    DIALOG_ID = "vendor-dialog"
    SCROLL_FIELDS = True
    HELP = (
        "Record who the vendor is and how to reach their support. The account number and "
        "support details are encrypted; the name and services are listed for everyone."
    )

    def __init__(self, existing: VendorDetail | None = None) -> None:
        super().__init__()
        self._existing = existing

    def heading(self) -> str:
        return f"Edit {self._existing.name}" if self._existing else "Add a vendor"

    def save_label(self) -> str:
        return "Save" if self._existing else "Add"

    def fields(self) -> ComposeResult:
        e = self._existing
        yield from labelled(
            "Vendor name",
            Input(e.name if e else "", placeholder="e.g. Meridian EHR", id="vendor-name"),
            refusal=True,
        )
        yield Label("Services supplied (separate with commas)", classes="field-label")
        yield Input(
            ", ".join(e.services) if e else "",
            placeholder="e.g. Cloud EHR, e-prescribing",
            id="vendor-services",
        )
        yield Label("Support phone", classes="field-label")
        yield Input(e.support_phone if e else "", id="vendor-phone")
        yield from labelled(
            "Support email", Input(e.support_email if e else "", id="vendor-email"), refusal=True
        )
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
        self.show_refusals(self._problems(), ("vendor-name", "vendor-email"))

    @on(Input.Submitted)
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


class ContactModal(FormModal[ContactFields]):
    """Add or edit a person the vendor will talk to, and say whether it is the leaver."""

    CSS_PATH = "vendors.tcss"
    AUTO_FOCUS = "#contact-name"
    DIALOG_ID = "contact-dialog"
    SCROLL_FIELDS = True
    HELP = (
        "Vendors only talk to the people on their account. Add someone at the practice before "
        "removing the person who is leaving, and tick the box when this contact is that person."
    )

    def __init__(self, vendor_name: str, existing: VendorContact | None = None) -> None:
        super().__init__()
        self._vendor_name = vendor_name
        self._existing = existing

    def heading(self) -> str:
        verb = "Edit contact" if self._existing else "Add a contact"
        return f"{verb} at {self._vendor_name}"

    def save_label(self) -> str:
        return "Save" if self._existing else "Add"

    def fields(self) -> ComposeResult:
        e = self._existing
        yield from labelled("Name", Input(e.name if e else "", id="contact-name"), refusal=True)
        yield Label("Role on the account", classes="field-label")
        yield Select(
            [(label, role) for role, label in CONTACT_ROLE_LABELS.items()],
            value=e.role if e else ContactRole.AUTHORISED,
            allow_blank=False,
            id="contact-role",
        )
        yield from labelled("Email", Input(e.email if e else "", id="contact-email"), refusal=True)
        yield Label("Phone", classes="field-label")
        yield Input(e.phone if e else "", id="contact-phone")
        yield TickBox(
            "This is the person who is leaving",
            e.departing if e else False,
            id="contact-leaving",
        )

    def _problems(self) -> dict[str, str]:
        return _name_and_email_problems(self, "contact", "Type the contact's name.")

    @on(Input.Changed)
    def _validate(self) -> None:
        self.show_refusals(self._problems(), ("contact-name", "contact-email"))

    @on(Input.Submitted)
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
