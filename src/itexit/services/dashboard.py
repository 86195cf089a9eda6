"""Counts for the dashboard: what can the departing person still reach?"""

from __future__ import annotations

from sqlalchemy import func, select

from itexit.domain.models import DashboardSummary, Tile, UnlockCoverage
from itexit.domain.roles import Permission
from itexit.services.context import VaultContext
from itexit.store.models import Credential, User

_DONE = ("rotated", "locked_out")


def summary(ctx: VaultContext, practice_name: str, coverage: UnlockCoverage) -> DashboardSummary:
    ctx.require(Permission.DASHBOARD_READ)
    with ctx.reading() as session:
        total = int(session.scalar(select(func.count()).select_from(Credential)) or 0)
        to_rotate = int(
            session.scalar(
                select(func.count())
                .select_from(Credential)
                .where(
                    (Credential.rotation_due | Credential.known_to_departing)
                    & Credential.status.not_in(_DONE)
                )
            )
            or 0
        )
        removed = session.scalars(select(User.name).where(User.status == "removed")).all()
    tiles = [
        Tile(
            key="credentials",
            title="Credentials to rotate",
            count=to_rotate if total else None,
            caption=f"of {total} in the inventory" if total else "not set up yet",
            severity=("alert" if to_rotate else "ok") if total else "idle",
            screen=None,
        ),
        Tile(
            key="checklist",
            title="Critical tasks open",
            count=None,
            caption="not set up yet",
            severity="idle",
        ),
        Tile(
            key="renewals",
            title="Renewals due soon",
            count=None,
            caption="not set up yet",
            severity="idle",
        ),
        Tile(
            key="mailbox",
            title="Mailbox reviews overdue",
            count=None,
            caption="not set up yet",
            severity="idle",
        ),
        Tile(
            key="people",
            title="People who can unlock",
            count=coverage.people,
            caption=f"{coverage.managers} manager(s)"
            + (" · recovery kit issued" if coverage.has_recovery_kit else " · no recovery kit"),
            severity="warn" if coverage.warning else "ok",
            screen="users",
        ),
    ]
    return DashboardSummary(
        practice_name=practice_name, tiles=tiles, coverage=coverage, departing=list(removed)
    )
