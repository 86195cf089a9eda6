"""What ties a vendor to the leaver: its flags, worked out from its sealed contacts.

The flags are kept as plaintext booleans, so an auditor without the `cred` key still sees which
services are exposed; they are worked out again whenever a vendor changes and whenever someone
holding the key reads the list.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from itexit.domain.errors import ItexitError
from itexit.domain.roles import Permission, Scope
from itexit.domain.vendors import Departing, FlagKind, tie_flags
from itexit.services.vendors.records import (
    StaleFlags,
    VendorRecords,
    add_marked_leavers,
    contact_fields,
    contacts_of,
)
from itexit.store.vendors import Vendor


class VendorFlags(VendorRecords):
    """Who is leaving, and each vendor's flags against them."""

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
        add_marked_leavers(departing, documents.values())
        stale: StaleFlags = []
        for row in rows:
            contacts = [contact_fields(c) for c in contacts_of(documents[row.id])]
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
