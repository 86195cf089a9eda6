"""The credential inventory: add, list, and reveal (audited before anything is shown)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from itexit.domain.credentials import (
    Category,
    CredentialStatus,
    CredentialSummary,
    NewCredential,
    Source,
)
from itexit.domain.errors import BadInput, IntegrityFailure, NotFound
from itexit.domain.models import Tile
from itexit.domain.reminders import Reminder
from itexit.domain.roles import Permission, Scope
from itexit.services.context import VaultContext
from itexit.store.models import Credential, SecretVersion
from itexit.vault.keys import fingerprint

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

REVEALABLE = ("password", "username", "notes")


def to_summary(row: Credential) -> CredentialSummary:
    return CredentialSummary(
        id=row.id,
        system=row.system,
        host=row.host,
        category=Category(row.category),
        status=CredentialStatus(row.status),
        known_to_departing=row.known_to_departing,
        rotation_due=row.rotation_due,
        rotation_reason=row.rotation_reason,
        source=Source(row.source),
        last_verified=row.last_verified_at,
        version=row.version,
    )


class CredentialService:
    def __init__(self, ctx: VaultContext) -> None:
        self.ctx = ctx

    def add(self, new: NewCredential) -> CredentialSummary:
        self.ctx.require(Permission.CRED_WRITE)
        system = new.system.strip()
        if not system:
            raise BadInput("A credential needs the name of the system it opens.")
        cred = Credential(
            id=str(uuid.uuid4()),
            system=system[:200],
            host=new.host.strip()[:255],
            category=new.category.value,
            status=CredentialStatus.UNVERIFIED.value,
            known_to_departing=new.known_to_departing,
            rotation_due=new.known_to_departing,
            rotation_reason="known to the departing person" if new.known_to_departing else "",
            source=new.source.value,
            version=1,
        )
        secret = SecretVersion(
            id=str(uuid.uuid4()), credential_id=cred.id, stage="current", version=1
        )
        with self.ctx.transaction() as session:
            self.ctx.seal(cred, {"username": new.username, "notes": new.notes}, Scope.CRED)
            self.ctx.seal(secret, {"secret": new.secret.get_secret_value()}, Scope.CRED)
            session.add(cred)
            session.add(secret)
            session.flush()
            self.ctx.record(
                session,
                "cred.add",
                cred.system,
                credential_id=cred.id,
                secret=fingerprint(
                    self.ctx.scope_key(Scope.CRED.value),
                    cred.id + "\x00" + new.secret.get_secret_value(),
                ),
            )
        return to_summary(cred)

    def list(self) -> list[CredentialSummary]:
        self.ctx.require(Permission.CRED_LIST)
        with self.ctx.reading() as session:
            return [
                to_summary(r)
                for r in session.scalars(select(Credential).order_by(Credential.system))
            ]

    def _find(self, session: object, ref: str) -> Credential:
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        row = (
            session.get(Credential, ref)
            or session.scalars(select(Credential).where(Credential.system == ref)).first()
        )
        if row is None:
            raise NotFound(f"There is no credential {ref!r}.")
        return row

    def reveal(self, ref: str, field: str = "password") -> str:
        """Audit first, then decrypt: if the audit write fails, nothing is shown."""
        self.ctx.require(Permission.CRED_REVEAL)
        if field not in REVEALABLE:
            raise BadInput(f"Choose one of: {', '.join(REVEALABLE)}.")
        with self.ctx.transaction() as session:
            cred = self._find(session, ref)
            self.ctx.record(session, "cred.reveal", cred.system, credential_id=cred.id, field=field)
        with self.ctx.reading() as session:
            cred = self._find(session, ref)
            if field == "password":
                current = session.scalars(
                    select(SecretVersion).where(
                        SecretVersion.credential_id == cred.id, SecretVersion.stage == "current"
                    )
                ).first()
                if current is None:
                    raise IntegrityFailure(
                        f"{cred.system} has no current secret: the vault was altered."
                    )
                return str(self.ctx.unseal(current)["secret"])
            return str(self.ctx.unseal(cred).get(field, ""))


_DONE = ("rotated", "locked_out")


def tiles(ctx: VaultContext, today: date) -> list[Tile]:
    """The credential tiles of the dashboard."""
    from sqlalchemy import func

    with ctx.reading() as session:
        total = int(session.scalar(select(func.count()).select_from(Credential)) or 0)
        to_rotate = int(
            session.scalar(
                select(func.count())
                .select_from(Credential)
                .where(
                    (Credential.rotation_due | Credential.known_to_departing)
                    & Credential.status.not_in(_DONE)
                )
            )
            or 0
        )
    return [
        Tile(
            key="credentials",
            title="Credentials to rotate",
            count=to_rotate if total else None,
            caption=f"of {total} in the inventory" if total else "not set up yet",
            severity=("alert" if to_rotate else "ok") if total else "idle",
            screen="credentials",
        )
    ]


def reminders(ctx: VaultContext, today: date) -> list[Reminder]:
    """Credentials still to rotate are not dated; this area raises nothing for `remind` yet."""
    return []


def build_demo(vault: UnlockedVault, today: date) -> None:
    """The demo practice's credentials, from data/demo_practice.toml."""
    import random

    from pydantic import SecretStr

    from itexit.services.demo import SEED, demo_definition, demo_secret

    rng = random.Random(SEED)
    service = CredentialService(vault.ctx)
    for item in demo_definition()["credentials"]:
        service.add(
            NewCredential(
                system=item["system"],
                host=item.get("host", ""),
                category=Category(item["category"]),
                username=item.get("username", ""),
                secret=SecretStr(demo_secret(rng)),
                known_to_departing=bool(item.get("known_to_departing", False)),
                notes="Handed over by Gary on his last week."
                if item.get("known_to_departing")
                else "",
            )
        )
