"""A credential marked as an admin account the sweep may use on its host.

The mark lives in the credential's sealed document, so it cannot be set in SQL behind the app's
back to point the sweep, and the admin secret with it, at another account.
"""

from __future__ import annotations

from itexit.domain.credentials import CredentialSummary
from itexit.domain.roles import Permission
from itexit.services.context import VaultContext
from itexit.services.credentials.records import find, to_summary


def set_sweep_admin(ctx: VaultContext, ref: str, admin: bool) -> CredentialSummary:
    """Mark (or unmark) the credential for the sweep; the change is audited."""
    ctx.require(Permission.CRED_WRITE)
    with ctx.transaction() as session:
        cred = find(session, ref)
        doc = ctx.unseal(cred)
        if bool(doc.get("sweep_admin", False)) != admin:
            doc["sweep_admin"] = admin
            ctx.seal(cred, doc)
            session.flush()
            ctx.record(session, "cred.sweep_admin", cred.system, credential_id=cred.id, admin=admin)
        return to_summary(cred)
