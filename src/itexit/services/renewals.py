"""Renewals: cancel-by dates, live domain and certificate expiry, calendar export."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from itexit.domain.models import Tile
from itexit.domain.reminders import Reminder
from itexit.services.context import VaultContext

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


class RenewalService:
    def __init__(self, ctx: VaultContext) -> None:
        self.ctx = ctx


def tiles(ctx: VaultContext, today: date) -> list[Tile]:
    """This area's dashboard tiles (empty when it has none)."""
    return [
        Tile(
            key="renewals",
            title="Renewals due soon",
            count=None,
            caption="not set up yet",
            severity="idle",
            screen="renewals",
        )
    ]


def reminders(ctx: VaultContext, today: date) -> list[Reminder]:
    """What is due or overdue in this area, for `itexit remind` and the dashboard."""
    return []


def build_demo(vault: UnlockedVault, today: date) -> None:
    """Fill this area of the demo practice (reproducible, fictional)."""
