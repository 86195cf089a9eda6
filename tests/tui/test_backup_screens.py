"""Backing up and the KeePass export from the dashboard: keys, dialogs, results, snapshots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Static
from tui_steps import DEMO_MANAGER_PASSPHRASE, MANAGER, fill, press_settled, settle, unlock

from itexit.app import ItexitApp
from itexit.io.importers import ImportKind, parse
from itexit.screens.backup import BackupModal, KdbxExportModal
from itexit.screens.dashboard import DashboardScreen
from itexit.services.gateway import Gateway

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]
EXPORT_PASS = "lighthouse pebble marmalade crescent 84"
Snap = Callable[..., bool]


@pytest.fixture
def frozen_demo(frozen_now: object, gateway: Gateway) -> Gateway:
    gateway.build_demo()
    return gateway


def text_of(pilot: Pilot[Any], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


async def test_b_makes_a_verified_backup_and_the_tile_says_so(
    demo: Gateway, tmp_path: Path
) -> None:
    app = ItexitApp(demo.location, gateway=demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
        assert app.screen.query_one("#tile-backups")
        await press_settled(pilot, "b")
        assert isinstance(app.screen, BackupModal)
        assert "No backup has been verified yet" in text_of(pilot, "#backup-status")
        await fill(pilot, "#backup-path", str(tmp_path / "from-the-app.itexit-backup"))
        await pilot.click("#backup")
        await settle(pilot)
        assert (tmp_path / "from-the-app.itexit-backup").exists()
        result = text_of(pilot, "#backup-result")
        assert "verified" in result and "your keys open its" in result
        assert "Last verified backup" in text_of(pilot, "#backup-status")
        # The same name again: the sentence shows in the dialog, nothing is overwritten.
        await pilot.click("#backup")
        await settle(pilot)
        assert "already exists" in text_of(pilot, "#backup-result")
        assert isinstance(app.screen, BackupModal)
        await press_settled(pilot, "escape")
        assert isinstance(app.screen, DashboardScreen)
        assert app.session is not None
        (tile_model,) = [t for t in app.session.dashboard().tiles if t.key == "backups"]
        assert tile_model.count == 0 and "made today" in tile_model.caption


async def test_k_exports_every_credential_with_a_new_passphrase(
    demo: Gateway, tmp_path: Path
) -> None:
    app = ItexitApp(demo.location, gateway=demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
        await press_settled(pilot, "k")
        assert isinstance(app.screen, KdbxExportModal)
        export = app.screen.query_one("#export", Button)
        assert export.disabled
        target = tmp_path / "leaving.kdbx"
        await fill(pilot, "#export-path", str(target))
        await fill(pilot, "#passphrase", EXPORT_PASS)
        await fill(pilot, "#repeat", EXPORT_PASS + "x")
        assert export.disabled, "the two passphrases differ"
        await fill(pilot, "#repeat", EXPORT_PASS)
        assert not export.disabled
        await pilot.click("#export")
        await settle(pilot)
        assert "Wrote" in text_of(pilot, "#export-result")
        assert app.session is not None
        count = len(app.session.credentials.list())
    parsed = parse(ImportKind.KEEPASS, target.read_bytes(), password=EXPORT_PASS)
    assert len(parsed.entries) == count


async def test_hr_is_offered_neither_backup_nor_export(demo: Gateway) -> None:
    app = ItexitApp(demo.location, gateway=demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await unlock(pilot, "hannah", "hannah-meadow-quartz-28")
        assert isinstance(app.screen, DashboardScreen)
        await press_settled(pilot, "b")
        await press_settled(pilot, "k")
        assert isinstance(app.screen, DashboardScreen)
        assert not app.screen.query("#tile-backups")


@pytest.mark.parametrize("size", SIZES)
def test_backup_modal(snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
        await press_settled(pilot, "b")

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_kdbx_export_modal(snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
        await press_settled(pilot, "k")
        await fill(pilot, "#passphrase", EXPORT_PASS)
        await fill(pilot, "#repeat", EXPORT_PASS)

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
