"""A vendor's authorised contacts: add, edit, remove (sealed in the `cred` scope)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from itexit.domain.errors import BadInput
from itexit.domain.roles import Permission
from itexit.domain.vendors import ContactFields, VendorDetail
from itexit.services.vendors.reading import VendorReading
from itexit.services.vendors.records import contact_fields, contacts_of


class VendorContacts(VendorReading):
    """Changes to a vendor's contacts; each one sets the flags again."""

    def add_contact(
        self, ref: str, contact: ContactFields, expected_version: int | None = None
    ) -> VendorDetail:
        self.ctx.require(Permission.VENDOR_WRITE)
        person = self._clean_contact(contact)
        departing = self._departing()
        with self.ctx.transaction() as session:
            row = self._find_current(session, ref, expected_version)
            document = self.ctx.unseal(row)
            contacts = contacts_of(document)
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
            self._save_contacts(row, document, contacts)
            self.ctx.record(
                session,
                "vendor.contact.add",
                row.name,
                vendor_id=row.id,
                contact_id=added["id"],
                role=person.role.value,
            )
            self._apply_flags(session, departing)
            vendor_id = row.id
        return self.get(vendor_id)

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
        self.ctx.require(Permission.VENDOR_WRITE)
        departing = self._departing()
        with self.ctx.transaction() as session:
            row = self._find_current(session, ref, expected_version)
            document = self.ctx.unseal(row)
            contacts = contacts_of(document)
            index = self._contact_index(row, contacts, contact_id)
            contact_id = str(contacts[index]["id"])
            if not isinstance(contact, ContactFields):
                stored = contact_fields(contacts[index]).model_dump()
                try:
                    contact = ContactFields.model_validate({**stored, **contact})
                except ValueError as exc:
                    raise BadInput(str(exc)) from None
            person = self._clean_contact(contact)
            contacts[index] = {"id": contact_id, **person.model_dump(mode="json")}
            self._save_contacts(row, document, contacts)
            self.ctx.record(
                session,
                "vendor.contact.edit",
                row.name,
                vendor_id=row.id,
                contact_id=contact_id,
                role=person.role.value,
            )
            self._apply_flags(session, departing)
            vendor_id = row.id
        return self.get(vendor_id)

    def remove_contact(
        self, ref: str, contact_id: str, expected_version: int | None = None
    ) -> VendorDetail:
        self.ctx.require(Permission.VENDOR_WRITE)
        departing = self._departing()
        with self.ctx.transaction() as session:
            row = self._find_current(session, ref, expected_version)
            document = self.ctx.unseal(row)
            contacts = contacts_of(document)
            index = self._contact_index(row, contacts, contact_id)
            removed = contacts.pop(index)
            contact_id = str(removed.get("id", contact_id))
            self._save_contacts(row, document, contacts)
            self.ctx.record(
                session,
                "vendor.contact.remove",
                row.name,
                vendor_id=row.id,
                contact_id=contact_id,
                role=str(removed.get("role", "")),
            )
            self._apply_flags(session, departing)
            vendor_id = row.id
        return self.get(vendor_id)
