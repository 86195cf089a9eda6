"""The demo practice's exit statement: Gary Thistle's, in draft."""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING

from pydantic import SecretStr
from sqlalchemy import select

from itexit.domain.statements import NewListedPassword, StatementEdit
from itexit.services.demo.practice import SEED, demo_secret
from itexit.services.statements.service import StatementService
from itexit.store.checklist import Case

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

DEMO_PROPERTY = (
    ("Laptop (ThinkPad T14, asset 0142)", True),
    ("Server room and front door keys", True),
    ("Building access badge", False),
    ("USB security token (admin accounts)", False),
    ("External backup drive", False),
)
DEMO_PASSWORDS = (
    ("Old NAS web console", "admin", "Only Gary used it; it holds the 2019 scanned records."),
    ("Guest Wi-Fi controller", "gary.t", ""),
)


def build_demo(vault: UnlockedVault, today: date) -> None:
    """Gary Thistle's statement, in draft: property partly returned, two listed passwords."""
    service = StatementService(vault.ctx)
    with vault.ctx.reading() as session:
        case = session.scalars(select(Case).where(Case.name == "Gary Thistle")).first()
        case_id = case.id if case is not None else None
    if case_id is None:
        return
    service.prepare(case_id)
    service.edit(
        case_id,
        StatementEdit(
            job_title="IT administrator",
            personal_return="Personal contacts and family photos in D:\\Gary on the front-desk PC.",
        ),
    )
    for name, returned in DEMO_PROPERTY:
        service.add_property(case_id, name, returned=returned)
    rng = random.Random(SEED + 7)
    for system, username, note in DEMO_PASSWORDS:
        service.add_password(
            case_id,
            NewListedPassword(
                system=system, username=username, secret=SecretStr(demo_secret(rng)), note=note
            ),
        )
