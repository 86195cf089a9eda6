"""Verification and rotation: create, set, test, finish (AWS) with verify and reconcile (CyberArk).

Every check has three parts, so no database transaction stays open across the network:
read and unseal the secret; ask the verifier (with a timeout, off the caller's thread); then, in
one transaction, make sure the secret tested is still the one stored, move the status by the pure
rules of `domain/rotation.py`, write the sealed history entry and the signed audit row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import SecretStr
from sqlalchemy.orm import Session

from itexit import verifiers
from itexit.domain.credentials import (
    CheckOutcome,
    CredentialStatus,
    CredentialSummary,
    PasswordPolicy,
    RotationStarted,
    SecretStage,
)
from itexit.domain.errors import BadInput, IntegrityFailure, StaleEdit
from itexit.domain.roles import Permission, Scope
from itexit.domain.rotation import (
    RECONCILE_GUIDANCE,
    ReconcileFound,
    Result,
    Step,
    after,
    check_allowed,
    reconciled,
)
from itexit.domain.verify import Endpoint, TlsMode, VerifyOutcome, VerifyResult
from itexit.services.context import VaultContext
from itexit.services.credentials.records import (
    add_event,
    find,
    load_policy,
    secret_fingerprint,
    secret_row,
    to_summary,
)
from itexit.services.passgen import estimate, generate, label
from itexit.store.models import Credential, SecretVersion, utcnow
from itexit.verifiers import run_with_timeout
from itexit.verifiers.base import Verifier

VerifierLookup = Callable[[str], Verifier]

MANUAL = "manual"


def default_lookup(name: str) -> Verifier:
    """The verifier plug-in of that name, from `itexit.verifiers` (looked up at each call)."""
    return verifiers.get_verifier(name)


@dataclass(frozen=True)
class _Probe:
    """One secret read for a check: enough to find it again and to log in with it."""

    credential_id: str
    system: str
    verifier: str
    stage: SecretStage
    secret_id: str
    secret_version: int
    secret: str
    username: str
    endpoint: Endpoint | None


def _result(step: Step, outcome: VerifyOutcome) -> Result:
    if outcome is VerifyOutcome.ACCEPTED:
        return Result.WORKS
    if outcome is VerifyOutcome.REJECTED:
        return Result.FAILS
    return Result.UNKNOWN


class RotationService:
    def __init__(
        self, ctx: VaultContext, verifiers: VerifierLookup | None = None, timeout: float = 10.0
    ) -> None:
        self.ctx = ctx
        self.lookup = verifiers or default_lookup
        self.timeout = timeout

    # --- reading and checking -------------------------------------------------------------------

    def _probe(self, session: Session, cred: Credential, stage: SecretStage) -> _Probe | None:
        row = secret_row(session, cred.id, stage)
        if row is None:
            return None
        # A secret goes only to the address sealed with the credential, never to a host or
        # port edited in the database.
        doc = self.ctx.unseal(cred) if cred.verifier == MANUAL else self.ctx.unseal_endpoint(cred)
        endpoint = None
        if cred.host:
            options = {str(k): str(v) for k, v in dict(doc.get("endpoint_options") or {}).items()}
            try:
                tls = TlsMode(str(doc.get("tls") or "tls"))
            except ValueError:
                tls = TlsMode.TLS
            endpoint = Endpoint(
                host=cred.host,
                port=cred.port,
                tls=tls,
                ca_file=options.pop("ca_file", None),
                path=str(doc.get("path", "")),
                options=options,
            )
        return _Probe(
            credential_id=cred.id,
            system=cred.system,
            verifier=cred.verifier,
            stage=stage,
            secret_id=row.id,
            secret_version=row.version,
            secret=str(self.ctx.unseal(row)["secret"]),
            username=str(doc.get("username", "")),
            endpoint=endpoint,
        )

    def _ask(self, probe: _Probe) -> VerifyResult:
        """Run the verifier with a timeout in a worker thread; a hang counts as unreachable."""
        if probe.verifier == MANUAL:
            raise BadInput(
                f"{probe.system} is checked by a person: try the secret yourself and attest how "
                "you checked it."
            )
        if probe.endpoint is None:
            raise BadInput(f"{probe.system} has no host to check against; add one or attest.")
        verifier = self.lookup(probe.verifier)
        return run_with_timeout(
            verifier, probe.endpoint, probe.username, probe.secret, self.timeout
        )

    def _read(self, ref: str, step: Step, stage: SecretStage) -> _Probe:
        self.ctx.require(Permission.CRED_ROTATE)
        with self.ctx.reading() as session:
            cred = find(session, ref)
            check_allowed(step, CredentialStatus(cred.status), cred.system)
            probe = self._probe(session, cred, stage)
            if probe is None:
                raise IntegrityFailure(f"{cred.system} has no {stage.value} secret.")
            return probe

    def _still(self, session: Session, probe: _Probe) -> tuple[Credential, SecretVersion]:
        """The credential and the secret just tested, refusing if either moved meanwhile."""
        cred = find(session, probe.credential_id)
        row = session.get(SecretVersion, probe.secret_id)
        if row is None or row.stage != probe.stage.value or row.version != probe.secret_version:
            raise StaleEdit(
                f"{cred.system}'s secrets changed while it was being checked; check again."
            )
        return cred, row

    # --- verify -----------------------------------------------------------------------------------

    def verify(
        self, ref: str, *, old: bool = False, attest: str | None = None, note: str = ""
    ) -> CheckOutcome:
        step = Step.VERIFY_OLD if old else Step.VERIFY
        stage = SecretStage.PREVIOUS if old else SecretStage.CURRENT
        probe = self._read(ref, step, stage)
        verdict = self._verdict(probe, attest, wanted=Result.FAILS if old else Result.WORKS)
        result = _result(step, verdict.outcome)
        with self.ctx.transaction() as session:
            cred, _ = self._still(session, probe)
            before = CredentialStatus(cred.status)
            status = after(step, before, result)
            self._apply(cred, status, result, stage)
            self.ctx.touch(cred)
            add_event(
                self.ctx,
                session,
                cred,
                kind="verify_old" if old else "verify",
                stage=stage.value,
                outcome=verdict.outcome.value,
                detail=verdict.detail,
                attested_how=attest or "",
                note=note,
            )
            session.flush()
            self.ctx.record(
                session,
                "cred.verify_old" if old else "cred.verify",
                cred.system,
                credential_id=cred.id,
                stage=stage.value,
                outcome=verdict.outcome.value,
                attested=bool(attest),
                status=cred.status,
                secret=secret_fingerprint(self.ctx, cred.id, probe.secret),
            )
            summary = to_summary(cred)
        if old:
            ok = result is Result.FAILS
            guidance = (
                "The old secret is refused: the departing person's copy is dead."
                if ok
                else "The old secret STILL WORKS: the change did not take; set the new one again."
                if result is Result.WORKS
                else "The system could not be reached; nothing was learned. Try again."
            )
        else:
            ok = result is Result.WORKS
            guidance = (
                "The current secret works."
                if ok
                else "The current secret is refused: reset it on the system, then rotate."
                if result is Result.FAILS
                else "The system could not be reached; nothing was learned. Try again."
            )
        return CheckOutcome(
            summary=summary,
            outcome=verdict.outcome.value,
            detail=verdict.detail,
            stage=stage.value,
            ok=ok,
            guidance=guidance,
        )

    def _verdict(self, probe: _Probe, attest: str | None, wanted: Result) -> VerifyResult:
        if attest is not None:
            how = attest.strip()
            if not how:
                raise BadInput("Say how you checked it (for example: 'logged in at the console').")
            return VerifyResult(
                verifier=MANUAL,
                outcome=VerifyOutcome.ACCEPTED
                if wanted is Result.WORKS
                else VerifyOutcome.REJECTED,
                detail=f"Attested by {self.ctx.actor.name}: {how}",
            )
        return self._ask(probe)

    def _apply(
        self, cred: Credential, status: CredentialStatus, result: Result, stage: SecretStage
    ) -> None:
        now = utcnow()
        if result is Result.WORKS and stage is not SecretStage.PREVIOUS:
            cred.last_verified_at = now
        if status is CredentialStatus.LOCKED_OUT and cred.status != status.value:
            cred.locked_out_at = now
        if status is CredentialStatus.ROTATED and cred.status == CredentialStatus.LOCKED_OUT:
            cred.locked_out_at = None
        cred.status = status.value

    # --- rotate -----------------------------------------------------------------------------------

    def start(
        self,
        ref: str,
        *,
        secret: SecretStr | None = None,
        policy: PasswordPolicy | None = None,
    ) -> RotationStarted:
        """Create: the new secret is committed as PENDING before anyone sees or sets it."""
        self.ctx.require(Permission.CRED_ROTATE)
        with self.ctx.transaction() as session:
            cred = find(session, ref)
            check_allowed(Step.START, CredentialStatus(cred.status), cred.system)
            if secret is not None:
                value = secret.get_secret_value()
                if not value:
                    raise BadInput("The new secret is empty.")
                score = estimate(value)
                generated = False
            else:
                made = generate(policy or load_policy(cred))
                value, score, generated = made.secret, made.score, True
            current = secret_row(session, cred.id, SecretStage.CURRENT)
            if current is not None and str(self.ctx.unseal(current)["secret"]) == value:
                raise BadInput("The new secret is the same as the current one; choose another.")
            pending = SecretVersion(
                id=str(uuid.uuid4()),
                credential_id=cred.id,
                stage=SecretStage.PENDING.value,
                version=1,
            )
            self.ctx.seal(pending, {"secret": value}, Scope.CRED)
            session.add(pending)
            cred.status = after(Step.START, CredentialStatus(cred.status), Result.UNKNOWN).value
            self.ctx.touch(cred)
            add_event(
                self.ctx,
                session,
                cred,
                kind="rotate_start",
                stage="pending",
                outcome="saved",
                detail="generated to the policy" if generated else "entered by hand",
            )
            session.flush()
            self.ctx.record(
                session,
                "cred.rotate.start",
                cred.system,
                credential_id=cred.id,
                generated=generated,
                secret=secret_fingerprint(self.ctx, cred.id, value),
            )
            summary = to_summary(cred)
        return RotationStarted(
            summary=summary,
            secret=SecretStr(value),
            strength_label=label(score),
            strength_score=score,
            generated=generated,
        )

    def confirm(self, ref: str, *, attest: str | None = None, note: str = "") -> CheckOutcome:
        """Test and finish: verify the pending secret; promote it only when it works."""
        probe = self._read(ref, Step.CONFIRM, SecretStage.PENDING)
        verdict = self._verdict(probe, attest, wanted=Result.WORKS)
        result = _result(Step.CONFIRM, verdict.outcome)
        with self.ctx.transaction() as session:
            cred, pending = self._still(session, probe)
            status = after(Step.CONFIRM, CredentialStatus(cred.status), result)
            if result is Result.WORKS:
                self._promote(session, cred, pending)
                cred.rotated_at = utcnow()
                cred.locked_out_at = None
            self._apply(cred, status, result, SecretStage.PENDING)
            self.ctx.touch(cred)
            add_event(
                self.ctx,
                session,
                cred,
                kind="rotate_confirm",
                stage="pending",
                outcome=verdict.outcome.value,
                detail=verdict.detail,
                attested_how=attest or "",
                note=note,
            )
            session.flush()
            self.ctx.record(
                session,
                "cred.rotate.confirm",
                cred.system,
                credential_id=cred.id,
                outcome=verdict.outcome.value,
                attested=bool(attest),
                status=cred.status,
                secret=secret_fingerprint(self.ctx, cred.id, probe.secret),
            )
            summary = to_summary(cred)
        guidance = {
            Result.WORKS: "The new secret works and is now current. Next: prove the old one fails.",
            Result.FAILS: "The system refused the new secret: set it there, then confirm again.",
            Result.UNKNOWN: "The system could not be reached; the new secret stays pending.",
        }[result]
        return CheckOutcome(
            summary=summary,
            outcome=verdict.outcome.value,
            detail=verdict.detail,
            stage="pending",
            ok=result is Result.WORKS,
            guidance=guidance,
        )

    def _promote(self, session: Session, cred: Credential, pending: SecretVersion) -> None:
        """PENDING → CURRENT and CURRENT → PREVIOUS, in the caller's one transaction."""
        previous = secret_row(session, cred.id, SecretStage.PREVIOUS)
        if previous is not None:
            session.delete(previous)
            session.flush()
        current = secret_row(session, cred.id, SecretStage.CURRENT)
        if current is not None:
            self._restage(session, current, SecretStage.PREVIOUS)
        self._restage(session, pending, SecretStage.CURRENT)

    def _restage(self, session: Session, row: SecretVersion, stage: SecretStage) -> None:
        doc = self.ctx.unseal(row)
        row.stage = stage.value
        self.ctx.seal(row, doc)
        session.flush()

    # --- reconcile ------------------------------------------------------------------------------

    def reconcile(
        self,
        ref: str,
        *,
        attest: str | None = None,
        works: SecretStage | None = None,
        note: str = "",
    ) -> CheckOutcome:
        """Resume after a crash or a muddle: pending, then current, then previous."""
        self.ctx.require(Permission.CRED_ROTATE)
        with self.ctx.reading() as session:
            cred = find(session, ref)
            check_allowed(Step.RECONCILE, CredentialStatus(cred.status), cred.system)
            probes = [
                p
                for p in (
                    self._probe(session, cred, stage)
                    for stage in (SecretStage.PENDING, SecretStage.CURRENT, SecretStage.PREVIOUS)
                )
                if p is not None
            ]
        if attest is not None and not attest.strip():
            raise BadInput("Say how you checked it (for example: 'logged in at the console').")
        tried: list[tuple[_Probe, VerifyResult]] = []
        found: _Probe | None = None
        for probe in probes:
            if attest is not None:
                ok = works is not None and probe.stage is works
                verdict = VerifyResult(
                    verifier=MANUAL,
                    outcome=VerifyOutcome.ACCEPTED if ok else VerifyOutcome.REJECTED,
                    detail=f"Attested by {self.ctx.actor.name}: {attest.strip()}",
                )
            else:
                verdict = self._ask(probe)
            tried.append((probe, verdict))
            if verdict.outcome is VerifyOutcome.ACCEPTED:
                found = probe
                break
        unknown = [
            v for _, v in tried if v.outcome not in (VerifyOutcome.ACCEPTED, VerifyOutcome.REJECTED)
        ]
        if found is None and unknown:
            return CheckOutcome(
                summary=self._summary(ref),
                outcome=unknown[0].outcome.value,
                detail=unknown[0].detail,
                stage="",
                ok=False,
                guidance="Could not reach the system to try every secret; nothing was changed.",
            )
        outcome = ReconcileFound(found.stage.value) if found else ReconcileFound.NONE
        with self.ctx.transaction() as session:
            cred = find(session, probes[0].credential_id if probes else ref)
            for probe, _ in tried:
                self._still(session, probe)
            status = reconciled(outcome)
            rows = {
                stage: secret_row(session, cred.id, stage)
                for stage in (SecretStage.PENDING, SecretStage.CURRENT, SecretStage.PREVIOUS)
            }
            if outcome is ReconcileFound.PENDING:
                pending = rows[SecretStage.PENDING]
                assert pending is not None
                self._promote(session, cred, pending)
                cred.rotated_at = utcnow()
            elif outcome is ReconcileFound.CURRENT:
                if rows[SecretStage.PENDING] is not None:
                    session.delete(rows[SecretStage.PENDING])
            elif outcome is ReconcileFound.PREVIOUS:
                for stage in (SecretStage.PENDING, SecretStage.CURRENT):
                    if rows[stage] is not None:
                        session.delete(rows[stage])
                session.flush()
                previous = rows[SecretStage.PREVIOUS]
                assert previous is not None
                self._restage(session, previous, SecretStage.CURRENT)
            if outcome is not ReconcileFound.NONE:
                cred.last_verified_at = utcnow()
            cred.locked_out_at = None
            cred.status = status.value
            self.ctx.touch(cred)
            detail = "; ".join(f"{p.stage.value}: {v.outcome.value}" for p, v in tried)
            add_event(
                self.ctx,
                session,
                cred,
                kind="reconcile",
                stage=found.stage.value if found else "",
                outcome="accepted" if found else "rejected",
                detail=detail,
                attested_how=attest or "",
                note=note,
            )
            session.flush()
            self.ctx.record(
                session,
                "cred.reconcile",
                cred.system,
                credential_id=cred.id,
                kept=outcome.value,
                tried={p.stage.value: v.outcome.value for p, v in tried},
                attested=attest is not None,
                status=cred.status,
            )
            summary = to_summary(cred)
        guidance = {
            ReconcileFound.PENDING: "The pending secret works: it is now current.",
            ReconcileFound.CURRENT: "The current secret works; the unused pending one was dropped.",
            ReconcileFound.PREVIOUS: (
                "Only the previous secret works: it is current again. Rotate once more."
            ),
            ReconcileFound.NONE: RECONCILE_GUIDANCE,
        }[outcome]
        return CheckOutcome(
            summary=summary,
            outcome="accepted" if found else "rejected",
            detail=detail,
            stage=found.stage.value if found else "",
            ok=found is not None,
            guidance=guidance,
        )

    def _summary(self, ref: str) -> CredentialSummary:
        with self.ctx.reading() as session:
            return to_summary(find(session, ref))
