"""The dashboard: the open exposures per departing person first, each area's tiles as summary."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from itexit.domain.exposures import Exposure, ExposureKind, ExposureState
from itexit.domain.models import DashboardSummary, Tile, UnlockCoverage
from itexit.domain.roles import Permission
from itexit.services.areas import AREAS
from itexit.services.context import VaultContext
from itexit.services.exposures.credentials import derived
from itexit.services.ledger import ExposureLedger
from itexit.store.checklist import Case
from itexit.store.models import User
from itexit.store.people import PersonRow

LEDGER_TILES: dict[str, tuple[str, ...]] = {
    "vendors": (ExposureKind.VENDOR_CONTACT.value,),
}
"""Tiles whose count is the number of subjects the ledger has open of these kinds."""


def _from_ledger(tile: Tile, exposures: list[Exposure]) -> Tile:
    kinds = LEDGER_TILES.get(tile.key)
    if kinds is None or tile.count is None:
        return tile
    subjects = {e.subject_ref for e in exposures if e.kind in kinds}
    return tile.model_copy(
        update={"count": len(subjects), "severity": "alert" if subjects else "ok"}
    )


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
    ledger = ExposureLedger(ctx)
    everything = ledger.derive(today)
    exposures = [e for e in everything if e.is_open]
    accepted = sum(1 for e in everything if e.state is ExposureState.ACCEPTED)
    tiles: list[Tile] = []
    with derived(ctx, today, everything):  # the tiles read what the ledger derived, once
        for area in AREAS:
            tiles.extend(_from_ledger(tile, exposures) for tile in area.tiles(ctx, today))
    with ctx.reading() as session:
        # a removed person is named once: by their case when they have one
        linked = select(PersonRow.user_id).where(PersonRow.user_id.is_not(None))
        removed = session.scalars(
            select(User.name).where(User.status == "removed", User.id.not_in(linked))
        ).all()
        leaving = session.scalars(
            select(Case.name)
            .where(Case.status != "closed")
            .order_by(Case.termination_date, Case.name)
        ).all()
    departing = list(dict.fromkeys([*leaving, *removed]))
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
    # built without validation: the exposures come typed from the ledger, often thousands
    return DashboardSummary.model_construct(
        practice_name=practice_name,
        tiles=tiles,
        coverage=coverage,
        departing=departing,
        exposures=exposures,
        accepted=accepted,
    )
