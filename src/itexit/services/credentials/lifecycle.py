"""A credential's end: retired (the system is gone; its history stays) or deleted (entered by
mistake, never checked).

Retiring is recorded three times over: `retired_at` (so lists and counts can leave it out in
SQL), a `retired` entry in the credential's sealed document, and a history entry and audit row.
Someone with write access to the database could set `retired_at` on a credential to hide it from
the rotation campaign; the sealed entry cannot be forged without the key, so a retirement the
document does not confirm is an alteration: the list read with the key shows that credential at
its worst (known to the departing person, due for rotation) until it is put back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select

from itexit.domain.credentials import CredentialStatus, CredentialSummary, SecretStage, Source
from itexit.domain.errors import BadInput, IntegrityFailure
from itexit.domain.roles import Permission
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


def changed_outside(ctx: VaultContext, row: Credential) -> bool:
    """Whether a credential's states were changed outside itexit: they no longer match what it
    sealed and tagged, or it is marked retired though its sealed record does not say so."""
    if not ctx.keys.holds_scope(row.scope):
        return False
    document = ctx.unseal_unchanged(row)
    if document is None:
        return True
    return row.retired_at is not None and not isinstance(document.get("retired"), dict)


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


PUT_BACK_REASON = "changed outside itexit, then put back: to rotate"


def put_back(ctx: VaultContext, ref: str) -> tuple[CredentialSummary, list[str]]:
    """Put back what itexit sealed for a credential whose states were changed outside it, and
    mark it to rotate: what it sealed (address, check, status, retirement) is restored from its
    sealed record; what it could not seal (whether the leaver knew it, when it was rotated) is
    taken at its worst, known to the departing person and due for rotation. Returns the
    credential and the names of the columns that had been changed."""
    ctx.require(Permission.CRED_WRITE)
    with ctx.transaction() as session:
        cred = find(session, ref)
        if not changed_outside(ctx, cred):
            raise BadInput(
                f"{cred.system} matches what itexit sealed: there is nothing to put back."
            )
        try:
            doc, sealed = ctx.sealed_states(cred)
        except IntegrityFailure:
            raise IntegrityFailure(
                f"The credential {cred.id} cannot be put back: its name, category or "
                "version was changed too, so its sealed record no longer opens. Restore the "
                "vault from a backup (itexit restore)."
            ) from None
        before = {name: getattr(cred, name) for name in Credential.TAGGED}
        for name in Credential.BOUND:
            if name in sealed:
                setattr(cred, name, sealed[name])
        retired = doc.get("retired")
        cred.retired_at = _when(retired.get("at")) if isinstance(retired, dict) else None
        cred.recovery_tied = bool(
            doc.get("recovery_email") or doc.get("recovery_phone") or doc.get("recovery_mfa_device")
        )
        if cred.status not in {s.value for s in CredentialStatus}:
            cred.status = CredentialStatus.UNVERIFIED.value
        if cred.source not in {s.value for s in Source}:
            cred.source = Source.HANDED_OVER.value
        changed = sorted(n for n in Credential.TAGGED if getattr(cred, n) != before[n])
        cred.known_to_departing = True
        cred.rotation_due = True
        cred.rotated_at = None
        cred.rotation_reason = PUT_BACK_REASON
        ctx.seal(cred, doc)
        add_event(
            ctx,
            session,
            cred,
            kind="put_back",
            stage="",
            outcome="saved",
            note="Changed outside itexit; what itexit sealed was put back and it is due for "
            "rotation.",
        )
        session.flush()
        ctx.record(session, "cred.put_back", cred.system, credential_id=cred.id, changed=changed)
        return to_summary(cred), changed


def _when(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return utcnow()  # sealed as retired, its date unreadable: retired all the same
