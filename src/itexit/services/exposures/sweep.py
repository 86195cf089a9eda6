"""Kinds found on the practice's own servers by the sweep (see services/sweep/).

An SSH key, a forwarding rule, an own account, an admin membership or an open session that the
sweep found and no re-check has yet proven closed is an exposure until it is closed or its risk
accepted in the sweep.
"""

from __future__ import annotations

from itexit.domain.exposures import Closing, Exposure, Severity
from itexit.domain.sweep import BY_HAND, KIND_LABELS, FindingKind
from itexit.domain.sweep import Severity as FindingSeverity
from itexit.services.exposures import World, make

AREA = "sweep"
KINDS = frozenset(f"sweep_{kind.value}" for kind in FindingKind)
"""The kinds of exposure this module makes (the ledger asks it only for these)."""


def exposures(world: World) -> list[Exposure]:
    from itexit.services.sweep import open_findings

    out: list[Exposure] = []
    for finding in open_findings(world.ctx):
        person = world.person_of_case(finding.case_id)
        label = KIND_LABELS.get(finding.kind, "Access")
        verb = "recheck" if finding.evidence.get(BY_HAND) else "close"
        out.append(
            make(
                f"sweep_{finding.kind.value}",
                Severity.CRITICAL if finding.severity is FindingSeverity.ALERT else Severity.HIGH,
                person,
                f"{label} on {finding.system or finding.host}: {finding.subject}",
                f"sweep:{finding.id}",
                finding.why,
                Closing(command=f"itexit sweep {verb} {finding.id}", screen="sweep", key="f9"),
                area=AREA,
                overdue=finding.severity is FindingSeverity.ALERT,
            )
        )
    return out
