"""A credential changed outside itexit, on the credentials screen: listed at its worst with a
plain explanation, and put back with P. Snapshots at two sizes and the main flow."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static
from tui_steps import MANAGER, MANAGER_PASSPHRASE, Notices, settle, unlock, work_done
from worlds import Worlds

from itexit.app import ItexitApp
from itexit.domain.credentials import Category, CredentialStatus, NewCredential
from itexit.screens.credentials.screen import CredentialsScreen
from itexit.services.gateway import Gateway

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
Snap = Callable[..., bool]


@pytest.fixture
def hidden_firewall(frozen_now: object, practice: Gateway, worlds: Worlds) -> Gateway:
    """The firewall's password was known to the leaver; someone with the database file then
    marked it as never known and already proven dead."""

    def build(practice: Gateway) -> None:
        session = practice.unlock(MANAGER, MANAGER_PASSPHRASE)
        session.credentials.add(
            NewCredential(
                system="Front-office firewall", category=Category.FIREWALL, known_to_departing=True
            )
        )
        session.credentials.add(NewCredential(system="Practice mail", category=Category.EMAIL))
        session.lock()

    gateway = worlds.restore(practice, "hidden-firewall", build)
    path = gateway.location.path
    assert path is not None
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE credentials SET known_to_departing = 0, rotation_due = 0, "
            "status = 'locked_out' WHERE system = 'Front-office firewall'"
        )
    return gateway


async def on_credentials(pilot: Pilot[Any]) -> CredentialsScreen:
    await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
    await pilot.press("f5")
    await settle(pilot)
    await work_done(pilot)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CredentialsScreen)
    return screen


@pytest.mark.parametrize("size", SIZES)
def test_put_back_snapshots(
    snap_compare: Snap, hidden_firewall: Gateway, size: tuple[int, int]
) -> None:
    app = ItexitApp(hidden_firewall.location, gateway=hidden_firewall)
    assert snap_compare(app, terminal_size=size, run_before=on_credentials)


async def test_p_puts_back_what_itexit_sealed_and_it_is_then_due(hidden_firewall: Gateway) -> None:
    notices = Notices()
    app = ItexitApp(hidden_firewall.location, gateway=hidden_firewall)
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await on_credentials(pilot)
        row = screen.selected
        assert row is not None and row.system == "Front-office firewall"
        assert row.changed_outside, "the edited row comes first, at its worst"
        panel = str(screen.query_one("#cred-detail-text", Static).render())
        assert "Changed outside itexit" in panel and "Press P" in panel
        await pilot.press("P")
        await work_done(pilot)
        await settle(pilot)
        assert "is back as itexit sealed it, and due for rotation" in notices.text
        row = screen.selected
        assert row is not None and row.system == "Front-office firewall"
        assert not row.changed_outside
        assert row.status is CredentialStatus.UNVERIFIED and row.rotation_due
        panel = str(screen.query_one("#cred-detail-text", Static).render())
        assert "Changed outside itexit" not in panel
        await pilot.press("down", "P")
        await settle(pilot)
        assert "Practice mail matches what itexit sealed" in notices.text
    session = hidden_firewall.unlock(MANAGER, MANAGER_PASSPHRASE)
    assert not any(r.changed_outside for r in session.credentials.list())
    session.lock()
