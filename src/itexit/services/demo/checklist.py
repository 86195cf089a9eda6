"""The demo practice's cases: Gary Thistle, the IT person who left, and a clinician leaving."""

from __future__ import annotations

import contextlib
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from itexit.domain.checklist import CaseKind, NewCase
from itexit.domain.errors import BadInput
from itexit.domain.roles import Role

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


def build_demo(vault: UnlockedVault, today: date) -> None:
    """Gary Thistle, the IT person who left a few days ago, and a fellow finishing next month."""
    service = vault.cases
    gary = service.create(
        NewCase(
            name="Gary Thistle",
            kind=CaseKind.IT_EMPLOYEE,
            termination_date=today - timedelta(days=3),
            reason="skills_mismatch",
            notes="Skills mismatch after the move to the cloud EHR; HR and counsel consulted.",
            templates=["it-person", "replacement-onboarding"],
            emails=["gary@greenwayfp.example"],
            phones=["555-0142"],
            vault_user=next(
                (name for name, _ in service.users_for_assignment() if name.lower() == "gary"), ""
            ),
        )
    )
    done = {
        1: "Personal phone and a private mailbox used; every message kept professional.",
        2: "Privacy and confidentiality policy signed by all staff, AHIMA code attached.",
        3: "Assessment by the interim consultant: 14 systems, 3 single-person vendor contacts.",
        4: "Options reviewed with HR and counsel; termination rather than reorganisation.",
        5: "Reasons written up and filed with HR.",
        6: "Interim consultant engaged from the day before the departure.",
        7: "Termination held in the manager's office with HR present, following this list.",
        9: "Mailbox password changed at 17:05 on the day; kept for a year and monitored.",
        18: "Interim consultant added to itexit and to the EHR, firewall and M365 admin.",
        21: "Second manager added; recovery kit printed and locked in the safe.",
    }
    for number, evidence in done.items():
        attachment: Path | None = None
        if number == 3:
            folder = Path(tempfile.mkdtemp(prefix="itexit-demo-"))
            attachment = folder / "it-assessment-summary.txt"
            attachment.write_text(
                "IT assessment summary (fictional demo)\n"
                "Systems reviewed: 14. Vendor contacts tied to one person: 3.\n"
            )
        # a task the app checks is refused here and completes itself once the state satisfies it
        with contextlib.suppress(BadInput):
            service.complete(gary.id, number, evidence=evidence, attachment=attachment)
        if attachment is not None:
            attachment.unlink()
            attachment.parent.rmdir()
    service.not_applicable(
        gary.id, 15, "The replacement is an interim consultant; no job posting this quarter."
    )
    consultants = [
        name
        for name, role in service.users_for_assignment()
        if role is Role.CONSULTANT and name.lower() != "gary"
    ]
    if consultants:
        service.assign(gary.id, 11, consultants[0])
    service.create(
        NewCase(
            name="Dr. Priya Lindqvist",
            kind=CaseKind.CLINICIAN,
            termination_date=today + timedelta(days=24),
            reason="end_of_training",
            notes="Fellowship ends; joining a practice out of state.",
            templates=["clinician-deprovisioning"],
        )
    )
