"""The vendors' dashboard tile."""

from __future__ import annotations

from datetime import date

from itexit.domain.models import Tile
from itexit.domain.roles import Permission
from itexit.domain.wording import count
from itexit.services.context import VaultContext
from itexit.services.vendors.service import VendorService


def tiles(ctx: VaultContext, today: date) -> list[Tile]:
    """Services still tied to the leaver, from plaintext flags every role can read."""
    if not ctx.can(Permission.VENDOR_READ):
        return []
    tied, total = VendorService(ctx).tied_count()
    return [
        Tile(
            key="vendors",
            title="Services tied to the leaver",
            count=tied if total else None,
            caption=f"of {count(total, 'vendor')}" if total else "no vendors listed yet",
            severity=("alert" if tied else "ok") if total else "idle",
            screen="vendors",
        )
    ]
