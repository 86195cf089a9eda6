"""Vendors, the people they will talk to, and the rules that flag services tied to the leaver.

A service is *tied to the departing person* when the vendor would only talk to them (every
authorised contact is the leaver), when they are the account owner or the only billing contact,
or when a linked account's recovery email, phone or MFA device is theirs. The flags are computed
here, from plain values, so the same rule runs at write time and in tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, Field

from itexit.domain.base import Model


class ContactRole(StrEnum):
    """What a contact may do on the vendor's account."""

    ACCOUNT_OWNER = "account_owner"
    BILLING = "billing"
    AUTHORISED = "authorised"
    TECHNICAL = "technical"

    @property
    def label(self) -> str:
        return CONTACT_ROLE_LABELS[self]


CONTACT_ROLE_LABELS: dict[ContactRole, str] = {
    ContactRole.ACCOUNT_OWNER: "Account owner",
    ContactRole.BILLING: "Billing contact",
    ContactRole.AUTHORISED: "Authorised contact",
    ContactRole.TECHNICAL: "Technical contact",
}


class FlagKind(StrEnum):
    """Why a service is still tied to the departing person."""

    ONLY_CONTACT = "only_contact"
    ACCOUNT_OWNER = "account_owner"
    BILLING = "billing"
    RECOVERY = "recovery"

    @property
    def short(self) -> str:
        return FLAG_SHORT[self]


FLAG_SHORT: dict[FlagKind, str] = {
    FlagKind.ONLY_CONTACT: "only contact",
    FlagKind.ACCOUNT_OWNER: "owner",
    FlagKind.BILLING: "billing",
    FlagKind.RECOVERY: "recovery",
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class _Frozen(Model):
    model_config = ConfigDict(frozen=True)


class ContactFields(_Frozen):
    """A person the vendor will talk to; `departing` marks them as the leaver explicitly."""

    name: str
    role: ContactRole = ContactRole.AUTHORISED
    email: str = ""
    phone: str = ""
    departing: bool = False


class VendorContact(ContactFields):
    id: str
    is_departing: bool = False
    """Marked as the leaver, or the same name or email as someone leaving."""


class VendorFields(_Frozen):
    """Everything a user types about a vendor; contact details and account numbers are sealed."""

    name: str
    services: list[str] = Field(default_factory=list)
    support_phone: str = ""
    support_email: str = ""
    support_portal: str = ""
    account_number: str = ""
    contract_link: str = ""
    notes: str = ""


class VendorFlag(_Frozen):
    kind: FlagKind
    person: str
    """Who it is tied to ("the departing person" when the reader cannot see names)."""
    message: str
    """What is wrong and what to do, in one sentence."""


class LinkedCredential(_Frozen):
    id: str
    system: str
    status: str
    recovery_tied: bool


class VendorSummary(_Frozen):
    """What every role may list: names, services and flags, nothing sealed."""

    id: str
    name: str
    services: list[str]
    contact_count: int
    credential_ids: list[str]
    flags: list[FlagKind]
    version: int
    updated_at: datetime | None = None
    updated_by: str = ""

    @property
    def tied(self) -> bool:
        return bool(self.flags)


class VendorDetail(VendorSummary):
    """A vendor as someone holding the credential key sees it (`sealed` when they do not)."""

    sealed: bool = False
    support_phone: str = ""
    support_email: str = ""
    support_portal: str = ""
    account_number: str = ""
    contract_link: str = ""
    notes: str = ""
    contacts: list[VendorContact] = Field(default_factory=list)
    credentials: list[LinkedCredential] = Field(default_factory=list)
    flag_details: list[VendorFlag] = Field(default_factory=list)


# ----- rules ------------------------------------------------------------------------------------


def clean_fields(fields: VendorFields) -> VendorFields:
    """Trim every value and refuse what cannot be right, in one sentence."""
    name = " ".join(fields.name.split())
    if not name:
        raise ValueError("A vendor needs a name.")
    if len(name) > 200:
        raise ValueError("A vendor name is at most 200 characters.")
    services: list[str] = []
    for service in fields.services:
        cleaned = " ".join(service.split())
        if cleaned and cleaned.lower() not in {s.lower() for s in services}:
            services.append(cleaned[:120])
    email = fields.support_email.strip()
    if email and not _EMAIL.match(email):
        raise ValueError(f"The support email {email!r} is not an email address.")
    return VendorFields(
        name=name,
        services=services,
        support_phone=fields.support_phone.strip(),
        support_email=email,
        support_portal=fields.support_portal.strip(),
        account_number=fields.account_number.strip(),
        contract_link=fields.contract_link.strip(),
        notes=fields.notes.strip(),
    )


def clean_contact(contact: ContactFields) -> ContactFields:
    name = " ".join(contact.name.split())
    if not name:
        raise ValueError("A contact needs a name.")
    email = contact.email.strip()
    if email and not _EMAIL.match(email):
        raise ValueError(f"The email {email!r} is not an email address.")
    return ContactFields(
        name=name[:120],
        role=contact.role,
        email=email,
        phone=contact.phone.strip(),
        departing=contact.departing,
    )


def split_services(text: str) -> list[str]:
    """Services typed as one line, separated by commas or semicolons."""
    return [part.strip() for part in re.split(r"[,;\n]", text) if part.strip()]


class Departing:
    """Who is leaving, as lowercased names and emails to match contacts against."""

    def __init__(self, names: Iterable[str] = (), emails: Iterable[str] = ()) -> None:
        self.names = {" ".join(n.lower().split()) for n in names if n.strip()}
        self.emails = {e.strip().lower() for e in emails if e.strip()}

    def add(self, contact: ContactFields) -> None:
        if contact.name.strip():
            self.names.add(" ".join(contact.name.lower().split()))
        if contact.email.strip():
            self.emails.add(contact.email.strip().lower())

    def matches(self, contact: ContactFields) -> bool:
        if contact.departing:
            return True
        name = " ".join(contact.name.lower().split())
        email = contact.email.strip().lower()
        return bool((name and name in self.names) or (email and email in self.emails))


def tie_flags(
    vendor_name: str,
    contacts: Sequence[ContactFields],
    departing: Departing,
    recovery_systems: Sequence[str] = (),
) -> list[VendorFlag]:
    """Every way the service is still tied to the leaver, each with what to do about it."""
    leaving = [c for c in contacts if departing.matches(c)]
    staying = [c for c in contacts if not departing.matches(c)]
    flags: list[VendorFlag] = []
    if leaving and not staying:
        person = _names(leaving)
        flags.append(
            VendorFlag(
                kind=FlagKind.ONLY_CONTACT,
                person=person,
                message=_sentence(
                    f"Only {person} {'are' if len({c.name for c in leaving}) > 1 else 'is'} "
                    "authorised to call "
                    f"{vendor_name} support: add a second contact, then remove {person}"
                ),
            )
        )
    owners = [c for c in contacts if c.role == ContactRole.ACCOUNT_OWNER]
    leaving_owners = [c for c in owners if departing.matches(c)]
    if leaving_owners and len(leaving_owners) == len(owners):
        person = _names(leaving_owners)
        flags.append(
            VendorFlag(
                kind=FlagKind.ACCOUNT_OWNER,
                person=person,
                message=(
                    f"{person} owns the {vendor_name} account: have {vendor_name} transfer "
                    "ownership to someone at the practice."
                ),
            )
        )
    billing = [c for c in contacts if c.role == ContactRole.BILLING]
    leaving_billing = [c for c in billing if departing.matches(c)]
    if leaving_billing and len(leaving_billing) == len(billing):
        person = _names(leaving_billing)
        flags.append(
            VendorFlag(
                kind=FlagKind.BILLING,
                person=person,
                message=(
                    f"{person} is the only billing contact at {vendor_name}: "
                    "name the practice's billing contact instead."
                ),
            )
        )
    if recovery_systems:
        systems = ", ".join(recovery_systems)
        flags.append(
            VendorFlag(
                kind=FlagKind.RECOVERY,
                person="the departing person",
                message=(
                    f"The recovery email, phone or MFA device of {systems} belongs to the "
                    "departing person: change it to one the practice controls."
                ),
            )
        )
    return flags


def sealed_flag_message(vendor_name: str, kind: FlagKind) -> str:
    """The same advice without names, for a reader who cannot see the contacts."""
    return {
        FlagKind.ONLY_CONTACT: (
            f"Only the departing person is authorised to call {vendor_name} support: "
            "add a second contact, then remove them."
        ),
        FlagKind.ACCOUNT_OWNER: (
            f"The departing person owns the {vendor_name} account: have ownership transferred."
        ),
        FlagKind.BILLING: (
            f"The departing person is the only billing contact at {vendor_name}: "
            "name the practice's billing contact instead."
        ),
        FlagKind.RECOVERY: (
            f"A {vendor_name} account recovers to the departing person: "
            "change it to one the practice controls."
        ),
    }[kind]


def _sentence(text: str) -> str:
    """End with one full stop, even when the text ends with an initial ("Gary T.")."""
    return text if text.endswith(".") else text + "."


def _names(contacts: Sequence[ContactFields]) -> str:
    seen: list[str] = []
    for contact in contacts:
        if contact.name not in seen:
            seen.append(contact.name)
    if len(seen) == 1:
        return seen[0]
    return ", ".join(seen[:-1]) + " and " + seen[-1]
