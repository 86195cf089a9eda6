"""A vendor's authorised contacts: add, edit, remove (sealed in the `cred` scope)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput
from itexit.domain.roles import Permission
from itexit.domain.vendors import ContactFields, VendorDetail
from itexit.services.vendors.reading import VendorReading
from itexit.services.vendors.records import contact_fields, contacts_of
from itexit.store.vendors import Vendor

Change = Callable[[Session, Vendor, list[dict[str, Any]]], None]
"""Changes a vendor's contact list in place, and writes its audit row."""


class VendorContacts(VendorReading):
    """Changes to a vendor's contacts; each one sets the flags again."""

    def _change_contacts(
        self, ref: str, expected_version: int | None, change: Change
    ) -> VendorDetail:
        """One change of a vendor's contacts: the list opened, changed by `change`, sealed
        again, and the flags set again, in one transaction."""
        self.ctx.require(Permission.VENDOR_WRITE)
        departing = self._departing()
        with self.ctx.transaction() as session:
            row = self._find_current(session, ref, expected_version)
            document = self.ctx.unseal(row)
            contacts = contacts_of(document)
            change(session, row, contacts)
            self._save_contacts(row, document, contacts)
            self._apply_flags(session, departing)
            vendor_id = row.id
        return self.get(vendor_id)

    def add_contact(
        self, ref: str, contact: ContactFields, expected_version: int | None = None
    ) -> VendorDetail:
        self.ctx.require(Permission.VENDOR_WRITE)
        person = self._clean_contact(contact)

        def add(session: Session, row: Vendor, contacts: list[dict[str, Any]]) -> None:
            if any(
                c.get("name", "").lower() == person.name.lower()
                and c.get("role") == person.role.value
                for c in contacts
            ):
                raise BadInput(
                    f"{person.name} is already listed as {person.role.label.lower()} at {row.name}."
                )
            added = self._new_contact(person)
            contacts.append(added)
            self.ctx.record(
                session,
                "vendor.contact.add",
                row.name,
                vendor_id=row.id,
                contact_id=added["id"],
                role=person.role.value,
            )

        return self._change_contacts(ref, expected_version, add)

    def edit_contact(
        self,
        ref: str,
        contact_id: str,
        contact: ContactFields | Mapping[str, Any],
        expected_version: int | None = None,
    ) -> VendorDetail:
        """Replace a contact's fields or, given a mapping, change only the fields it names.

        `contact_id` may be the first four or more characters of the id when no other
        contact of the vendor starts the same way.
        """

        def edit(session: Session, row: Vendor, contacts: list[dict[str, Any]]) -> None:
            index = self._contact_index(row, contacts, contact_id)
            found_id = str(contacts[index]["id"])
            fields = contact
            if not isinstance(fields, ContactFields):
                stored = contact_fields(contacts[index]).model_dump()
                try:
                    fields = ContactFields.model_validate({**stored, **fields})
                except ValueError as exc:
                    raise BadInput(str(exc)) from None
            person = self._clean_contact(fields)
            contacts[index] = {"id": found_id, **person.model_dump(mode="json")}
            self.ctx.record(
                session,
                "vendor.contact.edit",
                row.name,
                vendor_id=row.id,
                contact_id=found_id,
                role=person.role.value,
            )

        return self._change_contacts(ref, expected_version, edit)

    def remove_contact(
        self, ref: str, contact_id: str, expected_version: int | None = None
    ) -> VendorDetail:
        def remove(session: Session, row: Vendor, contacts: list[dict[str, Any]]) -> None:
            removed = contacts.pop(self._contact_index(row, contacts, contact_id))
            self.ctx.record(
                session,
                "vendor.contact.remove",
                row.name,
                vendor_id=row.id,
                contact_id=str(removed.get("id", contact_id)),
                role=str(removed.get("role", "")),
            )

        return self._change_contacts(ref, expected_version, remove)
