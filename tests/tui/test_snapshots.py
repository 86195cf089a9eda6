"""Every screen and modal at 80x24 and 120x36, against a real vault, with time frozen.

The only secrets that reach a snapshot are fixed test strings: the demo practice's public
passphrases (on the demo users modal) and a made-up recovery kit. Passphrase fields are masked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Select
from tui_steps import (
    DEMO_MANAGER_PASSPHRASE,
    MANAGER,
    MANAGER_PASSPHRASE,
    fill,
    settle,
    unlock,
    until,
)
from worlds import Worlds

from itexit.app import ItexitApp
from itexit.domain.roles import Role
from itexit.screens.recovery_kit import RecoveryKitScreen
from itexit.services.demo import build_demo
from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation

FAKE_KIT = "ITX1-TESTK-ITNOT-AREAL-KEYAB-CDEFG-HIJKL-MNOPQ-RSTUV-WXYZ2-34567-AB-QRSTU"

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]

Snap = Callable[..., bool]
Step = Callable[[Pilot[Any]], Awaitable[None]]


@pytest.fixture
def frozen_practice(frozen_now: object, gateway: Gateway, worlds: Worlds) -> Gateway:

    def build(gateway: Gateway) -> None:
        gateway.create("Greenway Family Practice", MANAGER, MANAGER_PASSPHRASE).session.lock()

    return worlds.restore(gateway, "greenway-practice", build)


@pytest.fixture
def frozen_demo(frozen_now: object, gateway: Gateway, worlds: Worlds) -> Gateway:

    def build(gateway: Gateway) -> None:
        build_demo(gateway)

    return worlds.restore(gateway, "demo", build)


async def as_demo_manager(pilot: Pilot[Any]) -> None:
    await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)


async def on_demo_users(pilot: Pilot[Any]) -> None:
    await as_demo_manager(pilot)
    await pilot.press("u")
    await settle(pilot)
    table = pilot.app.screen.query_one("#users-table", DataTable)
    # the table sizes its columns when idle, after its rows have arrived
    assert await until(
        pilot, lambda: table.row_count > 0 and table.columns["role"].content_width > len("Role")
    )
    await settle(pilot)


async def select_user(pilot: Pilot[Any], name: str) -> None:
    table = pilot.app.screen.query_one("#users-table", DataTable)
    names = [str(table.get_row_at(index)[0]) for index in range(table.row_count)]
    table.move_cursor(row=names.index(name))
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_first_run(snap_compare: Snap, location: VaultLocation, size: tuple[int, int]) -> None:
    assert snap_compare(ItexitApp(location), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_setup_with_inline_validation(
    snap_compare: Snap, location: VaultLocation, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press("s")
        await pilot.pause()
        await fill(pilot, "#practice", "Greenway Family Practice")
        await fill(pilot, "#manager", "maria")
        await fill(pilot, "#passphrase", "greenway2026")
        await fill(pilot, "#repeat", "greenway2025")

    assert snap_compare(ItexitApp(location), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_recovery_kit(
    snap_compare: Snap,
    frozen_practice: Gateway,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
) -> None:
    monkeypatch.setenv("HOME", "/home/maria")  # the suggested place to save a copy

    async def run_before(pilot: Pilot[Any]) -> None:
        session = frozen_practice.unlock(MANAGER, MANAGER_PASSPHRASE)
        await pilot.app.push_screen(RecoveryKitScreen(FAKE_KIT, session))
        await pilot.pause()
        await fill(pilot, "#kit-check", "QRST")
        await pilot.press("enter")
        await pilot.pause()

    app = ItexitApp(frozen_practice.location, gateway=frozen_practice)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_unlock_of_the_demo_offers_setting_up(
    snap_compare: Snap, location: VaultLocation, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(ItexitApp(location), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_demo_users(snap_compare: Snap, location: VaultLocation, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press("d")
        await settle(pilot)

    assert snap_compare(ItexitApp(location), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_unlock_after_a_wrong_passphrase(
    snap_compare: Snap, frozen_practice: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await unlock(pilot, MANAGER, "not-the-passphrase")

    app = ItexitApp(frozen_practice.location, gateway=frozen_practice)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_dashboard(snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=as_demo_manager)


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_of_a_new_practice(
    snap_compare: Snap, frozen_practice: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)

    app = ItexitApp(frozen_practice.location, gateway=frozen_practice)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await as_demo_manager(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_users(snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=on_demo_users)


@pytest.mark.parametrize("size", SIZES)
def test_add_user_modal(snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await on_demo_users(pilot)
        await pilot.press("a")
        await pilot.pause()
        await fill(pilot, "#new-name", "sam")
        await fill(pilot, "#new-full-name", "Sam Okafor")
        await fill(pilot, "#new-email", "sam@greenway.example")
        pilot.app.screen.query_one("#new-role", Select).value = Role.CONSULTANT
        await fill(pilot, "#passphrase", "harbor-quartz")
        await pilot.pause()

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_add_user_modal_says_what_is_missing(
    snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await on_demo_users(pilot)
        await pilot.press("a")
        await pilot.pause()
        await fill(pilot, "#new-name", "jürgen")
        await fill(pilot, "#passphrase", "copper-valley-meadow-17")
        await fill(pilot, "#repeat", "copper-valley-meadow-17")
        await pilot.press("ctrl+s")
        await pilot.pause()

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_person_details_modal(
    snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await on_demo_users(pilot)
        await select_user(pilot, "gary")
        await pilot.press("e")
        await pilot.pause()
        await fill(pilot, "#person-email", "gary@")
        await pilot.pause()

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_confirm_remove_modal(
    snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await on_demo_users(pilot)
        await select_user(pilot, "gary")
        await pilot.press("d")
        await pilot.pause()

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_removal_report(snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await on_demo_users(pilot)
        await select_user(pilot, "gary")
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("tab", "enter")
        await settle(pilot)

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_error_modal(snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await on_demo_users(pilot)
        await pilot.press("a")
        await pilot.pause()
        await fill(pilot, "#new-name", "omar")
        pilot.app.screen.query_one("#new-role", Select).value = Role.MANAGER
        await fill(pilot, "#passphrase", "copper-valley-meadow-17")
        await fill(pilot, "#repeat", "copper-valley-meadow-17")
        await pilot.press("enter")
        await settle(pilot)

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_rekeyed_modal(snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        from itexit.domain.errors import VaultRekeyed

        await as_demo_manager(pilot)
        app = pilot.app
        assert isinstance(app, ItexitApp)
        app.show_error(VaultRekeyed())
        await settle(pilot)

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
