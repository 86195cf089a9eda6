"""The credential inventory: add (one or many), list, describe, edit, reveal and copy.

Reveal and copy are audited before anything is decrypted for the person. Rotation and
verification live in `rotation.py`; this service forwards to it so screens and commands
hold one object (`session.credentials`).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import date
from typing import Any

from pydantic import SecretStr
from sqlalchemy import ColumnElement, func, or_, select

from itexit.domain.credentials import (
    CATEGORY_LABELS,
    Campaign,
    CampaignItem,
    Category,
    CheckOutcome,
    CredentialDetail,
    CredentialEdit,
    CredentialStatus,
    CredentialSummary,
    HistoryEntry,
    NewCredential,
    PasswordPolicy,
    RotationStarted,
    SecretStage,
)
from itexit.domain.errors import BadInput, IntegrityFailure, NotFound
from itexit.domain.models import Tile
from itexit.domain.roles import Permission, Scope
from itexit.domain.rotation import (
    Step,
    campaign_done,
    check_allowed,
    finished,
    in_campaign,
    leverage_rank,
    next_step,
)
from itexit.services.context import VaultContext, check_version
from itexit.services.credentials import adding as cred_adding
from itexit.services.credentials import admin as cred_admin
from itexit.services.credentials import lifecycle as cred_lifecycle
from itexit.services.credentials.records import (
    add_event,
    changed_summary,
    find,
    host_and_port,
    load_policy,
    secret_fingerprint,
    secret_row,
    to_summary,
)
from itexit.services.credentials.rotation import RotationService, VerifierLookup
from itexit.services.exposures.credentials import still_to_rotate, with_exposure
from itexit.store.inventory import CredentialEvent
from itexit.store.models import Credential

REVEALABLE = ("password", "username", "notes", "totp", "recovery_codes", "pending", "previous")
"""Fields a person may ask to see; `password` is the current secret."""

_DOC_FIELDS = (
    "username",
    "notes",
    "url",
    "owner",
    "totp_seed",
    "recovery_codes",
    "recovery_email",
    "recovery_phone",
    "recovery_mfa_device",
    "tls",
    "path",
    "endpoint_options",
)


def _with_exposure(ctx: VaultContext, rows: list[CredentialSummary]) -> list[CredentialSummary]:
    return with_exposure(ctx, rows)


class CredentialService:
    def __init__(self, ctx: VaultContext, verifiers: VerifierLookup | None = None) -> None:
        self.ctx = ctx
        self.verifiers = verifiers
        """Finds a verifier by name; None uses `itexit.verifiers.get_verifier`."""
        self.timeout = 10.0
        """Seconds a verifier may take before the check counts as unreachable."""

    # --- adding -------------------------------------------------------------------------------

    def add(self, new: NewCredential) -> CredentialSummary:
        return cred_adding.add(self.ctx, new)

    def add_many(
        self,
        items: builtins.list[NewCredential],
        *,
        on_progress: Callable[[int, int], None] | None = None,
        summary_audit: tuple[str, str, dict[str, Any]] | None = None,
    ) -> builtins.list[CredentialSummary]:
        """Add every item in one transaction: all are added, or (on any error) none is
        (`services/credentials/adding.py`)."""
        return cred_adding.add_many(
            self.ctx, items, on_progress=on_progress, summary_audit=summary_audit
        )

    # --- reading ------------------------------------------------------------------------------

    def list(
        self, search: str = "", status: CredentialStatus | None = None, retired: bool = False
    ) -> list[CredentialSummary]:
        """Every credential in use (or only the retired), by system; `search` as `matches`."""
        self.ctx.require(Permission.CRED_LIST)
        checked = self.ctx.holds(Scope.CRED)
        with self.ctx.reading() as session:
            query = select(Credential).order_by(Credential.system, Credential.id)
            if not checked:  # a key holder also sees a row hidden by a retirement made in SQL
                query = query.where(Credential.retired_at.is_not(None) == retired)
            if status is not None:
                query = query.where(Credential.status == status.value)
            for word in search.lower().split():
                query = query.where(search_clause(word))
            rows: list[CredentialSummary] = []
            changed: list[CredentialSummary] = []
            for row in session.scalars(query):
                if checked and cred_lifecycle.changed_outside(self.ctx, row):
                    changed.append(changed_summary(row))  # shown at its worst, never left out
                elif (row.retired_at is not None) == retired:
                    try:
                        rows.append(to_summary(row))
                    except IntegrityFailure:  # a value itexit never writes: changed outside it
                        changed.append(changed_summary(row))
        rows = _with_exposure(self.ctx, rows)
        if retired or not changed:
            return rows
        return sorted([*rows, *changed], key=lambda r: (r.system, r.id))

    def put_back(self, ref: str) -> tuple[CredentialSummary, builtins.list[str]]:
        """Put back what itexit sealed for a credential changed outside it, and mark it to
        rotate (`services/credentials/lifecycle.py`)."""
        return cred_lifecycle.put_back(self.ctx, ref)

    def detail(self, ref: str) -> CredentialDetail:
        """Everything but the secrets; the sealed fields only when the reader holds the key."""
        self.ctx.require(Permission.CRED_LIST)
        with self.ctx.reading() as session:
            cred = find(session, ref)
            summary = to_summary(cred)
            policy = load_policy(cred)
            if not self.ctx.holds(Scope.CRED):
                return CredentialDetail(summary=summary, policy=policy, sealed=False)
            doc = self.ctx.unseal(cred)
            has_pending = secret_row(session, cred.id, SecretStage.PENDING) is not None
            has_previous = secret_row(session, cred.id, SecretStage.PREVIOUS) is not None
        return CredentialDetail(
            summary=summary,
            url=str(doc.get("url", "")),
            username=str(doc.get("username", "")),
            notes=str(doc.get("notes", "")),
            owner=str(doc.get("owner", "")),
            recovery_email=str(doc.get("recovery_email", "")),
            recovery_phone=str(doc.get("recovery_phone", "")),
            recovery_mfa_device=str(doc.get("recovery_mfa_device", "")),
            has_totp=bool(doc.get("totp_seed")),
            has_recovery_codes=bool(doc.get("recovery_codes")),
            has_pending=has_pending,
            has_previous=has_previous,
            tls=str(doc.get("tls", "tls")),
            path=str(doc.get("path", "")),
            endpoint_options=dict(doc.get("endpoint_options") or {}),
            policy=policy,
            sweep_admin=bool(doc.get("sweep_admin", False)),
            sealed=True,
            retired_reason=str((doc.get("retired") or {}).get("reason", "")),
        )

    def history(self, ref: str) -> builtins.list[HistoryEntry]:
        """Every verification, attestation and rotation step, oldest first."""
        self.ctx.require(Permission.CRED_LIST)
        with self.ctx.reading() as session:
            cred = find(session, ref)
            events = list(
                session.scalars(
                    select(CredentialEvent)
                    .where(CredentialEvent.credential_id == cred.id)
                    .order_by(CredentialEvent.seq)
                )
            )
            sealed = self.ctx.holds(Scope.CRED)
            out = []
            for event in events:
                doc = self.ctx.unseal(event) if sealed else {}
                out.append(
                    HistoryEntry(
                        at=event.at,
                        actor=event.actor_name,
                        kind=event.kind,
                        stage=event.stage,
                        outcome=event.outcome,
                        status_after=event.status_after,
                        detail=str(doc.get("detail", "")),
                        attested_how=str(doc.get("attested_how", "")),
                        note=str(doc.get("note", "")),
                    )
                )
            return out

    def summary(self, ref: str) -> CredentialSummary:
        """One credential as the list shows it, "to rotate" as the exposure ledger says."""
        self.ctx.require(Permission.CRED_LIST)
        with self.ctx.reading() as session:
            cred = find(session, ref)
            if cred_lifecycle.changed_outside(self.ctx, cred):
                return changed_summary(cred)
            row = to_summary(cred)
        return _with_exposure(self.ctx, [row])[0]

    def campaign(self) -> Campaign:
        """Every credential the departing person knew or that is due, by leverage: the domain,
        DNS and email admin first, because whoever holds them can reset everything else."""
        rows = [r for r in self.list() if in_campaign(r.known_to_departing, r.rotation_due)]
        rows.sort(
            key=lambda r: (
                finished(r.status, r.rotation_due),
                leverage_rank(r.category),
                not r.known_to_departing,
                r.system.lower(),
            )
        )
        items = [
            CampaignItem(
                summary=r,
                rank=leverage_rank(r.category),
                next_step="start rotation: the departing person could read the current secret"
                if r.rotation_due and campaign_done(r.status)
                else next_step(r.status),
            )
            for r in rows
        ]
        done = sum(1 for r in rows if finished(r.status, r.rotation_due))
        return Campaign(items=items, left=len(rows) - done, done=done)

    # --- secrets --------------------------------------------------------------------------------

    def reveal(self, ref: str, field: str = "password") -> str:
        """Audit first, then decrypt: if the audit write fails, nothing is shown."""
        return self._disclose(ref, field, "cred.reveal")

    def copy(self, ref: str, field: str = "password") -> str:
        """The same as reveal, audited as a copy to the clipboard."""
        return self._disclose(ref, field, "cred.copy")

    def _disclose(self, ref: str, field: str, action: str) -> str:
        self.ctx.require(Permission.CRED_REVEAL)
        if field not in REVEALABLE:
            raise BadInput(f"Choose one of: {', '.join(REVEALABLE)}.")
        stage = {"password": SecretStage.CURRENT, "pending": SecretStage.PENDING}.get(
            field, SecretStage.PREVIOUS if field == "previous" else None
        )
        with self.ctx.transaction() as session:
            cred = find(session, ref)
            if stage is not None and secret_row(session, cred.id, stage) is None:
                if stage is SecretStage.CURRENT:
                    raise IntegrityFailure(
                        f"{cred.system} has no current secret: the vault was altered."
                    )
                raise NotFound(f"{cred.system} has no {stage.value} secret.")
            self.ctx.record(session, action, cred.system, credential_id=cred.id, field=field)
            cred_id = cred.id
        with self.ctx.reading() as session:
            cred = find(session, cred_id)
            # The system name (and every bound column) is checked against the sealed record
            # first, so a secret is never shown under a name edited in the database.
            document = self.ctx.unseal(cred)
            if stage is not None:
                row = secret_row(session, cred.id, stage)
                if row is None:
                    raise NotFound(f"{cred.system} has no {stage.value} secret any more.")
                return str(self.ctx.unseal(row)["secret"])
            key = {"totp": "totp_seed"}.get(field, field)
            return str(document.get(key, ""))

    # --- editing --------------------------------------------------------------------------------

    def update(
        self, ref: str, edit: CredentialEdit, expected_version: int | None = None
    ) -> CredentialSummary:
        """Change a credential's description (and, when given, correct its current secret)."""
        self.ctx.require(Permission.CRED_WRITE)
        with self.ctx.transaction() as session:
            cred = find(session, ref)
            check_version(cred, expected_version)
            doc = self.ctx.unseal(cred)
            changed: list[str] = []
            if edit.system is not None:
                system = edit.system.strip()
                if not system:
                    raise BadInput("A credential needs the name of the system it opens.")
                if system != cred.system:
                    cred.system = system[:200]
                    changed.append("system")
            if edit.category is not None and edit.category.value != cred.category:
                cred.category = edit.category.value
                changed.append("category")
            if edit.known_to_departing is not None:
                if edit.known_to_departing != cred.known_to_departing:
                    changed.append("known_to_departing")
                cred.known_to_departing = edit.known_to_departing
                if edit.known_to_departing and not cred.rotation_due:
                    cred.rotation_due = True
                    cred.rotation_reason = "known to the departing person"
            if edit.verifier is not None and edit.verifier.strip().lower() != cred.verifier:
                cred.verifier = edit.verifier.strip().lower()[:24] or "manual"
                changed.append("verifier")
            if edit.policy is not None:
                cred.policy = edit.policy.model_dump_json()
                changed.append("policy")
            for name in _DOC_FIELDS:
                value = getattr(edit, name, None)
                if value is not None and value != doc.get(name):
                    doc[name] = value.strip() if isinstance(value, str) else value
                    changed.append(name)
            if edit.host is not None or edit.url is not None or edit.port is not None:
                host, port = host_and_port(
                    edit.host if edit.host is not None else cred.host,
                    str(doc.get("url", "")) if edit.url is not None else "",
                    edit.port if edit.port is not None else cred.port,
                )
                if (host, port) != (cred.host, cred.port):
                    cred.host, cred.port = host, port
                    changed.append("host")
            tied = bool(
                doc.get("recovery_email")
                or doc.get("recovery_phone")
                or doc.get("recovery_mfa_device")
            )
            if tied and not cred.recovery_tied and not cred.rotation_due:
                cred.rotation_due = True
                cred.rotation_reason = "the departing person is a recovery channel"
                changed.append("rotation_due")
            cred.recovery_tied = tied
            details: dict[str, Any] = {}
            if edit.secret is not None:
                check_allowed(Step.EDIT_SECRET, CredentialStatus(cred.status), cred.system)
                current = secret_row(session, cred.id, SecretStage.CURRENT)
                if current is None:
                    raise IntegrityFailure(f"{cred.system} has no current secret.")
                value = edit.secret.get_secret_value()
                self.ctx.seal(current, {"secret": value})
                cred.status = CredentialStatus.UNVERIFIED.value
                details["secret"] = secret_fingerprint(self.ctx, cred.id, value)
                changed.append("secret")
            if not changed:
                return to_summary(cred)
            self.ctx.seal(cred, doc)
            if "secret" in changed:
                add_event(
                    self.ctx,
                    session,
                    cred,
                    kind="secret_replaced",
                    stage="current",
                    outcome="saved",
                )
            session.flush()
            self.ctx.record(
                session, "cred.edit", cred.system, credential_id=cred.id, fields=changed, **details
            )
            return to_summary(cred)

    def set_policy(self, ref: str, policy: PasswordPolicy) -> CredentialSummary:
        return self.update(ref, CredentialEdit(policy=policy))

    def retire(self, ref: str, reason: str, version: int | None = None) -> CredentialSummary:
        """Off the active list for good (see `services/credentials/lifecycle.py`); history stays."""
        return cred_lifecycle.retire(self.ctx, ref, reason, version)

    def delete(self, ref: str, version: int | None = None) -> str:
        """Remove a credential added by mistake (never checked); returns its system name."""
        return cred_lifecycle.delete_credential(self.ctx, ref, version)

    def set_sweep_admin(self, ref: str, admin: bool) -> CredentialSummary:
        """Mark (or unmark) an admin account the sweep may use (`services/credentials/admin.py`)."""
        return cred_admin.set_sweep_admin(self.ctx, ref, admin)

    # --- rotation (see services/credentials/rotation.py) ------------------------------------------

    def _rotation(self, ref: str) -> RotationService:
        if (retired := self.detail(ref).summary).retired_at is not None:
            raise BadInput(f"{retired.system} is retired: it is no longer checked or rotated.")
        return RotationService(self.ctx, self.verifiers, self.timeout)

    def verify(
        self, ref: str, *, old: bool = False, attest: str | None = None, note: str = ""
    ) -> CheckOutcome:
        """Check the current secret (or, with `old`, that the previous one now fails)."""
        return self._rotation(ref).verify(ref, old=old, attest=attest, note=note)

    def start_rotation(
        self,
        ref: str,
        *,
        secret: SecretStr | None = None,
        policy: PasswordPolicy | None = None,
    ) -> RotationStarted:
        """Generate (or take) a new secret and commit it as PENDING before returning it."""
        return self._rotation(ref).start(ref, secret=secret, policy=policy)

    def confirm_rotation(
        self, ref: str, *, attest: str | None = None, note: str = ""
    ) -> CheckOutcome:
        """Verify the pending secret; promote it to current when it works."""
        return self._rotation(ref).confirm(ref, attest=attest, note=note)

    def reconcile(
        self,
        ref: str,
        *,
        attest: str | None = None,
        works: SecretStage | None = None,
        note: str = "",
    ) -> CheckOutcome:
        """Try pending, then current, then previous; keep the one that works."""
        return self._rotation(ref).reconcile(ref, attest=attest, works=works, note=note)


def search_clause(word: str) -> ColumnElement[bool]:
    """One search word in SQL, so a search loads only the rows it can match (`matches` agrees)."""
    categories = [
        c.value for c in Category if word in CATEGORY_LABELS[c].lower() or word in c.value
    ]
    return or_(
        func.lower(Credential.system).contains(word, autoescape=True),
        func.lower(Credential.host).contains(word, autoescape=True),
        Credential.category.in_(categories),
    )


def matches(summary: CredentialSummary, search: str) -> bool:
    """Type-to-filter: every word must appear in the system, host or category."""
    hay = " ".join(
        (summary.system, summary.host, CATEGORY_LABELS[summary.category], summary.category.value)
    ).lower()
    return all(word in hay for word in search.lower().split())


# --- dashboard, reminders -------------------------------------------------------------------

_DONE = (CredentialStatus.ROTATED.value, CredentialStatus.LOCKED_OUT.value)


def tiles(ctx: VaultContext, today: date) -> list[Tile]:
    """The credential tiles of the dashboard: to rotate, rotated, and old refused (proven dead).

    "To rotate" is what the exposure ledger derives: an old-refused credential whose current
    secret someone leaving could read is to rotate again.
    """
    exposed = still_to_rotate(ctx, today)
    with ctx.reading() as session:
        rows = session.execute(
            select(
                Credential.id,
                Credential.status,
                Credential.known_to_departing | Credential.rotation_due,
            ).where(Credential.retired_at.is_(None))
        ).all()
    total = len(rows)
    to_rotate = rotated = locked = reconcile = 0
    for cred_id, status, flagged in rows:
        if status == CredentialStatus.NEEDS_RECONCILE.value:
            reconcile += 1
        if cred_id in exposed or (flagged and status not in _DONE):
            to_rotate += 1
        elif flagged and status == CredentialStatus.ROTATED.value:
            rotated += 1
        elif flagged and status == CredentialStatus.LOCKED_OUT.value:
            locked += 1
    if not total:
        return [
            Tile(
                key="credentials",
                title="Credentials to rotate",
                count=None,
                caption="not set up yet",
                severity="idle",
                screen="credentials",
            )
        ]
    caption = f"of {total} in the inventory"
    if reconcile:
        caption = f"{reconcile} with no working secret · {caption}"
    return [
        Tile(
            key="credentials",
            title="Credentials to rotate",
            count=to_rotate,
            caption=caption,
            severity="alert" if to_rotate or reconcile else "ok",
            screen="credentials",
        ),
        Tile(
            key="credentials_rotated",
            title="Rotated, old not yet tried",
            count=rotated,
            caption="try the old one: it must fail",
            severity="warn" if rotated else "ok",
            screen="credentials",
        ),
        Tile(
            key="credentials_locked_out",
            title="Rotated, old refused",
            count=locked,
            caption="old secret tried and refused",
            severity="ok",
            screen="credentials",
        ),
    ]
