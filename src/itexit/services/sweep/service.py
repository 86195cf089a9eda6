"""Run the sweep with the inventory's admin credentials, close what it found, prove it closed.

Each use of an admin credential is audited before its secret is read. Reading happens off the
database (no transaction stays open across the network); what was seen is then stored by
:func:`~itexit.services.sweep.findings.record`, which is also how a re-check proves a
finding closed.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from itexit import sweep as readers
from itexit.domain.credentials import SecretStage
from itexit.domain.errors import BadInput, CheckFailed, NotFound
from itexit.domain.roles import Permission, Scope
from itexit.domain.sweep import (
    SWEEP_PROTOCOLS,
    CloseOutcome,
    DepartingIdentity,
    Finding,
    FindingStatus,
    HostReport,
    KnownKey,
    SweepHost,
    SweepReport,
)
from itexit.domain.text import plain_reason
from itexit.domain.verify import Endpoint, TlsMode
from itexit.services.context import VaultContext
from itexit.services.sweep.findings import accept_risk, find_row, listed, record, to_model
from itexit.services.sweep.identity import departing_identity, find_case, set_identity
from itexit.store.models import Credential, SecretVersion
from itexit.sweep.base import DEFAULT_TIMEOUT, SweepProblem, Target
from itexit.verifiers.base import scrub

PROTOCOL_OF = {
    "ssh": "ssh",
    "imap": "sieve",
    "postgresql": "postgresql",
    "mariadb": "mariadb",
    "ldap": "ldap",
}
"""The sweep reader for an admin credential, by its verifier (mail: ManageSieve)."""


def _endpoint(cred: Credential, doc: dict[str, Any], protocol: str) -> Endpoint:
    options = {str(k): str(v) for k, v in dict(doc.get("endpoint_options") or {}).items()}
    try:
        tls = TlsMode(str(doc.get("tls") or "tls"))
    except ValueError:
        tls = TlsMode.TLS
    port = cred.port
    if protocol == "sieve":
        port = int(options["sieve_port"]) if options.get("sieve_port", "").isdigit() else 4190
        tls = TlsMode.NONE if tls is TlsMode.NONE else TlsMode.STARTTLS
    return Endpoint(
        host=cred.host,
        port=port,
        tls=tls,
        ca_file=options.pop("ca_file", None),
        path=str(doc.get("path", "")),
        options=options,
    )


def _label(cred: Credential, doc: dict[str, Any], protocol: str) -> str:
    return Target(
        credential_id=cred.id,
        system=cred.system,
        protocol=protocol,
        endpoint=_endpoint(cred, doc, protocol),
        username="",
        secret="",
    ).host


class SweepService:
    def __init__(self, ctx: VaultContext, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.ctx = ctx
        self.timeout = timeout

    # --- what to sweep ----------------------------------------------------------------------

    def _admins(self, session: Session) -> list[tuple[Credential, dict[str, Any], str]]:
        rows = session.scalars(
            select(Credential)
            .where(Credential.verifier.in_(list(PROTOCOL_OF)), Credential.host != "")
            .order_by(Credential.system)
        )
        out = []
        for cred in rows:
            doc = self.ctx.unseal(cred)
            if doc.get("sweep_admin"):
                out.append((cred, doc, PROTOCOL_OF[cred.verifier]))
        return out

    def hosts(self) -> list[SweepHost]:
        """Hosts the sweep can read: the credentials marked as an admin account for a host.
        Which accounts those are is sealed: a role without the credentials key sees none."""
        self.ctx.require(Permission.CRED_LIST)
        if not self.ctx.holds(Scope.CRED):
            return []
        with self.ctx.reading() as session:
            return [
                SweepHost(
                    credential_id=cred.id,
                    system=cred.system,
                    host=_label(cred, doc, protocol),
                    protocol=protocol,
                )
                for cred, doc, protocol in self._admins(session)
                if protocol in SWEEP_PROTOCOLS
            ]

    def _targets(self, wanted: builtins.list[str] | None, why: str) -> builtins.list[Target]:
        """The admin credentials to use, their use audited before any secret is read."""
        self.ctx.require(Permission.CRED_ROTATE)
        chosen = self._choose(wanted)
        with self.ctx.transaction() as session:
            targets = []
            for host in chosen:
                cred = session.get(Credential, host.credential_id)
                if cred is None:
                    raise NotFound(f"The credential {host.system!r} is gone; run the sweep again.")
                doc = self.ctx.unseal(cred)
                self.ctx.record(
                    session,
                    "sweep.use_credential",
                    cred.system,
                    credential_id=cred.id,
                    host=host.host,
                    why=why,
                )
                secret = session.scalars(
                    select(SecretVersion).where(
                        SecretVersion.credential_id == cred.id,
                        SecretVersion.stage == SecretStage.CURRENT.value,
                    )
                ).first()
                if secret is None:
                    raise BadInput(f"The credential {cred.system!r} holds no current secret.")
                targets.append(
                    Target(
                        credential_id=cred.id,
                        system=cred.system,
                        protocol=host.protocol,
                        endpoint=_endpoint(cred, doc, host.protocol),
                        username=str(doc.get("username", "")),
                        secret=str(self.ctx.unseal(secret)["secret"]),
                        mailboxes=self._mailboxes(session, cred, doc)
                        if host.protocol == "sieve"
                        else (),
                    )
                )
            return targets

    def _choose(self, wanted: builtins.list[str] | None) -> builtins.list[SweepHost]:
        every = self.hosts()
        if not wanted:
            if not every:
                raise BadInput(
                    "No admin account is marked for the sweep: mark one with "
                    "`itexit cred sweep-admin ID`."
                )
            return every
        chosen: builtins.list[SweepHost] = []
        for text in wanted:
            low = text.strip().lower()
            match = [
                h
                for h in every
                if low in (h.host.lower(), h.system.lower(), h.credential_id)
                or h.host.lower().split("://", 1)[-1] == low
                or h.host.lower().split("://", 1)[-1].rsplit(":", 1)[0].strip("[]") == low
            ]
            if not match:
                raise BadInput(
                    f"No admin account is marked for {text!r}; the sweep knows: "
                    + (", ".join(h.host for h in every) or "none")
                    + "."
                )
            chosen.extend(h for h in match if h not in chosen)
        return chosen

    def _mailboxes(
        self, session: Session, admin: Credential, doc: dict[str, Any]
    ) -> tuple[str, ...]:
        names = list(str(doc.get("endpoint_options", {}).get("mailboxes", "")).split())
        for cred in session.scalars(
            select(Credential).where(
                Credential.verifier == "imap",
                Credential.host == admin.host,
                Credential.id != admin.id,
            )
        ):
            user = str(self.ctx.unseal(cred).get("username", "")).strip()
            if user:
                names.append(user)
        return tuple(dict.fromkeys(names))

    # --- the departing person -------------------------------------------------------------

    def identity(self, case_ref: str | None = None) -> DepartingIdentity:
        self.ctx.require(Permission.CRED_LIST)
        with self.ctx.reading() as session:
            case_id = find_case(session, case_ref).id
        return departing_identity(self.ctx, case_id)

    def set_identity(self, case_ref: str | None = None, **changes: Any) -> DepartingIdentity:
        keys = changes.get("keys")
        if keys is not None:
            changes["keys"] = [k if isinstance(k, KnownKey) else KnownKey(**k) for k in keys]
        return set_identity(self.ctx, case_ref, **changes)

    # --- sweeping -------------------------------------------------------------------------

    def run(
        self,
        case_ref: str | None = None,
        hosts: builtins.list[str] | None = None,
        on_host: Callable[[HostReport], None] | None = None,
    ) -> SweepReport:
        """Sweep the hosts (all marked ones by default) and record what was found."""
        identity = self.identity(case_ref)
        targets = self._targets(hosts, "sweep")
        reports = readers.read_all(targets, identity, self.timeout, on_host=on_host)
        reports = [_scrubbed(r, targets) for r in reports]
        stored = record(self.ctx, identity.case_id, reports)
        by_host: dict[str, builtins.list[Finding]] = {}
        for item in stored:
            if item.status is FindingStatus.OPEN:
                by_host.setdefault(item.host, []).append(item)
        return SweepReport(
            case_id=identity.case_id,
            hosts=[
                r.model_copy(update={"findings": by_host.get(r.host, []) if r.reached else []})
                for r in reports
            ],
        )

    def findings(
        self, case_ref: str | None = None, status: FindingStatus | None = None
    ) -> builtins.list[Finding]:
        case_id = None
        if case_ref is not None:
            with self.ctx.reading() as session:
                case_id = find_case(session, case_ref).id
        return listed(self.ctx, case_id, status)

    def finding(self, ref: str) -> Finding:
        self.ctx.require(Permission.CRED_LIST)
        with self.ctx.reading() as session:
            return to_model(self.ctx, find_row(session, ref))

    def accept(self, ref: str, why: str) -> Finding:
        return accept_risk(self.ctx, ref, why)

    # --- closing and proving --------------------------------------------------------------

    def recheck(self, ref: str) -> Finding:
        """Sweep the finding's host again: the finding closes only if it is no longer there."""
        item = self.finding(ref)
        identity = departing_identity(self.ctx, item.case_id)
        target = self._target_for(item, "re-check")
        report = _scrubbed(readers.read(target, identity, self.timeout), [target])
        if not report.reached:
            raise CheckFailed("The re-check could not read the host: " + " ".join(report.problems))
        record(self.ctx, item.case_id, [report])
        return self.finding(item.id)

    def recheck_closed(
        self, on_host: Callable[[HostReport], None] | None = None
    ) -> builtins.list[Finding]:
        """Read again every host with a closed finding (for cron, beside the watch).

        Returns the findings that were closed and are found again: they are open once more.
        """
        closed = listed(self.ctx, None, FindingStatus.CLOSED)
        if not closed:
            return []
        marked = {h.host: h for h in self.hosts()}
        by_case: dict[str, set[str]] = {}
        for item in closed:
            if item.host in marked:
                by_case.setdefault(item.case_id, set()).add(item.host)
        reopened: builtins.list[Finding] = []
        for case_id, hosts in by_case.items():
            identity = departing_identity(self.ctx, case_id)
            targets = self._targets([marked[h].credential_id for h in sorted(hosts)], "re-check")
            reports = readers.read_all(targets, identity, self.timeout, on_host=on_host)
            stored = record(self.ctx, case_id, [_scrubbed(r, targets) for r in reports])
            was_closed = {f.id for f in closed}
            reopened += [f for f in stored if f.id in was_closed and f.status is FindingStatus.OPEN]
        return reopened

    def close(self, ref: str) -> CloseOutcome:
        """Close a finding on its server, then prove it by a re-check of the host."""
        item = self.finding(ref)
        if item.status is not FindingStatus.OPEN:
            raise BadInput(f"That finding is already {item.status.value}.")
        target = self._target_for(item, "close")
        try:
            done, backup = readers.closer(target.protocol)(target, item, self.timeout)
        except SweepProblem as exc:
            raise CheckFailed(scrub(str(exc), target.secret)) from None
        except OSError as exc:
            raise CheckFailed(f"{target.host} cannot be reached ({plain_reason(exc)}).") from None
        identity = departing_identity(self.ctx, item.case_id)
        report = _scrubbed(readers.read(target, identity, self.timeout), [target])
        if report.reached:
            record(self.ctx, item.case_id, [report])
        after = self.finding(item.id)
        proven = after.status is FindingStatus.CLOSED
        with self.ctx.transaction() as session:
            self.ctx.record(
                session,
                "sweep.close",
                item.host,
                finding_id=item.id,
                kind=item.kind.value,
                done=done,
                backup=backup,
                proven=proven,
            )
        return CloseOutcome(finding=after, done=done, proven=proven, backup=backup)

    def _target_for(self, item: Finding, why: str) -> Target:
        for host in self.hosts():
            if host.host == item.host:
                return self._targets([host.credential_id], why)[0]
        raise NotFound(
            f"No admin account is marked for {item.host} any more, so the app cannot act there."
        )


def _scrubbed(report: HostReport, targets: builtins.list[Target]) -> HostReport:
    problems = report.problems
    for target in targets:
        problems = [scrub(p, target.secret) for p in problems]
    return report.model_copy(update={"problems": problems})
