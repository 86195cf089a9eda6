"""The demo practice is kept between visits: choosing it again on the first-run screen reopens it
as it was left, and "Demo afresh" (n) builds it again as new only after asking."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Static
from tui_steps import DEMO_MANAGER_PASSPHRASE, MANAGER, fill, press_settled, settle

from itexit.app import ItexitApp
from itexit.screens.dashboard import DashboardScreen
from itexit.screens.demo_users import DemoUsersModal
from itexit.screens.first_run import KEPT_DEMO, NEW_DEMO, FirstRunScreen, StartAfreshModal
from itexit.screens.setup import SetupScreen
from itexit.services.demo import build_demo
from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
Snap = Callable[..., bool]
FINDING = "Looked through it in the demo: nothing new."


def demo_reviews() -> int:
    """How many reviews of Gary's mailbox the demo on disk holds (the demo builds three)."""
    gateway = Gateway.open(VaultLocation.demo())
    try:
        session = gateway.unlock(MANAGER, DEMO_MANAGER_PASSPHRASE)
        try:
            return len(session.mailboxes.reviews("gary"))
        finally:
            session.lock()
    finally:
        gateway.close()


def review_in_the_demo() -> None:
    """Something done in the demo that a rebuild would throw away."""
    gateway = Gateway.open(VaultLocation.demo())
    try:
        session = gateway.unlock(MANAGER, DEMO_MANAGER_PASSPHRASE)
        session.mailboxes.record_review("gary", FINDING)
        session.lock()
    finally:
        gateway.close()


def hint(app: ItexitApp) -> str:
    return str(app.screen.query_one("#first-run-demo-hint", Static).render())


@pytest.fixture
def kept_demo(frozen_now: object) -> None:
    """A demo practice built on an earlier visit, with one review logged in it since."""
    gateway = Gateway.open(VaultLocation.demo())
    try:
        build_demo(gateway)
    finally:
        gateway.close()
    review_in_the_demo()


@pytest.mark.parametrize("size", SIZES)
def test_first_run_with_a_demo_kept(
    snap_compare: Snap, kept_demo: None, location: VaultLocation, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)

    assert snap_compare(ItexitApp(location), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_start_afresh_asks_first(
    snap_compare: Snap, kept_demo: None, location: VaultLocation, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await press_settled(pilot, "n")

    assert snap_compare(ItexitApp(location), terminal_size=size, run_before=run_before)


async def test_the_demo_is_reopened_as_it_was_left(location: VaultLocation) -> None:
    app = ItexitApp(location)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert hint(app) == NEW_DEMO
        assert "n" not in app.screen.active_bindings  # nothing to start afresh yet
        await press_settled(pilot, "n")
        assert isinstance(app.screen, FirstRunScreen)
        await press_settled(pilot, "d")
        assert isinstance(app.screen, DemoUsersModal)
    assert demo_reviews() == 3
    review_in_the_demo()

    # the next visit finds it, says so, and opens it as it was left
    app = ItexitApp(location)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        assert hint(app) == KEPT_DEMO
        await press_settled(pilot, "d")
        assert isinstance(app.screen, DemoUsersModal)
        table = app.screen.query_one("#demo-users", DataTable)
        assert str(table.get_row_at(0)[0]) == MANAGER
        await press_settled(pilot, "enter")
        await fill(pilot, "#passphrase", DEMO_MANAGER_PASSPHRASE)
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, DashboardScreen)
        assert app.session is not None
        reviews = app.session.mailboxes.reviews("gary")
        assert len(reviews) == 4 and reviews[0].findings == FINDING

        # leaving for the practice's own set-up and coming back keeps it too
        await press_settled(pilot, "ctrl+n")
        assert isinstance(app.screen, SetupScreen)
        await press_settled(pilot, "escape")
        assert isinstance(app.screen, FirstRunScreen)
        await settle(pilot)
        assert hint(app) == KEPT_DEMO
    assert demo_reviews() == 4


async def test_starting_the_demo_afresh_asks_and_builds_it_again(
    kept_demo: None, location: VaultLocation
) -> None:
    assert demo_reviews() == 4
    app = ItexitApp(location)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert hint(app) == KEPT_DEMO
        await press_settled(pilot, "n")
        assert isinstance(app.screen, StartAfreshModal)
        assert app.screen.focused is app.screen.query_one("#keep-demo", Button)
        await press_settled(pilot, "escape")  # kept as it is
        assert isinstance(app.screen, FirstRunScreen)
    assert demo_reviews() == 4

    app = ItexitApp(location)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press_settled(pilot, "n")
        await press_settled(pilot, "enter")  # "Keep it as it is" has the focus
        assert isinstance(app.screen, FirstRunScreen)
    assert demo_reviews() == 4

    app = ItexitApp(location)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press_settled(pilot, "n")
        await pilot.click("#afresh")
        await settle(pilot)
        assert isinstance(app.screen, DemoUsersModal)
    assert demo_reviews() == 3
