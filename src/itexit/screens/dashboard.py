"""The dashboard answers one question: what can the departing person still reach?"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.message import Message
from textual.widgets import Header, LoadingIndicator, Static

from itexit.domain.models import DashboardSummary, Tile
from itexit.domain.roles import Permission
from itexit.screens.base import DIALOG, ItexitScreen, ScreenAction
from itexit.widgets.exposures import ExposureList
from itexit.widgets.keybar import KeyBar
from itexit.widgets.tile import DashboardTile

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


def _tile_binding(number: int) -> Binding:
    return Binding(
        str(number),
        f"open_tile({number})",
        f"Open tile {number}",
        show=False,
        system=True,
        id=f"dashboard.tile_{number}",
        tooltip=f"Open the area of tile {number}",
    )


class DashboardScreen(ItexitScreen):
    """Tiles for every area, coloured by how urgent it is, and who is leaving."""

    # Its stylesheet, dashboard.tcss, is loaded with the app's (see `ItexitApp.CSS_PATH`).
    AUTO_FOCUS = "DashboardTile"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (140, "-wide")]
    HELP = (
        "The dashboard shows what the departing person can still reach: first every open "
        "exposure, per person, most severe first (E goes to the list; Enter opens the screen "
        "that closes one; A accepts its risk until a date), then one tile per area as a "
        "summary; its number opens it. Grey tiles are areas not set up yet. A banner warns "
        "while too few people can unlock."
    )

    BINDINGS = [
        Binding(
            "r",
            "refresh_summary",
            "Refresh",
            id="dashboard.refresh",
            tooltip="Read the counts again from the vault",
        ),
        Binding(
            "u",
            "choose_area('users')",
            "Users",
            id="dashboard.users",
            tooltip="Who can unlock the vault (practice managers only)",
        ),
        Binding(
            "e",
            "focus_exposures",
            "Exposures",
            id="dashboard.exposures",
            tooltip="Go to the open exposures; Enter opens the screen that closes one",
        ),
        Binding(
            "a",
            "accept_risk",
            "Accept the risk",
            id="dashboard.accept_risk",
            tooltip="Carry the chosen exposure knowingly until a date (practice managers)",
        ),
        Binding(
            "b",
            "back_up",
            "Back up",
            id="dashboard.backup",
            tooltip="Make a backup of the vault and prove it restores",
        ),
        Binding(
            "k",
            "export_kdbx",
            "KeePass export",
            id="dashboard.export_kdbx",
            tooltip="Write every credential you may read into a new KeePass database",
        ),
        Binding(
            "l",
            "choose_area('audit')",
            "Audit log",
            show=False,
            id="dashboard.audit",
            tooltip="Every change made in the vault, newest first, and whether the record checks",
        ),
        *(_tile_binding(number) for number in range(1, 10)),
    ]

    @dataclass
    class AreaChosen(Message):
        """The person asked to open an area (a tile's `screen`, or None if it has none)."""

        area: str | None
        title: str

    def __init__(self, session: UnlockedVault, summary: DashboardSummary | None = None) -> None:
        """`summary`, when the caller already read it, is drawn at once instead of loaded."""
        super().__init__()
        self._session = session
        self._summary = summary
        self._tiles: list[Tile] = list(summary.tiles) if summary else []
        self._away = False

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with VerticalScroll(id="dashboard-body"):
            yield Static("", id="dashboard-banner", classes="banner")
            yield Static(
                "What can the departing person still reach?",
                id="dashboard-question",
                classes="heading",
            )
            yield Static("", id="dashboard-departing", classes="hint")
            yield Static("", id="dashboard-exposed", classes="heading")
            yield ExposureList(id="dashboard-exposures")
            busy = LoadingIndicator(id="dashboard-busy")
            busy.display = self._summary is None
            yield busy
            with Grid(id="tiles"):
                yield from self._tile_widgets()
        yield KeyBar()

    def _tile_widgets(self) -> list[DashboardTile]:
        return [
            DashboardTile(tile, number, id=f"tile-{tile.key}")
            for number, tile in enumerate(self._tiles, start=1)
        ]

    def on_mount(self) -> None:
        if self._summary is None:
            self.query_one("#dashboard-banner").display = False
            self.action_refresh_summary()
        else:
            self._show_text(self._summary)

    def on_screen_suspend(self) -> None:
        self._away = True

    def on_screen_resume(self) -> None:
        """Back from an area or a dialog: the numbers may have changed there."""
        if self._away:
            self._away = False
            self.action_refresh_summary()

    def action_refresh_summary(self) -> None:
        self.load_summary()

    def load_summary(self) -> None:
        # the tiles are mounted anew, which is awaited: call_later runs the coroutine
        self.in_background(
            self._session.dashboard, partial(self.call_later, self._show_summary), group="dashboard"
        )

    async def _show_summary(self, summary: DashboardSummary) -> None:
        focused_number = self.focused.number if isinstance(self.focused, DashboardTile) else 1
        self._show_text(summary)
        self._tiles = list(summary.tiles)
        grid = self.query_one("#tiles", Grid)
        await grid.remove_children()
        await grid.mount_all(self._tile_widgets())
        self._focus_tile(focused_number)

    def _show_text(self, summary: DashboardSummary) -> None:
        """The banner and the line naming who is leaving; the busy indicator goes."""
        self.query_one("#dashboard-busy").display = False
        banner = self.query_one("#dashboard-banner", Static)
        warning = summary.coverage.warning
        banner.update(f"⚠  {warning}" if warning else "")
        banner.display = warning is not None
        departing = self.query_one("#dashboard-departing", Static)
        if summary.departing:
            departing.update("Leaving: " + ", ".join(summary.departing))
        else:
            departing.update("Nobody is marked as leaving yet.")
        exposed = self.query_one("#dashboard-exposed", Static)
        items = summary.exposures
        critical = sum(1 for e in items if e.severity.name == "CRITICAL")
        accepted = f" · {summary.accepted} accepted" if summary.accepted else ""
        if items:
            exposed.update(
                f"{len(items)} open exposure{'s' if len(items) != 1 else ''}"
                f" ({critical} critical){accepted}"
            )
        else:
            exposed.update(f"No open exposure{accepted}.")
        listing = self.query_one("#dashboard-exposures", ExposureList)
        listing.show(items)
        listing.display = bool(items)

    def _focus_tile(self, number: int) -> None:
        tiles = list(self.query_one("#tiles", Grid).query(DashboardTile))
        if tiles:
            tiles[min(number, len(tiles)) - 1].focus()

    def extra_actions(self) -> list[ScreenAction]:
        return [
            ScreenAction(
                key=str(number),
                description=f"Open tile {number}: {tile.title}",
                tooltip=f"{tile.title}: {tile.count} ({tile.caption})"
                if tile.count is not None
                else f"{tile.title}: not set up yet",
                action=f"open_tile({number})",
                node=self,
                binding_id=f"dashboard.tile_{number}",
            )
            for number, tile in enumerate(self._tiles[:9], start=1)
        ]

    def action_focus_exposures(self) -> None:
        listing = self.query_one("#dashboard-exposures", ExposureList)
        if listing.display:
            listing.focus()
            if listing.highlighted is None:  # on the first exposure, so Enter or a acts at once
                listing.highlighted = next(
                    (
                        i
                        for i in range(listing.option_count)
                        if not listing.get_option_at_index(i).disabled
                    ),
                    None,
                )

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_accept_risk(self) -> None:
        """Accept the risk of the exposure under the cursor; only managers may."""
        from datetime import date

        from itexit.screens.accept_risk import AcceptRiskModal

        if not self._session.exposures.may_accept():
            self.notify(
                "Only a practice manager can accept a risk; ask one to do it.",
                title="Not allowed",
                severity="warning",
            )
            return
        listing = self.query_one("#dashboard-exposures", ExposureList)
        item = listing.highlighted_exposure() if listing.display else None
        if item is None:
            self.notify("Press e, move to an exposure, then press a.", title="Accept the risk")
            return

        result = await self.app.push_screen_wait(AcceptRiskModal(self._session, item, date.today()))
        if result is not None and result.acceptance is not None:
            self.notify(
                f"{result.subject} is accepted until {result.acceptance.until:%d %b %Y}; "
                "it is open again after that date.",
                title="Risk accepted",
            )
            self.action_refresh_summary()

    @on(ExposureList.Chosen)
    def _exposure_chosen(self, message: ExposureList.Chosen) -> None:
        message.stop()
        closing = message.exposure.closing
        self.post_message(self.AreaChosen(closing.screen, message.exposure.kind_label))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Backing up and the export are offered only to roles allowed them; accepting a risk
        while an exposure is chosen."""
        if action == "accept_risk":  # offered while the exposure list has the focus
            return isinstance(self.focused, ExposureList)
        needs = {"back_up": Permission.VAULT_BACKUP, "export_kdbx": Permission.CRED_REVEAL}
        if action in needs:
            return self._session.can(needs[action])
        return True

    def action_back_up(self) -> None:
        from itexit.screens.backup import BackupModal

        self.app.push_screen(BackupModal(self._session))

    def action_export_kdbx(self) -> None:
        from pathlib import Path

        from itexit.screens.backup import KdbxExportModal

        self.app.push_screen(KdbxExportModal(self._session, Path("itexit-export.kdbx")))

    def action_open_tile(self, number: int) -> None:
        if 1 <= number <= len(self._tiles):
            self._choose(self._tiles[number - 1])

    def action_choose_area(self, area: str) -> None:
        title = next((tile.title for tile in self._tiles if tile.screen == area), area.title())
        self.post_message(self.AreaChosen(area, title))

    @on(DashboardTile.Chosen)
    def _tile_chosen(self, message: DashboardTile.Chosen) -> None:
        message.stop()
        self._choose(message.tile)

    def _choose(self, tile: Tile) -> None:
        self.post_message(self.AreaChosen(tile.screen, tile.title))
