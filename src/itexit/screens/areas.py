"""Which screen opens each area; imported lazily so the first paint stays light."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from textual.screen import Screen

    from itexit.services.session import UnlockedVault


class Area(NamedTuple):
    key: str
    title: str
    module: str
    screen: str
    binding: str


AREAS: tuple[Area, ...] = (
    Area("checklist", "Checklist", "itexit.screens.cases.screen", "CaseListScreen", "f4"),
    Area(
        "credentials", "Credentials", "itexit.screens.credentials.screen", "CredentialsScreen", "f5"
    ),
    Area("vendors", "Vendors", "itexit.screens.vendors", "VendorsScreen", "f6"),
    Area("renewals", "Renewals", "itexit.screens.renewals.screen", "RenewalsScreen", "f7"),
    Area("mailbox", "Mailbox", "itexit.screens.mailbox", "MailboxScreen", "f8"),
    Area("sweep", "Sweep", "itexit.screens.sweep", "SweepScreen", "f9"),
    Area("audit", "Audit log", "itexit.screens.audit", "AuditLogScreen", "f10"),
)

BY_KEY = {area.key: area for area in AREAS}


def area_screen(area: Area, session: UnlockedVault) -> Screen[None]:
    """The screen of an area, its module imported on first use."""
    screen: Screen[None] = getattr(importlib.import_module(area.module), area.screen)(session)
    return screen
