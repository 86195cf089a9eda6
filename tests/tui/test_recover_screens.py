"""A forgotten passphrase, from the unlock screen: the practice's recovery kit sets a new one and
the vault opens, in the app alone. Snapshots of the dialog at two sizes and the main flows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static
from tui_steps import MANAGER, MANAGER_PASSPHRASE, PRACTICE, fill, settle, until, work_done

from itexit.app import ItexitApp
from itexit.domain.errors import AuthenticationFailed
from itexit.screens.dashboard import DashboardScreen
from itexit.screens.recover import RecoverModal
from itexit.services.gateway import Gateway

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
Snap = Callable[..., bool]
NEW = "quiet-harbor-meadow-lantern-71"


@pytest.fixture
def kit(gateway: Gateway) -> str:
    """A new practice's recovery kit, as printed."""
    setup = gateway.create(PRACTICE, MANAGER, MANAGER_PASSPHRASE)
    setup.session.lock()
    return setup.recovery_kit


async def open_recovery(pilot: Pilot[Any]) -> RecoverModal:
    await settle(pilot)
    await fill(pilot, "#user", MANAGER)
    await pilot.press("ctrl+o")
    await settle(pilot)
    modal = pilot.app.screen
    assert isinstance(modal, RecoverModal)
    return modal


@pytest.mark.parametrize("size", SIZES)
def test_recover_snapshots(
    snap_compare: Snap, gateway: Gateway, kit: str, size: tuple[int, int]
) -> None:
    app = ItexitApp(gateway.location, gateway=gateway)
    assert snap_compare(app, terminal_size=size, run_before=open_recovery)


async def test_the_kit_sets_a_new_passphrase_and_opens_the_vault(
    gateway: Gateway, kit: str
) -> None:
    app = ItexitApp(gateway.location, gateway=gateway)
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_recovery(pilot)
        assert modal.focused is modal.query_one("#recover-kit", Input)  # the name came along
        # typed as a person reads it off paper: lower case, spaces instead of dashes
        await fill(pilot, "#recover-kit", kit.lower().replace("-", " "))
        await fill(pilot, "#recover-passphrase #passphrase", NEW)
        await fill(pilot, "#recover-passphrase #repeat", NEW)
        await pilot.press("ctrl+s")
        await work_done(pilot)
        assert await until(pilot, lambda: isinstance(pilot.app.screen, DashboardScreen))
    assert gateway.unlock(MANAGER, NEW).identity.name == MANAGER
    with pytest.raises(AuthenticationFailed):
        gateway.unlock(MANAGER, MANAGER_PASSPHRASE)


async def test_a_wrong_kit_is_refused_in_the_dialog_and_nothing_changes(
    gateway: Gateway, kit: str
) -> None:
    wrong = kit[:-3] + ("AAA" if not kit.endswith("AAA") else "BBB")
    app = ItexitApp(gateway.location, gateway=gateway)
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_recovery(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        kit_line = str(modal.query_one("#recover-kit-message", Static).render())
        assert kit_line == "Type the code printed on the recovery kit."
        await fill(pilot, "#recover-kit", wrong)
        await fill(pilot, "#recover-passphrase #passphrase", NEW)
        await fill(pilot, "#recover-passphrase #repeat", NEW)
        await pilot.press("ctrl+s")
        await work_done(pilot)
        await settle(pilot)
        assert pilot.app.screen is modal
        said = str(modal.query_one("#recover-message", Static).render())
        assert said.endswith(".") and "kit" in said
        assert modal.query_one("#recover-kit", Input).value == wrong  # kept to correct
    assert gateway.unlock(MANAGER, MANAGER_PASSPHRASE).identity.name == MANAGER
