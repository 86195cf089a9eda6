"""A credential's end: retired (the system is gone; its history stays) or deleted (entered by
mistake, never checked).

Retiring is recorded three times over: `retired_at` (so lists and counts can leave it out in
SQL), a `retired` entry in the credential's sealed document, and a history entry and audit row.
Someone with write access to the database could set `retired_at` on a credential to hide it from
the rotation campaign; the sealed entry cannot be forged without the key, so a retirement the
document does not confirm is refused as an alteration whenever the list is read with the key.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from itexit.domain.credentials import CredentialStatus, CredentialSummary, SecretStage
from itexit.domain.errors import BadInput, IntegrityFailure
from itexit.domain.roles import Permission, Scope
from itexit.services.context import VaultContext, check_version
from itexit.services.credentials.records import (
    add_event,
    find,
    secret_fingerprint,
    secret_row,
    to_summary,
)
from itexit.store.inventory import CredentialEvent
from itexit.store.models import Credential, SecretVersion, utcnow

REASON_MIN = 3
REASON_MAX = 500

_HISTORY_OF_CHECKS = ("added", "secret_replaced")
"""The only history entries a credential may have and still be deleted rather than retired."""


def check_retirements(ctx: VaultContext, session: Session) -> None:
    """Refuse a credential marked retired outside the app: its sealed document must say so."""
    if not ctx.holds(Scope.CRED):
        return
    for row in session.scalars(select(Credential).where(Credential.retired_at.is_not(None))):
        if not isinstance(ctx.unseal(row).get("retired"), dict):
            raise IntegrityFailure(
                f"{row.system} ({row.id}) is marked retired, but not by itexit: the vault was "
                "altered. Restore it from a backup, or ask the practice's IT consultant."
            )


def retire(
    ctx: VaultContext, ref: str, reason: str, expected_version: int | None = None
) -> CredentialSummary:
    """Take a credential off the active list, keeping its history, secrets and audit record."""
    ctx.require(Permission.CRED_WRITE)
    reason = " ".join(reason.split())
    if len(reason) < REASON_MIN:
        raise BadInput("Say why the credential is retired (e.g. the system was switched off).")
    if len(reason) > REASON_MAX:
        raise BadInput(f"A reason has at most {REASON_MAX} characters.")
    with ctx.transaction() as session:
        cred = find(session, ref)
        check_version(cred, expected_version)
        if cred.retired_at is not None:
            raise BadInput(f"{cred.system} was already retired on {cred.retired_at:%Y-%m-%d}.")
        now = utcnow()
        doc = ctx.unseal(cred)
        doc["retired"] = {"at": now.isoformat(), "by": ctx.actor.name, "reason": reason}
        cred.retired_at = now
        ctx.seal(cred, doc)
        add_event(ctx, session, cred, kind="retired", stage="", outcome="saved", note=reason)
        session.flush()
        ctx.record(
            session,
            "cred.retire",
            cred.system,
            credential_id=cred.id,
            status=cred.status,
            reason=reason,
        )
        return to_summary(cred)


def delete_credential(ctx: VaultContext, ref: str, expected_version: int | None = None) -> str:
    """Remove a credential recorded by mistake; one that was ever checked must be retired."""
    ctx.require(Permission.CRED_WRITE)
    with ctx.transaction() as session:
        cred = find(session, ref)
        check_version(cred, expected_version)
        steps = session.scalar(
            select(func.count())
            .select_from(CredentialEvent)
            .where(
                CredentialEvent.credential_id == cred.id,
                CredentialEvent.kind.not_in(_HISTORY_OF_CHECKS),
            )
        )
        others = session.scalar(
            select(func.count())
            .select_from(SecretVersion)
            .where(
                SecretVersion.credential_id == cred.id,
                SecretVersion.stage != SecretStage.CURRENT.value,
            )
        )
        if steps or others or cred.status != CredentialStatus.UNVERIFIED.value:
            raise BadInput(
                f"{cred.system} has a history of checks or rotations: retire it instead "
                f"(itexit cred retire {cred.id} --reason TEXT), so its record stays."
            )
        current = secret_row(session, cred.id, SecretStage.CURRENT)
        details: dict[str, str] = {"credential_id": cred.id, "category": cred.category}
        if current is not None:
            value = str(ctx.unseal(current).get("secret", ""))
            details["secret"] = secret_fingerprint(ctx, cred.id, value)
        system = cred.system
        session.execute(delete(CredentialEvent).where(CredentialEvent.credential_id == cred.id))
        session.execute(delete(SecretVersion).where(SecretVersion.credential_id == cred.id))
        session.delete(cred)
        session.flush()
        ctx.record(session, "cred.delete", system, **details)
        return system
