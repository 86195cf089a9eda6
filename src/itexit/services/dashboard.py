"""Counts for the dashboard: what can the departing person still reach?"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from itexit.domain.models import DashboardSummary, Tile, UnlockCoverage
from itexit.domain.roles import Permission
from itexit.services import (
    backups,
    checklist,
    credentials,
    mailbox,
    renewals,
    statements,
    vendors,
    watch,
)
from itexit.services.context import VaultContext
from itexit.store.models import User

AREAS = (watch, credentials, checklist, statements, vendors, renewals, mailbox, backups)
"""The order of the tiles: the most urgent question first."""


def kit_caption(coverage: UnlockCoverage) -> str:
    """Whether the recovery kit was confirmed stored, not merely shown once."""
    if not coverage.has_recovery_kit:
        return "no recovery kit"
    return "recovery kit stored" if coverage.kit_confirmed else "kit not confirmed"


def summary(
    ctx: VaultContext, practice_name: str, coverage: UnlockCoverage, today: date | None = None
) -> DashboardSummary:
    ctx.require(Permission.DASHBOARD_READ)
    today = today or date.today()
    tiles: list[Tile] = []
    for area in AREAS:
        tiles.extend(area.tiles(ctx, today))
    with ctx.reading() as session:
        removed = session.scalars(select(User.name).where(User.status == "removed")).all()
    departing = list(dict.fromkeys([*checklist.departing(ctx), *removed]))
    managers = "1 manager" if coverage.managers == 1 else f"{coverage.managers} managers"
    tiles.append(
        Tile(
            key="people",
            title="People who can unlock",
            count=coverage.people,
            caption=managers + " · " + kit_caption(coverage),
            severity="warn" if coverage.warning else "ok",
            screen="users",
        )
    )
    return DashboardSummary(
        practice_name=practice_name, tiles=tiles, coverage=coverage, departing=departing
    )
