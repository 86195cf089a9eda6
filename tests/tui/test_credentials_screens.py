"""The credentials screen, its rotation wizard and dialogs: snapshots and the main flows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from tui_steps import DEMO_MANAGER_PASSPHRASE, MANAGER, fill, settle, unlock

from itexit.app import ItexitApp
from itexit.services.gateway import Gateway

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]
Snap = Callable[..., bool]


@pytest.fixture
def frozen_demo(frozen_now: object, gateway: Gateway) -> Gateway:
    gateway.build_demo()
    return gateway


async def on_credentials(pilot: Pilot[Any]) -> None:
    await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
    await pilot.press("f5")
    await settle(pilot)
    await pilot.app.workers.wait_for_complete()
    await settle(pilot)


def then(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await on_credentials(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await pilot.app.workers.wait_for_complete()
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "keys",
    [
        pytest.param((), id="screen"),
        pytest.param(("r",), id="wizard"),
        pytest.param(("down", "down", "r"), id="wizard-start"),
        pytest.param(("a",), id="add"),
        pytest.param(("h",), id="history"),
        pytest.param(("v",), id="attest"),
    ],
)
def test_credentials_snapshots(
    snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int], keys: tuple[str, ...]
) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=then(*keys))


async def test_filter_reveal_and_attested_verify(frozen_demo: Gateway) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_credentials(pilot)
        screen = pilot.app.screen
        table = screen.query_one("#cred-table")
        assert table.row_count == 14  # type: ignore[attr-defined]
        await pilot.press("slash")
        for ch in "firewall":
            await pilot.press(ch)
        await settle(pilot)
        assert table.row_count == 1  # type: ignore[attr-defined]
        await pilot.press("enter", "s")
        await pilot.app.workers.wait_for_complete()
        await settle(pilot)
        shown = str(screen.query_one("#cred-secret").render())
        assert "hides in" in shown
        screen._hide_secret()  # type: ignore[attr-defined]
        assert "hides in" not in str(screen.query_one("#cred-secret").render())
        await pilot.press("v")
        await settle(pilot)
        await fill(pilot, "#at-how", "logged in at the console")
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await settle(pilot)
        await pilot.app.workers.wait_for_complete()
        await settle(pilot)
        row = table.cursor_item  # type: ignore[attr-defined]
        assert row.system == "Front-office firewall" and row.status.value == "verified"
    with frozen_demo.store.engine.connect() as conn:
        from sqlalchemy import text

        actions = [r[0] for r in conn.execute(text("SELECT action FROM audit_events"))]
    assert "cred.reveal" in actions and "cred.verify" in actions
