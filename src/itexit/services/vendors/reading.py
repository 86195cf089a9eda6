"""Reading vendors: the list every role may read, and one vendor in full for a key holder."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itexit.domain.roles import Permission, Scope
from itexit.domain.vendors import (
    Departing,
    LinkedCredential,
    VendorContact,
    VendorDetail,
    VendorFlag,
    VendorSummary,
    sealed_flag_message,
    tie_flags,
)
from itexit.services.vendors.flags import VendorFlags
from itexit.services.vendors.records import (
    SEALED_FIELDS,
    add_marked_leavers,
    contact_fields,
    contacts_of,
    json_list,
    to_summary,
)
from itexit.store.models import Credential
from itexit.store.vendors import Vendor


class VendorReading(VendorFlags):
    """The list, one vendor, and how many are tied to the leaver."""

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
                to_summary(
                    row,
                    any(cid in tied for cid in json_list(row.credential_ids)),
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

    def tied_count(self) -> tuple[int, int]:
        """(services tied to the leaver, vendors in all), from plaintext columns only."""
        summaries = self.list()
        return sum(1 for s in summaries if s.tied), len(summaries)

    def _detail(self, session: Session, row: Vendor, departing: Departing | None) -> VendorDetail:
        ids = json_list(row.credential_ids)
        credentials = [
            LinkedCredential(
                id=c.id, system=c.system, status=c.status, recovery_tied=c.recovery_tied
            )
            for c in session.scalars(
                select(Credential).where(Credential.id.in_(ids)).order_by(Credential.system)
            )
        ]
        recovery = [c.system for c in credentials if c.recovery_tied]
        summary = to_summary(row, bool(recovery))
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
        add_marked_leavers(departing, documents.values())
        document = documents[row.id]
        contacts = [
            VendorContact(
                id=str(item.get("id", "")),
                **contact_fields(item).model_dump(),
                is_departing=departing.matches(contact_fields(item)),
            )
            for item in contacts_of(document)
        ]
        flags = tie_flags(row.name, contacts, departing, recovery)
        return VendorDetail(
            **{**summary.model_dump(), "flags": [flag.kind for flag in flags]},
            **{key: str(document.get(key, "")) for key in SEALED_FIELDS},
            contacts=contacts,
            credentials=credentials,
            flag_details=flags,
        )
