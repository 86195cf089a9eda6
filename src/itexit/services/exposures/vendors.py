"""Vendors whose only contact, account owner or billing contact is the departing person.

Contacts are matched to each person by their identifiers as read; without the credential key
the flags last worked out by someone holding it are used.
"""

from __future__ import annotations

from sqlalchemy import select

from itexit.domain.exposures import Closing, Exposure, ExposureKind, Severity
from itexit.domain.people import Identifiers, Person
from itexit.domain.roles import Scope
from itexit.domain.vendors import ContactFields, ContactRole, Departing, FlagKind, tie_flags
from itexit.services.exposures import World, make
from itexit.store.vendors import Vendor

AREA = "vendors"
KINDS = frozenset({ExposureKind.VENDOR_CONTACT.value})
"""The kinds of exposure this module makes (the ledger asks it only for these)."""


class PersonContacts(Departing):
    """A contact is this person's when its address, number or name is theirs."""

    def __init__(self, ids: Identifiers, explicit: bool) -> None:
        super().__init__()
        self.ids = ids
        self.explicit = explicit

    def matches(self, contact: ContactFields) -> bool:
        if contact.departing and self.explicit:
            return True
        return self.ids.contact(contact.name, contact.email, contact.phone)


def _closing(vendor: str) -> Closing:
    return Closing(
        command=f'itexit vendor contact add "{vendor}" --name NAME --role authorised, '
        f'then itexit vendor contact remove "{vendor}" CONTACT',
        screen="vendors",
        key="f6",
    )


def _contacts(document: dict[str, object]) -> list[ContactFields]:
    raw = document.get("contacts", [])
    out: list[ContactFields] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        out.append(
            ContactFields(
                name=str(item.get("name", "")),
                role=ContactRole(item.get("role", ContactRole.AUTHORISED.value)),
                email=str(item.get("email", "")),
                phone=str(item.get("phone", "")),
                departing=bool(item.get("departing", False)),
            )
        )
    return out


def exposures(world: World) -> list[Exposure]:
    ctx = world.ctx
    leavers = world.leavers()
    first = leavers[0] if leavers else None
    out: list[Exposure] = []
    with ctx.reading() as session:
        rows = list(session.scalars(select(Vendor).order_by(Vendor.name)))
        readable = ctx.holds(Scope.CRED)
        documents = {row.id: ctx.unseal(row) for row in rows} if readable else {}
    for row in rows:
        if not readable:
            kinds = [
                kind
                for kind, on in (
                    (FlagKind.ONLY_CONTACT, row.only_contact_departing),
                    (FlagKind.ACCOUNT_OWNER, row.owner_departing),
                    (FlagKind.BILLING, row.billing_departing),
                )
                if on
            ]
            if kinds:
                words = ", ".join(k.short for k in kinds)
                out.append(
                    _vendor(
                        row,
                        first,
                        f"{row.name} is tied to the departing person ({words}).",
                    )
                )
            continue
        contacts = _contacts(documents[row.id])
        people: list[Person | None] = list(world.live) or [None]
        for person in people:
            ids = person.matcher() if person is not None else Identifiers()
            match = PersonContacts(ids, explicit=person is first)
            flags = [f for f in tie_flags(row.name, contacts, match) if f.kind != FlagKind.RECOVERY]
            if flags:
                out.append(_vendor(row, person, flags[0].message))
    return out


def _vendor(row: Vendor, person: Person | None, why: str) -> Exposure:
    return make(
        ExposureKind.VENDOR_CONTACT.value,
        Severity.HIGH,
        person,
        row.name,
        f"vendor:{row.id}",
        why,
        _closing(row.name),
        area=AREA,
    )
