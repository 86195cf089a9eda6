"""Keys typed faster than the screen answers land where a person means them to.

Every key is sent at once (`type_fast`), the way a quick typist or a password manager's auto-type
does, so the keys after Tab, Enter or `/` are already waiting when the focus moves.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from tui_steps import DEMO_MANAGER_PASSPHRASE, MANAGER, settle, type_fast, unlock

from itexit.app import ItexitApp
from itexit.screens.credentials.screen import CredentialsScreen
from itexit.screens.recovery_kit import RecoveryKitScreen
from itexit.screens.setup import SetupScreen
from itexit.services.demo import build_demo
from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def frozen_demo(frozen_now: object, gateway: Gateway) -> Gateway:
    build_demo(gateway)
    return gateway


def values(pilot: Pilot[Any]) -> dict[str, str]:
    return {str(field.id): field.value for field in pilot.app.screen.query(Input)}


async def test_tab_and_enter_typed_quickly_move_to_the_next_field(location: VaultLocation) -> None:
    app = ItexitApp(location)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_fast(pilot, "s", *"abc", "tab", *"xyz")
        assert isinstance(app.screen, SetupScreen)
        assert values(pilot)["practice"] == "abc"
        assert values(pilot)["manager"] == "xyz"


async def test_a_whole_set_up_typed_in_one_go(location: VaultLocation) -> None:
    app = ItexitApp(location)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = ["s", *"Greenway Family Practice", "enter", *"maria", "tab"]
        await type_fast(pilot, *keys, *PASSPHRASE, "tab", *PASSPHRASE, "enter")
        assert isinstance(app.screen, RecoveryKitScreen), app.screen
        assert app.sub_title == "maria (Practice manager)"


async def test_a_filter_typed_quickly_filters_and_opens_nothing(frozen_demo: Gateway) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
        await type_fast(pilot, "f5", "slash", *"wi-fi")
        screen = app.screen
        assert isinstance(screen, CredentialsScreen), screen  # not the import ("i")
        assert screen.query_one("#cred-filter", Input).value == "wi-fi"
        table = screen.query_one("#cred-table")
        assert table.row_count == 2  # type: ignore[attr-defined]
