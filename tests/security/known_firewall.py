"""A practice whose departing IT person knew the firewall's password: the world the checks of
credentials changed in SQL start from (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from itexit.domain.checklist import CaseKind, NewCase
from itexit.domain.exposures import ExposureKind
from itexit.services.session import UnlockedVault
from vaulthelpers import Vault, add_credential, opened, populated

TODAY = date.today()
LEFT = TODAY - timedelta(days=20)
CHANGED = ExposureKind.CHANGED_OUTSIDE.value
KNOWN = ExposureKind.CREDENTIAL_KNOWN.value


def known_firewall(db_url: str) -> Iterator[Vault]:
    """Two credentials, and a firewall the leaver (Gary Thistle, left 20 days ago) knew."""
    v = populated(db_url, credentials=2)
    add_credential(v.manager, "Firewall", secret="Canary-Firewall-1", known=True)
    v.manager.cases.create(
        NewCase(name="Gary Thistle", kind=CaseKind.IT_EMPLOYEE, termination_date=LEFT)
    )
    yield from opened(v)


def firewall(vault: Vault) -> str:
    return str(vault.scalar("SELECT id FROM credentials WHERE system = 'Firewall'"))


def kinds_for(session: UnlockedVault, cred_id: str) -> set[str]:
    """The kinds of the open exposures about one credential."""
    return {
        e.kind
        for e in session.exposures.list(state="open", today=TODAY)
        if e.subject_ref == f"cred:{cred_id}"
    }
