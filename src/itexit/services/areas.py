"""The one registry of areas: each one's exposures, dashboard tiles and reminders.

The dashboard, `itexit remind` and the exposure ledger read this list; none keeps a list of its
own. The demo practice (`services/demo/`) sits above the areas and fills them by the same keys.
An area's modules load on first use, so a command touching one area imports only what it reads.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from itexit.domain.exposures import Exposure
    from itexit.domain.models import Tile
    from itexit.domain.reminders import Reminder
    from itexit.services.context import VaultContext
    from itexit.services.exposures import World


class Area(Protocol):
    """What an area contributes; an area without a part returns nothing for it."""

    @property
    def key(self) -> str: ...

    def exposures(self, world: World) -> list[Exposure]: ...

    def exposures_of(self, world: World, kinds: frozenset[str]) -> list[Exposure]: ...

    def tiles(self, ctx: VaultContext, today: date) -> list[Tile]: ...

    def reminders(self, ctx: VaultContext, today: date) -> list[Reminder]: ...


@dataclass(frozen=True)
class ModuleArea:
    """An area whose parts are functions of its service module and its exposure module."""

    key: str
    service: str | None = None
    """`itexit.services.<service>`, holding `tiles` and `reminders` if it has them."""
    exposure: str | None = None
    """`itexit.services.exposures.<exposure>`, holding `exposures(world)`."""

    def _part(self, module: str | None, name: str) -> Callable[..., object] | None:
        if module is None:
            return None
        loaded = importlib.import_module(module)
        part = getattr(loaded, name, None)
        return cast("Callable[..., object] | None", part)

    def _service(self, name: str) -> Callable[..., object] | None:
        return self._part(f"itexit.services.{self.service}" if self.service else None, name)

    def exposures(self, world: World) -> list[Exposure]:
        module = f"itexit.services.exposures.{self.exposure}" if self.exposure else None
        part = self._part(module, "exposures")
        return cast("list[Exposure]", part(world)) if part else []

    def exposures_of(self, world: World, kinds: frozenset[str]) -> list[Exposure]:
        """Only its exposures of these kinds, the same ones `exposures` gives of them.

        An exposure module names the kinds it makes in `KINDS`: one that makes none of these
        is not asked at all, and one with a narrower `exposures_of(world, kinds)` of its own
        derives only what they need. A module without `KINDS` derives everything.
        """
        if self.exposure is None:
            return []
        module = importlib.import_module(f"itexit.services.exposures.{self.exposure}")
        made = cast("frozenset[str] | None", getattr(module, "KINDS", None))
        if made is not None and not made & kinds:
            return []
        narrow = getattr(module, "exposures_of", None)
        found = cast("list[Exposure]", narrow(world, kinds) if narrow else module.exposures(world))
        return [item for item in found if item.kind in kinds]

    def tiles(self, ctx: VaultContext, today: date) -> list[Tile]:
        part = self._service("tiles")
        return cast("list[Tile]", part(ctx, today)) if part else []

    def reminders(self, ctx: VaultContext, today: date) -> list[Reminder]:
        part = self._service("reminders")
        return cast("list[Reminder]", part(ctx, today)) if part else []


AREAS: tuple[Area, ...] = (
    ModuleArea("watch", service="watch", exposure="watch"),
    ModuleArea("users", exposure="access"),
    ModuleArea("credentials", service="credentials.service", exposure="credentials"),
    ModuleArea("sweep", service="sweep", exposure="sweep"),
    ModuleArea("checklist", service="checklist", exposure="cases"),
    ModuleArea("statements", service="statements.tiles"),
    ModuleArea("vendors", service="vendors.tiles", exposure="vendors"),
    ModuleArea("renewals", service="renewals.service", exposure="renewals"),
    ModuleArea("mailbox", service="mailbox", exposure="mailbox"),
    ModuleArea("backups", service="backups"),
)
"""In the order of the dashboard's tiles: the most urgent question first."""


def by_key(key: str) -> Area:
    return next(area for area in AREAS if area.key == key)
