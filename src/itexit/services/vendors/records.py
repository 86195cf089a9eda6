"""A vendor's row and sealed document: finding one, checking what is typed, its summary."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput, NotFound
from itexit.domain.vendors import (
    ContactFields,
    ContactRole,
    Departing,
    FlagKind,
    VendorFields,
    VendorSummary,
    clean_contact,
    clean_fields,
)
from itexit.services.context import VaultContext, check_version
from itexit.store.vendors import Vendor

Contacts = list[dict[str, Any]]
"""Contacts as stored in the sealed document."""

StaleFlags = list[tuple[Vendor, dict[str, Any], tuple[bool, bool, bool]]]
"""Vendors whose stored flags are out of date: row, its opened document, the flags due."""

SEALED_FIELDS = (
    "support_phone",
    "support_email",
    "support_portal",
    "account_number",
    "contract_link",
    "notes",
)


def json_list(text: str) -> list[str]:
    value = json.loads(text or "[]")
    return [str(item) for item in value] if isinstance(value, list) else []


def stored_flags(row: Vendor) -> list[FlagKind]:
    flags: list[FlagKind] = []
    if row.only_contact_departing:
        flags.append(FlagKind.ONLY_CONTACT)
    if row.owner_departing:
        flags.append(FlagKind.ACCOUNT_OWNER)
    if row.billing_departing:
        flags.append(FlagKind.BILLING)
    return flags


def to_summary(
    row: Vendor, recovery: bool, live: tuple[bool, bool, bool] | None = None
) -> VendorSummary:
    """`live`: the (only contact, owner, billing) flags as worked out now, if they differ."""
    stored = stored_flags(row)
    if live is not None:
        kinds = (FlagKind.ONLY_CONTACT, FlagKind.ACCOUNT_OWNER, FlagKind.BILLING)
        stored = [kind for kind, on in zip(kinds, live, strict=True) if on]
    flags = stored + ([FlagKind.RECOVERY] if recovery else [])
    return VendorSummary(
        id=row.id,
        name=row.name,
        services=json_list(row.services),
        contact_count=row.contact_count,
        credential_ids=json_list(row.credential_ids),
        flags=flags,
        version=row.version,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def contacts_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    contacts = document.get("contacts", [])
    return [dict(c) for c in contacts] if isinstance(contacts, list) else []


def contact_fields(item: dict[str, Any]) -> ContactFields:
    return ContactFields(
        name=str(item.get("name", "")),
        role=ContactRole(item.get("role", ContactRole.AUTHORISED.value)),
        email=str(item.get("email", "")),
        phone=str(item.get("phone", "")),
        departing=bool(item.get("departing", False)),
    )


def add_marked_leavers(departing: Departing, documents: Iterable[dict[str, Any]]) -> None:
    """Count every contact marked as the leaver, at any vendor, as the departing person."""
    for document in documents:
        for item in contacts_of(document):
            if item.get("departing"):
                departing.add(contact_fields(item))


class VendorRecords:
    """Finding a vendor, checking what is typed, building and saving its sealed document."""

    def __init__(self, ctx: VaultContext) -> None:
        self.ctx = ctx

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
        document: dict[str, Any] = {key: getattr(fields, key) for key in SEALED_FIELDS}
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
