"""Backing up and the KeePass export from the dashboard: keys, dialogs, results, snapshots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Static
from tui_steps import (
    DEMO_MANAGER_PASSPHRASE,
    MANAGER,
    fill,
    press_settled,
    settle,
    unlock,
    until,
)

from itexit.app import ItexitApp
from itexit.io.importers import ImportKind, parse
from itexit.screens.backup import BackupModal, KdbxExportModal
from itexit.screens.backup_restore import ConfirmReplaceModal, RestoreModal
from itexit.screens.dashboard import DashboardScreen
from itexit.screens.first_run import FirstRunScreen
from itexit.screens.unlock import UnlockScreen
from itexit.services.demo import build_demo
from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]
EXPORT_PASS = "lighthouse pebble marmalade crescent 84"
Snap = Callable[..., bool]


@pytest.fixture
def frozen_demo(frozen_now: object, gateway: Gateway) -> Gateway:
    build_demo(gateway)
    return gateway


@pytest.fixture
def frozen_practice(frozen_now: object, gateway: Gateway) -> Gateway:
    from tui_steps import MANAGER_PASSPHRASE, PRACTICE

    gateway.create(PRACTICE, MANAGER, MANAGER_PASSPHRASE).session.lock()
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


@pytest.mark.sizes_apart  # drawn otherwise after a resize than when started at a size
@pytest.mark.parametrize("size", SIZES)
def test_kdbx_export_modal(snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
        await press_settled(pilot, "k")
        await fill(pilot, "#passphrase", EXPORT_PASS)
        await fill(pilot, "#repeat", EXPORT_PASS)

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


def backup_of(gateway: Gateway, target: Path, *, then_change: bool = False) -> Path:
    """A verified backup of the practice's vault, made as its manager."""
    from tui_steps import MANAGER_PASSPHRASE

    session = gateway.unlock(MANAGER, MANAGER_PASSPHRASE)
    made = Path(session.backups.make(target).path)
    if then_change:
        session.backups.set_max_age(10)
    session.lock()
    return made


async def test_r_on_first_run_restores_a_backup_then_asks_to_unlock(
    location: VaultLocation, tmp_path: Path
) -> None:
    from tui_steps import MANAGER_PASSPHRASE, PRACTICE

    source = Gateway.open(VaultLocation(path=tmp_path / "old-machine.sqlite"))
    source.create(PRACTICE, MANAGER, MANAGER_PASSPHRASE).session.lock()
    made = backup_of(source, tmp_path / "nightly.itexit-backup")
    source.close()
    app = ItexitApp(location)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        await press_settled(pilot, "r")
        assert isinstance(app.screen, RestoreModal)
        await fill(pilot, "#restore-file", str(made))
        await fill(pilot, "#restore-user", MANAGER)
        await fill(pilot, "#restore-passphrase", "not the passphrase at all")
        await pilot.click("#restore")
        await settle(pilot)
        assert "do not open this backup" in text_of(pilot, "#restore-message")
        await fill(pilot, "#restore-passphrase", MANAGER_PASSPHRASE)
        await pilot.click("#restore")
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        assert "Restored the backup made" in text_of(pilot, "#unlock-notice")
        await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
        assert isinstance(app.screen, DashboardScreen)
        app.exit()


async def test_restoring_over_the_vault_asks_first_and_needs_a_reason_when_older(
    practice: Gateway, tmp_path: Path
) -> None:
    from tui_steps import MANAGER_PASSPHRASE

    made = backup_of(practice, tmp_path / "b.itexit-backup", then_change=True)
    before = Path("v.sqlite").read_bytes()
    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        await press_settled(pilot, "ctrl+r")
        assert isinstance(app.screen, RestoreModal)
        await fill(pilot, "#restore-file", str(made))
        await fill(pilot, "#restore-user", MANAGER)
        await fill(pilot, "#restore-passphrase", MANAGER_PASSPHRASE)
        await pilot.click("#restore")
        assert await until(pilot, lambda: isinstance(app.screen, ConfirmReplaceModal))
        await pilot.click("#keep")
        await settle(pilot)
        assert "Nothing was restored." in text_of(pilot, "#restore-message")
        assert Path("v.sqlite").read_bytes() == before
        await pilot.click("#restore")
        assert await until(pilot, lambda: isinstance(app.screen, ConfirmReplaceModal))
        await pilot.click("#replace")
        await settle(pilot)
        assert "older than the vault this workstation last saw" in text_of(
            pilot, "#restore-message"
        )
        await fill(pilot, "#restore-reason", "the disk was replaced")
        await pilot.click("#restore")
        assert await until(pilot, lambda: isinstance(app.screen, ConfirmReplaceModal))
        await pilot.click("#replace")
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
        assert isinstance(app.screen, DashboardScreen)
        assert app.session is not None
        assert app.session.backups.status().max_age_days == 7, "the later setting is gone"
        restored = [e for e in app.session.recent_audit(10) if e.action == "vault.restore"]
        assert restored and restored[0].details["reason"] == "the disk was replaced"


@pytest.mark.parametrize("size", SIZES)
def test_restore_modal(snap_compare: Snap, location: VaultLocation, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await press_settled(pilot, "r")
        await fill(pilot, "#restore-user", MANAGER)

    assert snap_compare(ItexitApp(location), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_confirm_replace_modal(
    snap_compare: Snap, frozen_practice: Gateway, size: tuple[int, int]
) -> None:
    from itexit.services.restore import plan

    made = backup_of(frozen_practice, Path("b.itexit-backup"))

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.app.push_screen(ConfirmReplaceModal(plan(made, frozen_practice.location)))
        await settle(pilot)

    app = ItexitApp(frozen_practice.location, gateway=frozen_practice)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
