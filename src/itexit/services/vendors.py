"""Vendors, their services and authorised contacts, and what is tied to the leaver.

Contact details and account numbers are sealed in the `cred` scope. The tied-to-departing flags
are worked out whenever a vendor changes (by someone holding that key) and kept as plaintext
booleans, so an auditor without the key still sees which services are exposed. The recovery
flag comes live from the linked credentials' own plaintext `recovery_tied` column.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput, ItexitError, NotFound
from itexit.domain.models import Tile
from itexit.domain.roles import Permission, Scope
from itexit.domain.vendors import (
    ContactFields,
    ContactRole,
    Departing,
    FlagKind,
    LinkedCredential,
    VendorContact,
    VendorDetail,
    VendorFields,
    VendorFlag,
    VendorSummary,
    clean_contact,
    clean_fields,
    sealed_flag_message,
    tie_flags,
)
from itexit.domain.wording import count
from itexit.services.context import VaultContext, check_version
from itexit.store.models import Credential
from itexit.store.vendors import Vendor

Contacts = list[dict[str, Any]]
"""Contacts as stored in the sealed document."""

StaleFlags = list[tuple[Vendor, dict[str, Any], tuple[bool, bool, bool]]]
"""Vendors whose stored flags are out of date: row, its opened document, the flags due."""

_SEALED_FIELDS = (
    "support_phone",
    "support_email",
    "support_portal",
    "account_number",
    "contract_link",
    "notes",
)


def _json_list(text: str) -> list[str]:
    value = json.loads(text or "[]")
    return [str(item) for item in value] if isinstance(value, list) else []


def _stored_flags(row: Vendor) -> list[FlagKind]:
    flags: list[FlagKind] = []
    if row.only_contact_departing:
        flags.append(FlagKind.ONLY_CONTACT)
    if row.owner_departing:
        flags.append(FlagKind.ACCOUNT_OWNER)
    if row.billing_departing:
        flags.append(FlagKind.BILLING)
    return flags


def _summary(
    row: Vendor, recovery: bool, live: tuple[bool, bool, bool] | None = None
) -> VendorSummary:
    """`live`: the (only contact, owner, billing) flags as worked out now, if they differ."""
    stored = _stored_flags(row)
    if live is not None:
        kinds = (FlagKind.ONLY_CONTACT, FlagKind.ACCOUNT_OWNER, FlagKind.BILLING)
        stored = [kind for kind, on in zip(kinds, live, strict=True) if on]
    flags = stored + ([FlagKind.RECOVERY] if recovery else [])
    return VendorSummary(
        id=row.id,
        name=row.name,
        services=_json_list(row.services),
        contact_count=row.contact_count,
        credential_ids=_json_list(row.credential_ids),
        flags=flags,
        version=row.version,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def _contacts(document: dict[str, Any]) -> list[dict[str, Any]]:
    contacts = document.get("contacts", [])
    return [dict(c) for c in contacts] if isinstance(contacts, list) else []


def _contact_fields(item: dict[str, Any]) -> ContactFields:
    return ContactFields(
        name=str(item.get("name", "")),
        role=ContactRole(item.get("role", ContactRole.AUTHORISED.value)),
        email=str(item.get("email", "")),
        phone=str(item.get("phone", "")),
        departing=bool(item.get("departing", False)),
    )


def _add_marked_leavers(departing: Departing, documents: Iterable[dict[str, Any]]) -> None:
    """Count every contact marked as the leaver, at any vendor, as the departing person."""
    for document in documents:
        for item in _contacts(document):
            if item.get("departing"):
                departing.add(_contact_fields(item))


class VendorService:
    """List, read and change vendors; every change is one audited transaction."""

    def __init__(self, ctx: VaultContext) -> None:
        self.ctx = ctx

    # ----- reading ----------------------------------------------------------------------------

    def list(self) -> list[VendorSummary]:
        """Every vendor by name, with its flags; readable without the credential key."""
        self.ctx.require(Permission.VENDOR_READ)
        live = self._departing() if self.ctx.holds(Scope.CRED) else None
        with self.ctx.reading() as session:
            rows = list(session.scalars(select(Vendor).order_by(func.lower(Vendor.name))))
            tied = set(
                session.scalars(
                    select(Credential.id).where(
                        Credential.recovery_tied.is_(True), Credential.retired_at.is_(None)
                    )
                )
            )
            # whoever holds the key sees the flags as they are now, not as last stored
            due = (
                {row.id: flags for row, _, flags in self._stale_flags(session, live)}
                if live
                else {}
            )
            return [
                _summary(
                    row,
                    any(cid in tied for cid in _json_list(row.credential_ids)),
                    due.get(row.id),
                )
                for row in rows
            ]

    def get(self, ref: str) -> VendorDetail:
        """One vendor; contacts and account details only for someone holding the `cred` key."""
        self.ctx.require(Permission.VENDOR_READ)
        departing = self._departing() if self.ctx.holds(Scope.CRED) else None
        with self.ctx.reading() as session:
            row = self._find(session, ref)
            return self._detail(session, row, departing)

    def refresh_flags(self) -> int:
        """Re-work every vendor's flags against who is leaving now; returns how many changed."""
        self.ctx.require(Permission.VENDOR_WRITE)
        self.ctx.require_key(Scope.CRED)
        departing = self._departing()
        with self.ctx.reading() as session:
            if not self._stale_flags(session, Departing(departing.names, departing.emails)):
                return 0
        with self.ctx.transaction() as session:
            changed = self._apply_flags(session, departing)
            if changed:
                self.ctx.record(session, "vendor.flags", "", changed=changed)
        return changed

    def tied_count(self) -> tuple[int, int]:
        """(services tied to the leaver, vendors in all), from plaintext columns only."""
        summaries = self.list()
        return sum(1 for s in summaries if s.tied), len(summaries)

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
            before = {key: document.get(key, "") for key in _SEALED_FIELDS}
            changed = [key for key in _SEALED_FIELDS if before[key] != getattr(cleaned, key)]
            if cleaned.name != row.name:
                changed.append("name")
            if cleaned.services != _json_list(row.services):
                changed.append("services")
            old_name = row.name
            row.name = cleaned.name
            row.services = json.dumps(cleaned.services)
            self.ctx.seal(row, self._document(cleaned, _contacts(document)))
            self.ctx.record(
                session, "vendor.edit", old_name, vendor_id=row.id, fields=sorted(changed)
            )
            self._apply_flags(session, departing)
            vendor_id = row.id
        return self.get(vendor_id)

    def add_contact(
        self, ref: str, contact: ContactFields, expected_version: int | None = None
    ) -> VendorDetail:
        self.ctx.require(Permission.VENDOR_WRITE)
        person = self._clean_contact(contact)
        departing = self._departing()
        with self.ctx.transaction() as session:
            row = self._find_current(session, ref, expected_version)
            document = self.ctx.unseal(row)
            contacts = _contacts(document)
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
            contacts = _contacts(document)
            index = self._contact_index(row, contacts, contact_id)
            contact_id = str(contacts[index]["id"])
            if not isinstance(contact, ContactFields):
                stored = _contact_fields(contacts[index]).model_dump()
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
            contacts = _contacts(document)
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
            ids = _json_list(row.credential_ids)
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
            ids = _json_list(row.credential_ids)
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

    # ----- internals --------------------------------------------------------------------------

    def _find(self, session: Session, ref: str) -> Vendor:
        ref = ref.strip()
        row = session.get(Vendor, ref) if ref else None
        if row is None and ref:
            matches = list(
                session.scalars(select(Vendor).where(func.lower(Vendor.name) == ref.lower()))
            )
            if not matches and len(ref) >= 4:
                matches = list(
                    session.scalars(
                        select(Vendor).where(Vendor.id.startswith(ref, autoescape=True))
                    )
                )
            row = matches[0] if len(matches) == 1 else None
        if row is None:
            raise NotFound(f"There is no vendor {ref!r}.")
        return row

    def _find_current(self, session: Session, ref: str, expected_version: int | None) -> Vendor:
        """The vendor to change, refused if someone changed it since the caller read it."""
        row = self._find(session, ref)
        check_version(row, expected_version)
        return row

    def _save_links(
        self, session: Session, row: Vendor, ids: Sequence[str], action: str, credential_id: str
    ) -> None:
        """Store the vendor's linked credentials and audit the one linked or unlinked."""
        row.credential_ids = json.dumps(list(ids))
        self.ctx.touch(row)
        self.ctx.record(session, action, row.name, vendor_id=row.id, credential_id=credential_id)

    def _refuse_duplicate(self, session: Session, name: str) -> None:
        existing = session.scalars(
            select(Vendor.id).where(func.lower(Vendor.name) == name.lower())
        ).first()
        if existing is not None:
            raise BadInput(f"There is already a vendor called {name}.")

    @staticmethod
    def _clean(fields: VendorFields) -> VendorFields:
        try:
            return clean_fields(fields)
        except ValueError as exc:
            raise BadInput(str(exc)) from None

    @staticmethod
    def _clean_contact(contact: ContactFields) -> ContactFields:
        try:
            return clean_contact(contact)
        except ValueError as exc:
            raise BadInput(str(exc)) from None

    @staticmethod
    def _new_contact(person: ContactFields) -> dict[str, Any]:
        return {"id": uuid.uuid4().hex[:8], **person.model_dump(mode="json")}

    @staticmethod
    def _document(fields: VendorFields, contacts: Contacts) -> dict[str, Any]:
        document: dict[str, Any] = {key: getattr(fields, key) for key in _SEALED_FIELDS}
        document["contacts"] = contacts
        return document

    def _save_contacts(self, row: Vendor, document: dict[str, Any], contacts: Contacts) -> None:
        document["contacts"] = contacts
        row.contact_count = len(contacts)
        self.ctx.seal(row, document)

    @staticmethod
    def _contact_index(row: Vendor, contacts: Contacts, contact_id: str) -> int:
        """The contact with this id, or the only one whose id starts with it (4+ characters)."""
        for index, item in enumerate(contacts):
            if item.get("id") == contact_id:
                return index
        if len(contact_id) >= 4:
            found = [
                i
                for i, item in enumerate(contacts)
                if str(item.get("id", "")).startswith(contact_id)
            ]
            if len(found) == 1:
                return found[0]
        raise NotFound(f"{row.name} has no contact {contact_id!r}.")

    def _departing(self) -> Departing:
        """The names and addresses of the people of open cases; contacts marked as the leaver
        are added when flags are set."""
        from itexit.services import people

        try:
            with self.ctx.reading() as session:
                leaving = people.load(self.ctx, session, include_closed=False)
        except ItexitError:
            leaving = []
        return Departing(
            [p.full_name for p in leaving] + [p.case_name for p in leaving],
            [e for p in leaving for e in p.emails],
        )

    def _stale_flags(self, session: Session, departing: Departing) -> StaleFlags:
        """Each vendor whose stored flags differ from its sealed contacts, with the flags due."""
        rows = list(session.scalars(select(Vendor)))
        documents = {row.id: self.ctx.unseal(row) for row in rows}
        _add_marked_leavers(departing, documents.values())
        stale: StaleFlags = []
        for row in rows:
            contacts = [_contact_fields(c) for c in _contacts(documents[row.id])]
            kinds = {flag.kind for flag in tie_flags(row.name, contacts, departing)}
            due = (
                FlagKind.ONLY_CONTACT in kinds,
                FlagKind.ACCOUNT_OWNER in kinds,
                FlagKind.BILLING in kinds,
            )
            if due != (row.only_contact_departing, row.owner_departing, row.billing_departing):
                stale.append((row, documents[row.id], due))
        return stale

    def _apply_flags(self, session: Session, departing: Departing) -> int:
        """Set every vendor's plaintext flags from its sealed contacts; returns how many changed."""
        stale = self._stale_flags(session, departing)
        for row, document, due in stale:
            row.only_contact_departing, row.owner_departing, row.billing_departing = due
            self.ctx.seal(row, document)
        session.flush()
        return len(stale)

    def _detail(self, session: Session, row: Vendor, departing: Departing | None) -> VendorDetail:
        ids = _json_list(row.credential_ids)
        credentials = [
            LinkedCredential(
                id=c.id, system=c.system, status=c.status, recovery_tied=c.recovery_tied
            )
            for c in session.scalars(
                select(Credential).where(Credential.id.in_(ids)).order_by(Credential.system)
            )
        ]
        recovery = [c.system for c in credentials if c.recovery_tied]
        summary = _summary(row, bool(recovery))
        if departing is None:
            return VendorDetail(
                **summary.model_dump(),
                sealed=True,
                credentials=credentials,
                flag_details=[
                    VendorFlag(
                        kind=kind,
                        person="the departing person",
                        message=sealed_flag_message(row.name, kind),
                    )
                    for kind in summary.flags
                ],
            )
        documents = {other.id: self.ctx.unseal(other) for other in session.scalars(select(Vendor))}
        _add_marked_leavers(departing, documents.values())
        document = documents[row.id]
        contacts = [
            VendorContact(
                id=str(item.get("id", "")),
                **_contact_fields(item).model_dump(),
                is_departing=departing.matches(_contact_fields(item)),
            )
            for item in _contacts(document)
        ]
        flags = tie_flags(row.name, contacts, departing, recovery)
        return VendorDetail(
            **{**summary.model_dump(), "flags": [flag.kind for flag in flags]},
            **{key: str(document.get(key, "")) for key in _SEALED_FIELDS},
            contacts=contacts,
            credentials=credentials,
            flag_details=flags,
        )


# ----- dashboard, reminders -------------------------------------------------------------------


def tiles(ctx: VaultContext, today: date) -> list[Tile]:
    """Services still tied to the leaver, from plaintext flags every role can read."""
    if not ctx.can(Permission.VENDOR_READ):
        return []
    tied, total = VendorService(ctx).tied_count()
    return [
        Tile(
            key="vendors",
            title="Services tied to the leaver",
            count=tied if total else None,
            caption=f"of {count(total, 'vendor')}" if total else "no vendors listed yet",
            severity=("alert" if tied else "ok") if total else "idle",
            screen="vendors",
        )
    ]
