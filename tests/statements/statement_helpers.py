"""A vault with every role and one departing IT person's case, for the exit-statement tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from itexit.domain.checklist import CaseKind, NewCase
from itexit.services.session import UnlockedVault
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    HR_PASS,
    HR_USER,
    VIEWER,
    VIEWER_PASS,
    Vault,
    populated,
)

DEPARTING = "Gary Thistle"
LAST_DAY = date(2026, 11, 20)


@dataclass
class Practice:
    vault: Vault
    case_id: str
    manager: UnlockedVault
    hr: UnlockedVault
    consultant: UnlockedVault
    viewer: UnlockedVault


def build_practice(target: str | object) -> Practice:
    vault = populated(target, credentials=1)  # type: ignore[arg-type]
    case = vault.manager.cases.create(
        NewCase(name=DEPARTING, kind=CaseKind.IT_EMPLOYEE, termination_date=LAST_DAY)
    )
    return Practice(
        vault=vault,
        case_id=case.id,
        manager=vault.manager,
        hr=vault.unlock(HR_USER, HR_PASS),
        consultant=vault.unlock(CONSULTANT, CONSULTANT_PASS),
        viewer=vault.unlock(VIEWER, VIEWER_PASS),
    )
