"""Adding credentials, one or many, each with its sealed secret, first history entry and audit.

A lower module than the credential service, so a larger use case (an exit statement's hand-over
turning into credentials) adds them in its own transaction without reaching back up.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from itexit.domain.credentials import (
    CredentialStatus,
    CredentialSummary,
    NewCredential,
    SecretStage,
)
from itexit.domain.errors import BadInput
from itexit.domain.roles import Permission, Scope
from itexit.domain.wording import count
from itexit.services.context import VaultContext
from itexit.services.credentials.records import (
    add_event,
    host_and_port,
    secret_fingerprint,
    to_summary,
)
from itexit.store.models import Credential, SecretVersion

AUDIT_BATCH = 500
"""`add_many` writes one audit row per this many credentials, listing each id and fingerprint."""


def build(ctx: VaultContext, new: NewCredential) -> tuple[Credential, SecretVersion, str]:
    system = new.system.strip()
    if not system:
        raise BadInput("A credential needs the name of the system it opens.")
    if len(system) > 200:
        raise BadInput("A system name has at most 200 characters.")
    host, port = host_and_port(new.host, new.url, new.port)
    tied = bool(
        new.recovery_email.strip() or new.recovery_phone.strip() or new.recovery_mfa_device.strip()
    )
    verifier = new.verifier.strip().lower() or "manual"
    if len(verifier) > 24:
        raise BadInput(f"{verifier!r} is not a verifier name.")
    due = new.known_to_departing or tied
    cred = Credential(
        id=str(uuid.uuid4()),
        system=system,
        host=host,
        port=port,
        category=new.category.value,
        status=CredentialStatus.UNVERIFIED.value,
        known_to_departing=new.known_to_departing,
        rotation_due=due,
        rotation_reason=(
            "known to the departing person"
            if new.known_to_departing
            else "the departing person is a recovery channel"
            if tied
            else ""
        ),
        recovery_tied=tied,
        source=new.source.value,
        verifier=verifier,
        policy=new.policy.model_dump_json() if new.policy else "",
        version=1,
    )
    secret_value = new.secret.get_secret_value()
    secret = SecretVersion(
        id=str(uuid.uuid4()), credential_id=cred.id, stage=SecretStage.CURRENT.value, version=1
    )
    doc: dict[str, Any] = {
        "username": new.username,
        "notes": new.notes,
        "url": new.url.strip(),
        "owner": new.owner.strip(),
        "totp_seed": new.totp_seed.get_secret_value(),
        "recovery_codes": new.recovery_codes.get_secret_value(),
        "recovery_email": new.recovery_email.strip(),
        "recovery_phone": new.recovery_phone.strip(),
        "recovery_mfa_device": new.recovery_mfa_device.strip(),
        "tls": new.tls,
        "path": new.path,
        "endpoint_options": dict(new.endpoint_options),
        "sweep_admin": new.sweep_admin,
    }
    ctx.seal(cred, doc, Scope.CRED)
    ctx.seal(secret, {"secret": secret_value}, Scope.CRED)
    return cred, secret, secret_value


def add(ctx: VaultContext, new: NewCredential) -> CredentialSummary:
    ctx.require(Permission.CRED_WRITE)
    with ctx.transaction() as session:
        cred, secret, value = build(ctx, new)
        session.add(cred)
        session.flush()
        session.add(secret)
        add_event(ctx, session, cred, kind="added", stage="current", outcome="saved", first=True)
        session.flush()
        ctx.record(
            session,
            "cred.add",
            cred.system,
            credential_id=cred.id,
            source=cred.source,
            secret=secret_fingerprint(ctx, cred.id, value),
        )
        return to_summary(cred)


def add_many(
    ctx: VaultContext,
    items: list[NewCredential],
    *,
    on_progress: Callable[[int, int], None] | None = None,
    summary_audit: tuple[str, str, dict[str, Any]] | None = None,
) -> list[CredentialSummary]:
    """Add every item in one transaction: all are added, or (on any error) none is.

    `summary_audit` (action, target, details) adds one more audit row in the same
    transaction, so an import's own record commits with its credentials or not at all.

    The audit log gets one `cred.add_many` row per 500 credentials, listing each id, system
    and secret fingerprint, so a large import neither floods nor escapes the log.
    """
    ctx.require(Permission.CRED_WRITE)
    total = len(items)
    if total == 0:
        return []
    out: list[CredentialSummary] = []
    with ctx.transaction() as session:
        batch: list[dict[str, str]] = []
        parents: list[Credential] = []
        children: list[Any] = []
        for index, new in enumerate(items, start=1):
            try:
                cred, secret, value = build(ctx, new)
            except BadInput as exc:
                raise BadInput(f"Item {index} ({new.system[:60]!r}): {exc}") from None
            parents.append(cred)
            children.append(secret)
            add_event(
                ctx,
                session,
                cred,
                kind="added",
                stage="current",
                outcome="saved",
                first=True,
                pending=children,
            )
            out.append(to_summary(cred))
            batch.append(
                {
                    "id": cred.id,
                    "system": cred.system,
                    "secret": secret_fingerprint(ctx, cred.id, value),
                }
            )
            if len(batch) >= AUDIT_BATCH or index == total:
                session.add_all(parents)
                session.flush()
                session.add_all(children)
                session.flush()
                parents, children = [], []
                ctx.record(session, "cred.add_many", count(len(batch), "credential"), items=batch)
                batch = []
            if on_progress is not None:
                on_progress(index, total)
        if summary_audit is not None:
            action, target, details = summary_audit
            ctx.record(session, action, target, **details)
    return out
