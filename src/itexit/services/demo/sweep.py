"""The demo practice's sweep: what a sweep of Gary's servers found, recorded as a sweep would."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from itexit.domain.sweep import Finding, HostReport, Severity
from itexit.services.demo.practice import demo_definition
from itexit.services.sweep.findings import record
from itexit.services.sweep.identity import set_identity

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


def build_demo(vault: UnlockedVault, today: date) -> None:
    """Record the demo's findings through :func:`record`; closed ones by a second "sweep"."""
    spec = demo_definition().get("sweep")
    if not spec:
        return
    identity = set_identity(
        vault.ctx,
        spec["case"],
        accounts=list(spec.get("accounts", [])),
        emails=list(spec.get("emails", [])),
        practice_domains=list(spec.get("practice_domains", [])),
    )
    items = [
        (
            Finding(
                kind=item["kind"],
                host=item["host"],
                system=item.get("system", ""),
                subject=item["subject"],
                why=item["why"],
                closes=item["closes"],
                evidence=dict(item.get("evidence", {})),
                severity=Severity(item.get("severity", "alert")),
            ).with_ident(),
            bool(item.get("closed", False)),
        )
        for item in spec.get("findings", [])
    ]

    def reports(include_closed: bool) -> list[HostReport]:
        by_host: dict[str, HostReport] = {}
        for finding, closed in items:
            host = by_host.setdefault(
                finding.host,
                HostReport(
                    host=finding.host, system=finding.system, protocol=finding.host.split(":")[0]
                ),
            )
            if include_closed or not closed:
                host.findings.append(finding)
        return list(by_host.values())

    record(vault.ctx, identity.case_id, reports(include_closed=True))
    record(vault.ctx, identity.case_id, reports(include_closed=False))
