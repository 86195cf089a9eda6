"""Vendors' own use cases: add, edit, link credentials, remove; `VendorService` gathers them all.

Contact details and account numbers are sealed in the `cred` scope. The tied-to-departing flags
are worked out whenever a vendor changes (by someone holding that key) and kept as plaintext
booleans, so an auditor without the key still sees which services are exposed. The recovery
flag comes live from the linked credentials' own plaintext `recovery_tied` column.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput, NotFound
from itexit.domain.roles import Permission, Scope
from itexit.domain.vendors import (
    ContactFields,
    VendorDetail,
    VendorFields,
)
from itexit.services.vendors.contacts import VendorContacts
from itexit.services.vendors.records import (
    SEALED_FIELDS,
    contacts_of,
    json_list,
)
from itexit.store.models import Credential
from itexit.store.vendors import Vendor


class VendorService(VendorContacts):
    """List, read and change vendors; every change is one audited transaction."""

    # ----- writing ----------------------------------------------------------------------------

    def add(self, fields: VendorFields, contacts: Sequence[ContactFields] = ()) -> VendorDetail:
        self.ctx.require(Permission.VENDOR_WRITE)
        cleaned = self._clean(fields)
        people = [self._clean_contact(c) for c in contacts]
        row = Vendor(
            id=str(uuid.uuid4()),
            name=cleaned.name,
            services=json.dumps(cleaned.services),
            credential_ids="[]",
            contact_count=len(people),
            only_contact_departing=False,
            owner_departing=False,
            billing_departing=False,
            version=1,
        )
        document = self._document(cleaned, [self._new_contact(p) for p in people])
        departing = self._departing()
        with self.ctx.transaction() as session:
            self._refuse_duplicate(session, cleaned.name)
            self.ctx.seal(row, document, Scope.CRED)
            session.add(row)
            session.flush()
            self.ctx.record(session, "vendor.add", row.name, vendor_id=row.id, contacts=len(people))
            self._apply_flags(session, departing)
            vendor_id = row.id
        return self.get(vendor_id)

    def edit(self, ref: str, fields: VendorFields, expected_version: int | None) -> VendorDetail:
        """Replace the vendor's own fields (not its contacts), refusing a stale edit."""
        self.ctx.require(Permission.VENDOR_WRITE)
        cleaned = self._clean(fields)
        departing = self._departing()
        with self.ctx.transaction() as session:
            row = self._find_current(session, ref, expected_version)
            if cleaned.name.lower() != row.name.lower():
                self._refuse_duplicate(session, cleaned.name)
            document = self.ctx.unseal(row)
            before = {key: document.get(key, "") for key in SEALED_FIELDS}
            changed = [key for key in SEALED_FIELDS if before[key] != getattr(cleaned, key)]
            if cleaned.name != row.name:
                changed.append("name")
            if cleaned.services != json_list(row.services):
                changed.append("services")
            old_name = row.name
            row.name = cleaned.name
            row.services = json.dumps(cleaned.services)
            self.ctx.seal(row, self._document(cleaned, contacts_of(document)))
            self.ctx.record(
                session, "vendor.edit", old_name, vendor_id=row.id, fields=sorted(changed)
            )
            self._apply_flags(session, departing)
            vendor_id = row.id
        return self.get(vendor_id)

    def link_credential(
        self, ref: str, credential_ref: str, expected_version: int | None = None
    ) -> VendorDetail:
        """Tie one of the practice's credentials to this vendor's services."""
        self.ctx.require(Permission.VENDOR_WRITE)
        with self.ctx.transaction() as session:
            row = self._find_current(session, ref, expected_version)
            credential = (
                session.get(Credential, credential_ref)
                or session.scalars(
                    select(Credential).where(
                        func.lower(Credential.system) == credential_ref.lower()
                    )
                ).first()
            )
            if credential is None:
                raise NotFound(f"There is no credential {credential_ref!r}.")
            ids = json_list(row.credential_ids)
            if credential.id in ids:
                raise BadInput(f"{credential.system} is already linked to {row.name}.")
            self._save_links(session, row, [*ids, credential.id], "vendor.link", credential.id)
            vendor_id = row.id
        return self.get(vendor_id)

    def unlink_credential(
        self, ref: str, credential_id: str, expected_version: int | None = None
    ) -> VendorDetail:
        self.ctx.require(Permission.VENDOR_WRITE)
        with self.ctx.transaction() as session:
            row = self._find_current(session, ref, expected_version)
            ids = json_list(row.credential_ids)
            if credential_id not in ids:
                raise NotFound(f"That credential is not linked to {row.name}.")
            kept = [i for i in ids if i != credential_id]
            self._save_links(session, row, kept, "vendor.unlink", credential_id)
            vendor_id = row.id
        return self.get(vendor_id)

    def remove(self, ref: str, expected_version: int | None) -> None:
        self.ctx.require(Permission.VENDOR_WRITE)
        with self.ctx.transaction() as session:
            row = self._find_current(session, ref, expected_version)
            self.ctx.record(session, "vendor.remove", row.name, vendor_id=row.id)
            session.delete(row)

    def _save_links(
        self, session: Session, row: Vendor, ids: Sequence[str], action: str, credential_id: str
    ) -> None:
        """Store the vendor's linked credentials and audit the one linked or unlinked."""
        row.credential_ids = json.dumps(list(ids))
        self.ctx.touch(row)
        self.ctx.record(session, action, row.name, vendor_id=row.id, credential_id=credential_id)
