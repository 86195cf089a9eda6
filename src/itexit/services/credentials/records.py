"""A credential's rows: finding one, its summary, its secret versions, fingerprints and history.

The shared lower part of the credentials area: the credential service, rotation, retirement, the
change runs and the exports all build on it, and it imports none of them.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itexit.domain.credentials import (
    Category,
    CredentialStatus,
    CredentialSummary,
    PasswordPolicy,
    SecretStage,
    Source,
)
from itexit.domain.errors import BadInput, NotFound
from itexit.domain.roles import Scope
from itexit.services.context import VaultContext, plain_enum
from itexit.store.inventory import CredentialEvent
from itexit.store.models import Credential, SecretVersion, utcnow

_E = TypeVar("_E", bound=Enum)


def to_summary(row: Credential) -> CredentialSummary:
    return CredentialSummary(
        id=row.id,
        system=row.system,
        host=row.host,
        category=plain_enum(Category, row, "category"),
        status=plain_enum(CredentialStatus, row, "status"),
        known_to_departing=row.known_to_departing,
        rotation_due=row.rotation_due,
        rotation_reason=row.rotation_reason,
        source=plain_enum(Source, row, "source"),
        last_verified=row.last_verified_at,
        version=row.version,
        port=row.port,
        verifier=row.verifier,
        recovery_tied=bool(row.recovery_tied),
        rotated_at=row.rotated_at,
        locked_out_at=row.locked_out_at,
        retired_at=row.retired_at,
    )


CHANGED_REASON = "changed outside itexit: put it back (P), then rotate it"


def changed_summary(row: Credential) -> CredentialSummary:
    """A credential whose states were changed outside itexit, as the lists show it: at its
    worst (known to the departing person, due for rotation, in use), its plain values only
    where itexit knows them."""

    def known(kind: type[_E], column: str, default: _E) -> _E:
        try:
            return kind(getattr(row, column))
        except ValueError:
            return default

    return CredentialSummary(
        id=row.id,
        system=row.system,
        host=row.host,
        category=known(Category, "category", Category.OTHER),
        status=known(CredentialStatus, "status", CredentialStatus.UNVERIFIED),
        known_to_departing=True,
        rotation_due=True,
        rotation_reason=CHANGED_REASON,
        source=known(Source, "source", Source.HANDED_OVER),
        last_verified=row.last_verified_at,
        version=row.version,
        port=row.port,
        verifier=row.verifier,
        recovery_tied=bool(row.recovery_tied),
        changed_outside=True,
    )


def load_policy(row: Credential) -> PasswordPolicy:
    if not row.policy:
        return PasswordPolicy()
    try:
        return PasswordPolicy.model_validate_json(row.policy)
    except ValidationError:
        return PasswordPolicy()


def host_and_port(new_host: str, url: str, port: int | None) -> tuple[str, int | None]:
    """What lists show: the host given, or the one in the URL; the port given or the URL's."""
    host = new_host.strip()
    if url.strip():
        text = url.strip()
        try:
            parts = urlsplit(text if "://" in text else f"//{text}")
        except ValueError:  # e.g. an unclosed "[" of an IPv6 address
            raise BadInput(f"{text!r} is not a web address that can be read.") from None
        if not host:
            host = parts.hostname or ""
        if port is None:
            try:
                port = parts.port
            except ValueError:
                raise BadInput(f"The port in {text!r} is not a number from 1 to 65535.") from None
    return host[:255], port


def secret_fingerprint(ctx: VaultContext, credential_id: str, secret: str) -> str:
    return ctx.fingerprint(Scope.CRED, credential_id + "\x00" + secret)


def find(session: Session, ref: str) -> Credential:
    """A credential by id, or by its exact system name (case-insensitive when unambiguous)."""
    row = session.get(Credential, ref)
    if row is not None:
        return row
    rows = list(session.scalars(select(Credential).where(Credential.system == ref)))
    if not rows:
        rows = list(
            session.scalars(
                select(Credential).where(func.lower(Credential.system) == ref.strip().lower())
            )
        )
    rows = [r for r in rows if r.retired_at is None] or rows  # a name means the one in use
    if len(rows) > 1:
        raise BadInput(f"More than one credential is called {ref!r}; use its id.")
    if not rows:
        raise NotFound(f"There is no credential {ref!r}.")
    return rows[0]


def secret_row(session: Session, credential_id: str, stage: SecretStage) -> SecretVersion | None:
    return session.scalars(
        select(SecretVersion).where(
            SecretVersion.credential_id == credential_id, SecretVersion.stage == stage.value
        )
    ).first()


def add_event(
    ctx: VaultContext,
    session: Session,
    cred: Credential,
    *,
    kind: str,
    stage: str,
    outcome: str,
    detail: str = "",
    attested_how: str = "",
    note: str = "",
    first: bool = False,
    pending: list[Any] | None = None,
) -> None:
    """Append one sealed history entry for the credential, in the caller's transaction."""
    last = (
        0
        if first
        else session.scalar(
            select(func.max(CredentialEvent.seq)).where(CredentialEvent.credential_id == cred.id)
        )
    )
    event = CredentialEvent(
        id=str(uuid.uuid4()),
        credential_id=cred.id,
        seq=int(last or 0) + 1,
        actor_name=ctx.actor.name,
        kind=kind,
        stage=stage,
        outcome=outcome,
        status_after=cred.status,
        version=1,
    )
    event.at = utcnow()
    ctx.seal(
        event,
        {"detail": detail[:500], "attested_how": attested_how[:500], "note": note[:2000]},
        Scope.CRED,
    )
    if pending is not None:
        pending.append(event)  # the caller adds it after the credential row is flushed
    else:
        session.add(event)
