"""Rotation that itexit carries out itself: save, set, test the new, test the old, finish.

Each step is its own transaction, so a crash between any two leaves a state the next run
resumes from: the pending secret is committed before anything is sent; setting tries the
pending secret first, then the current, then the previous, so a second run finds whichever the
system has; promotion happens only when the new secret has logged in; the credential is proven
rotated only when the old one is refused. A system's refusal of the new secret discards it and
promotes nothing. A campaign runs this for every due credential that has a changer, a few at a
time, each independent of the others.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from itertools import pairwise
from typing import Any

from sqlalchemy import select

from itexit import changers as changer_registry
from itexit.changers import Changer, Login
from itexit.domain.changing import (
    CHANGEABLE,
    AutoRotation,
    AutoStep,
    CampaignReport,
    ChangeMethod,
    ChangeOutcome,
    ChangeResult,
)
from itexit.domain.credentials import CredentialStatus, CredentialSummary, SecretStage
from itexit.domain.errors import BadInput, ItexitError, LeaverCanUnlock
from itexit.domain.roles import Permission
from itexit.domain.rotation import in_campaign
from itexit.domain.verify import Endpoint, TlsMode
from itexit.services.context import VaultContext
from itexit.services.credentials.records import (
    add_event,
    find,
    secret_fingerprint,
    secret_row,
    to_summary,
)
from itexit.services.credentials.rotation import RotationService, VerifierLookup
from itexit.services.people import departing
from itexit.store.inventory import CredentialEvent
from itexit.store.models import Credential, User

ChangerLookup = Callable[[str], Changer | None]
Progress = Callable[[int, int, AutoRotation], None]

METHOD_FIELD = "change"
"""Where the sealed credential document keeps how its secret is changed."""

DEFAULT_CONNECTIONS = 4
"""How many systems a campaign works on at once."""


def departing_members(ctx: VaultContext) -> list[str]:
    """Vault users who are also the departing party of an open case: they can still unlock.

    While one of them can open the vault, every secret a campaign sets is readable by the very
    person it is meant to shut out, so a campaign is refused until they are removed. Today this
    matches an active user's name with an open case's departing party (case-insensitive); it is
    the one place that decides, so that it can follow a fuller model of the departing person
    (every name and address they use, their vault account) when there is one.
    """
    leaving = {name.strip().lower() for name in departing(ctx)}
    if not leaving:
        return []
    with ctx.reading() as session:
        names = session.scalars(select(User.name).where(User.status == "active"))
        return sorted(n for n in names if n.strip().lower() in leaving)


def method_of(doc: dict[str, Any]) -> tuple[ChangeMethod, str]:
    """How a credential is changed (from its sealed document) and the admin credential's id."""
    raw = doc.get(METHOD_FIELD) or {}
    try:
        method = ChangeMethod(str(raw.get("by", ChangeMethod.PERSON.value)))
    except ValueError:
        method = ChangeMethod.PERSON
    return method, str(raw.get("admin", ""))


def endpoint_of(cred: Credential, doc: dict[str, Any]) -> Endpoint:
    """Where a credential logs in, from its row and sealed document (as the verifiers use it)."""
    options = {str(k): str(v) for k, v in dict(doc.get("endpoint_options") or {}).items()}
    try:
        tls = TlsMode(str(doc.get("tls") or "tls"))
    except ValueError:
        tls = TlsMode.TLS
    return Endpoint(
        host=cred.host,
        port=cred.port,
        tls=tls,
        ca_file=options.pop("ca_file", None),
        path=str(doc.get("path", "")),
        options=options,
    )


def after_refusal(logged_in_with: str, before: CredentialStatus | None) -> CredentialStatus:
    """The status once a refused pending secret is discarded.

    ``before`` is the status the credential had when the rotation started: it still holds when
    nothing contradicts it (the current secret logged in, or an admin made the attempt); a
    current secret that logged in proves at least VERIFIED; a login that needed the previous
    secret means the current one fails.
    """
    settled = (
        CredentialStatus.VERIFIED,
        CredentialStatus.ROTATED,
        CredentialStatus.LOCKED_OUT,
    )
    if logged_in_with == "previous":
        return CredentialStatus.FAILED
    if before in settled:
        return before
    if logged_in_with == "current":
        return CredentialStatus.VERIFIED
    return before if before is not None else CredentialStatus.UNVERIFIED


def _before_start(session: Any, cred: Credential) -> CredentialStatus | None:
    """The status the credential had just before its latest rotation started (its history)."""
    events = list(
        session.scalars(
            select(CredentialEvent)
            .where(CredentialEvent.credential_id == cred.id)
            .order_by(CredentialEvent.seq.desc())
            .limit(50)
        )
    )
    for newer, older in pairwise(events):
        if newer.kind == "rotate_start":
            try:
                return CredentialStatus(older.status_after)
            except ValueError:
                return None
    return None


class ChangingService:
    def __init__(
        self,
        ctx: VaultContext,
        verifiers: VerifierLookup | None = None,
        changers: ChangerLookup | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.ctx = ctx
        self.rotation = RotationService(ctx, verifiers, timeout)
        self.lookup = changers or changer_registry.get_changer
        self.timeout = timeout

    # --- how a credential is changed -------------------------------------------------------------

    def set_method(
        self, ref: str, method: ChangeMethod, admin: str | None = None
    ) -> CredentialSummary:
        """Name how the credential's secret is changed: by a person, by itself, or by an admin."""
        self.ctx.require(Permission.CRED_WRITE)
        with self.ctx.transaction() as session:
            cred = find(session, ref)
            doc = self.ctx.unseal(cred)
            entry: dict[str, str] = {"by": method.value}
            if method is not ChangeMethod.PERSON and cred.verifier not in CHANGEABLE:
                raise BadInput(
                    f"itexit cannot change passwords on {cred.system} (checked by "
                    f"{cred.verifier}); it stays with a person. It can change: "
                    f"{', '.join(CHANGEABLE)}."
                )
            if method is ChangeMethod.ADMIN:
                if not admin:
                    raise BadInput("Name the admin credential that may change this one.")
                other = find(session, admin)
                if other.id == cred.id:
                    raise BadInput("A credential cannot be its own admin; choose another.")
                if other.verifier != cred.verifier:
                    raise BadInput(
                        f"{other.system} logs in to {other.verifier}, not {cred.verifier}: "
                        "choose an admin credential for the same kind of system."
                    )
                entry["admin"] = other.id
            elif admin:
                raise BadInput("Only an admin change names an admin credential.")
            if doc.get(METHOD_FIELD) == entry:
                return to_summary(cred)
            doc[METHOD_FIELD] = entry
            self.ctx.seal(cred, doc)
            session.flush()
            self.ctx.record(
                session,
                "cred.edit",
                cred.system,
                credential_id=cred.id,
                fields=[METHOD_FIELD],
                changed_by=method.value,
                admin_credential=entry.get("admin", ""),
            )
            return to_summary(cred)

    def method(self, ref: str) -> tuple[ChangeMethod, str]:
        self.ctx.require(Permission.CRED_LIST)
        with self.ctx.reading() as session:
            return method_of(self.ctx.unseal(find(session, ref)))

    # --- one credential ----------------------------------------------------------------------

    def _plan(self, ref: str) -> tuple[str, str, CredentialStatus, ChangeMethod, Changer | None]:
        with self.ctx.reading() as session:
            cred = find(session, ref)
            method, _ = method_of(self.ctx.unseal(cred))
            changer = self.lookup(cred.verifier) if cred.verifier in CHANGEABLE else None
            return cred.id, cred.system, CredentialStatus(cred.status), method, changer

    def auto_rotate(
        self, ref: str, on_step: Callable[[AutoStep], None] | None = None
    ) -> AutoRotation:
        """Rotate one credential end to end on its system, or say why a person must."""
        self.ctx.require(Permission.CRED_ROTATE)
        cred_id, system, status, method, changer = self._plan(ref)

        def end(
            step: AutoStep, sentence: str, *, done: bool = False, result: ChangeResult | None = None
        ) -> AutoRotation:
            return AutoRotation(
                credential_id=cred_id,
                system=system,
                status=self._status(cred_id),
                done=done,
                reached=step,
                sentence=sentence,
                needs_person=not done,
                connect_seconds=result.connect_seconds if result else 0.0,
                set_seconds=result.set_seconds if result else 0.0,
                verify_seconds=round(verify_seconds, 3),
            )

        verify_seconds = 0.0
        if changer is None or method is ChangeMethod.PERSON:
            why = (
                "itexit cannot change this kind of system"
                if changer is None
                else "it is set to be changed by a person"
            )
            return end(AutoStep.SAVE, f"{system}: {why}; rotate it by hand.")
        if status is CredentialStatus.LOCKED_OUT:
            return end(
                AutoStep.DONE, f"{system}: already rotated, old secret proven dead.", done=True
            )
        if status is CredentialStatus.NEEDS_RECONCILE:
            return end(
                AutoStep.SAVE,
                f"{system}: no stored secret is known to work; find which one works first.",
            )
        result: ChangeResult | None = None
        if status is not CredentialStatus.ROTATED:
            if status is not CredentialStatus.ROTATION_PENDING:
                self._step(on_step, AutoStep.SAVE)
                self.rotation.start(cred_id)
            self._step(on_step, AutoStep.SET)
            result = self._set(cred_id, changer)
            if result.outcome is ChangeOutcome.REFUSED:
                return end(AutoStep.SET, f"{system}: {result.detail}", result=result)
            if result.outcome not in (ChangeOutcome.CHANGED, ChangeOutcome.ALREADY):
                return end(
                    AutoStep.SET,
                    f"{system}: {result.detail} The new secret stays saved as pending; run the "
                    "rotation again once that is sorted out.",
                    result=result,
                )
            self._step(on_step, AutoStep.TEST_NEW)
            started = time.monotonic()
            confirmed = self.rotation.confirm(cred_id)
            verify_seconds += time.monotonic() - started
            if not confirmed.ok:
                return end(AutoStep.TEST_NEW, f"{system}: {confirmed.guidance}", result=result)
        self._step(on_step, AutoStep.TEST_OLD)
        started = time.monotonic()
        old = self.rotation.verify(cred_id, old=True)
        verify_seconds += time.monotonic() - started
        if not old.ok:
            return end(AutoStep.TEST_OLD, f"{system}: {old.guidance}", result=result)
        return end(
            AutoStep.DONE,
            f"{system}: new secret set and working; the old one is refused.",
            done=True,
            result=result,
        )

    @staticmethod
    def _step(on_step: Callable[[AutoStep], None] | None, step: AutoStep) -> None:
        if on_step is not None:
            on_step(step)

    def _status(self, cred_id: str) -> CredentialStatus:
        with self.ctx.reading() as session:
            return CredentialStatus(find(session, cred_id).status)

    def _inputs(
        self, cred_id: str
    ) -> tuple[Endpoint, str, str, list[tuple[str, str]], Login | None]:
        """The target, its user name, the new secret, the secrets to log in with, the admin.

        Using the admin credential is audited before its secret is read, as a reveal is.
        """
        with self.ctx.transaction() as session:
            cred = find(session, cred_id)
            doc = self.ctx.unseal(cred)
            method, admin_id = method_of(doc)
            admin_cred: Credential | None = None
            if method is ChangeMethod.ADMIN:
                admin_cred = session.get(Credential, admin_id)
                if admin_cred is None:
                    raise BadInput(
                        f"The admin credential linked to {cred.system} is gone; link another."
                    )
                self.ctx.record(
                    session,
                    "cred.use",
                    admin_cred.system,
                    credential_id=admin_cred.id,
                    purpose="change a password",
                    for_credential=cred.id,
                    for_system=cred.system,
                )
        with self.ctx.reading() as session:
            cred = find(session, cred_id)
            doc = self.ctx.unseal_endpoint(cred)  # sent only where the record says
            secrets: dict[SecretStage, str] = {}
            for stage in (SecretStage.PENDING, SecretStage.CURRENT, SecretStage.PREVIOUS):
                row = secret_row(session, cred.id, stage)
                if row is not None:
                    secrets[stage] = str(self.ctx.unseal(row)["secret"])
            if SecretStage.PENDING not in secrets:
                raise BadInput(f"{cred.system} has no pending secret to set.")
            admin: Login | None = None
            if admin_cred is not None:
                admin_row = secret_row(session, admin_cred.id, SecretStage.CURRENT)
                admin_cred = session.get(Credential, admin_cred.id)
                if admin_row is None or admin_cred is None:
                    raise BadInput(f"The admin credential for {cred.system} has no secret.")
                admin_doc = self.ctx.unseal(admin_cred)
                admin = Login(
                    endpoint_of(admin_cred, admin_doc),
                    str(admin_doc.get("username", "")),
                    str(self.ctx.unseal(admin_row)["secret"]),
                )
            tries = [(stage.value, value) for stage, value in secrets.items()]
            return (
                endpoint_of(cred, doc),
                str(doc.get("username", "")),
                secrets[SecretStage.PENDING],
                tries if admin is None else [],
                admin,
            )

    def _set(self, cred_id: str, changer: Changer) -> ChangeResult:
        target, username, new, tries, admin = self._inputs(cred_id)
        result = changer_registry.run_with_timeout(
            changer, target, username, new, tries, admin, self.timeout
        )
        with self.ctx.transaction() as session:
            cred = find(session, cred_id)
            refused = result.outcome is ChangeOutcome.REFUSED
            if refused:
                pending = secret_row(session, cred.id, SecretStage.PENDING)
                if pending is not None:
                    session.delete(pending)
                    session.flush()
                cred.status = after_refusal(
                    result.logged_in_with, _before_start(session, cred)
                ).value
            self.ctx.touch(cred)
            add_event(
                self.ctx,
                session,
                cred,
                kind="rotate_set",
                stage="pending",
                outcome=result.outcome.value,
                detail=result.detail,
                note="the refused secret was discarded" if refused else "",
            )
            session.flush()
            self.ctx.record(
                session,
                "cred.rotate.set",
                cred.system,
                credential_id=cred.id,
                changer=result.changer,
                outcome=result.outcome.value,
                logged_in_with=result.logged_in_with,
                sessions_ended=result.sessions_ended,
                status=cred.status,
                secret=secret_fingerprint(self.ctx, cred.id, new),
            )
        return result

    # --- the campaign ------------------------------------------------------------------------

    def due(self) -> tuple[list[str], list[tuple[str, str]]]:
        """Credentials a campaign would rotate itself (ids), and those a person must (why)."""
        self.ctx.require(Permission.CRED_LIST)
        auto: list[str] = []
        manual: list[tuple[str, str]] = []
        with self.ctx.reading() as session:
            in_use = select(Credential).where(Credential.retired_at.is_(None))
            rows = session.scalars(in_use.order_by(Credential.system, Credential.id))
            for cred in rows:
                document = self.ctx.unseal_unchanged(cred)
                if document is None:
                    manual.append((cred.system, "changed outside itexit: put it back first"))
                    continue
                if not in_campaign(cred.known_to_departing, cred.rotation_due):
                    continue
                if cred.status == CredentialStatus.LOCKED_OUT.value:
                    continue
                method, _ = method_of(document)
                if cred.verifier not in CHANGEABLE or self.lookup(cred.verifier) is None:
                    manual.append((cred.system, "itexit cannot change this kind of system"))
                elif method is ChangeMethod.PERSON:
                    manual.append((cred.system, "set to be changed by a person"))
                else:
                    auto.append(cred.id)
        return auto, manual

    def campaign(
        self,
        *,
        while_member: bool = False,
        connections: int = DEFAULT_CONNECTIONS,
        on_progress: Progress | None = None,
        stop: threading.Event | None = None,
    ) -> CampaignReport:
        """Rotate every due credential that has a changer, ``connections`` at a time.

        Setting ``stop`` lets the systems under way finish and starts no other.
        """
        self.ctx.require(Permission.CRED_ROTATE)
        if connections < 1:
            raise BadInput("A campaign needs at least one connection at a time.")
        members = departing_members(self.ctx)
        if members and not while_member:
            raise LeaverCanUnlock(
                f"{', '.join(members)} can still unlock the vault and would read every new "
                "secret: remove them first (itexit user remove NAME), or run with "
                "--while-member if you must rotate before that.",
                tuple(members),
            )
        if members:  # chosen anyway: the record says who could read the new secrets
            with self.ctx.transaction() as session:
                self.ctx.record(session, "cred.rotate.anyway", "", can_unlock=list(members))
        started = time.monotonic()
        auto, manual = self.due()
        report = CampaignReport(manual=[f"{system}: {why}" for system, why in manual])
        total = len(auto)
        finished = 0
        with ThreadPoolExecutor(max_workers=connections, thread_name_prefix="rotate") as pool:
            futures = {pool.submit(self._guarded, cred_id, stop): cred_id for cred_id in auto}
            for future in as_completed(futures):
                outcome = future.result()
                finished += 1
                (report.done if outcome.done else report.needs_person).append(outcome)
                if on_progress is not None:
                    on_progress(finished, total, outcome)
        report.done.sort(key=lambda r: r.system.lower())
        report.needs_person.sort(key=lambda r: r.system.lower())
        report.seconds = round(time.monotonic() - started, 3)
        return report

    def _guarded(self, cred_id: str, stop: threading.Event | None = None) -> AutoRotation:
        """One credential; whatever goes wrong stays with it and never stops the others."""
        if stop is not None and stop.is_set():
            return self._failed(cred_id, "not started: the campaign was stopped.")
        try:
            return self.auto_rotate(cred_id)
        except ItexitError as exc:
            return self._failed(cred_id, str(exc))
        except Exception as exc:
            return self._failed(cred_id, f"it failed unexpectedly ({type(exc).__name__})")

    def _failed(self, cred_id: str, sentence: str) -> AutoRotation:
        with self.ctx.reading() as session:
            cred = session.get(Credential, cred_id)
            system = cred.system if cred else cred_id
            status = CredentialStatus(cred.status) if cred else CredentialStatus.UNVERIFIED
        return AutoRotation(
            credential_id=cred_id,
            system=system,
            status=status,
            done=False,
            reached=AutoStep.SAVE,
            sentence=f"{system}: {sentence}",
            needs_person=True,
        )
