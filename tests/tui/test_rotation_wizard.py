"""The rotation wizard by keyboard: Enter moves each step on and never closes it by surprise."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static
from tui_steps import DEMO_MANAGER_PASSPHRASE, MANAGER, settle, type_fast, unlock, work_done

from itexit.app import ItexitApp
from itexit.domain.credentials import CredentialStatus
from itexit.screens.credentials.rotation_wizard import RotationWizard
from itexit.services.demo import build_demo
from itexit.services.gateway import Gateway


@pytest.fixture
def frozen_demo(frozen_now: object, gateway: Gateway) -> Gateway:
    build_demo(gateway)
    return gateway


async def test_a_hand_checked_rotation_by_enter_alone(frozen_demo: Gateway) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
        await type_fast(pilot, "f5", "slash", *"firewall", "enter", "r")
        await work_done(pilot)
        await settle(pilot)
        wizard = app.screen
        assert isinstance(wizard, RotationWizard), wizard
        assert wizard.manual

        # Words instead of characters, with the length left as it was.
        await type_fast(pilot, "tab", "backspace", "4", "enter")
        await work_done(pilot)
        await settle(pilot)
        secret = str(wizard.query_one("#wiz-secret", Static).render())
        assert secret.count("-") == 3  # four words

        # "How did you check?" has the focus; an empty Enter is refused where it was typed.
        attest = wizard.query_one("#wiz-attest", Input)
        assert attest.has_focus
        await type_fast(pilot, "enter")
        assert app.screen is wizard
        assert "say how you checked" in str(wizard.query_one("#wiz-message", Static).render())
        await type_fast(pilot, *"logged in at the console", "enter")
        await work_done(pilot)
        await settle(pilot)
        assert wizard._summary.status is CredentialStatus.ROTATED

        # A second Enter, meant for "Confirm it works", does not close the wizard.
        assert app.screen is wizard and attest.has_focus
        await type_fast(pilot, "enter")
        assert app.screen is wizard
        await type_fast(pilot, *"old password refused at the console", "enter")
        await work_done(pilot)
        await settle(pilot)
        assert wizard._summary.status is CredentialStatus.LOCKED_OUT


async def test_ctrl_s_moves_each_step_on_as_in_every_form(frozen_demo: Gateway) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
        await type_fast(pilot, "f5", "slash", *"firewall", "enter", "r")
        await work_done(pilot)
        await settle(pilot)
        wizard = app.screen
        assert isinstance(wizard, RotationWizard), wizard
        await type_fast(pilot, "ctrl+s")  # generate and save
        await work_done(pilot)
        await settle(pilot)
        assert wizard._summary.status is CredentialStatus.ROTATION_PENDING
        await type_fast(pilot, *"logged in at the console", "ctrl+s")
        await work_done(pilot)
        await settle(pilot)
        assert wizard._summary.status is CredentialStatus.ROTATED
        await type_fast(pilot, *"old password refused", "ctrl+s")
        await work_done(pilot)
        await settle(pilot)
        assert wizard._summary.status is CredentialStatus.LOCKED_OUT
        await type_fast(pilot, "ctrl+s")  # done: it closes
        await settle(pilot)
        assert app.screen is not wizard
