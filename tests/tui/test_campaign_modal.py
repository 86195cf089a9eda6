"""The campaign key on the credentials screen: progress, then what was done and what needs a
person, for real systems (a loopback MariaDB) beside the ones rotated by hand."""

from __future__ import annotations

from typing import Any

from mariadb_account import self_changed_account
from test_credentials_screens import on_credentials
from textual.widgets import ProgressBar, Static
from tui_steps import DEMO_MANAGER_PASSPHRASE, MANAGER, settle, work_done

from itexit.app import ItexitApp
from itexit.domain.credentials import CredentialStatus
from itexit.services.demo import build_demo
from itexit.services.gateway import Gateway


async def test_rotate_all_due_from_the_credentials_screen(
    frozen_now: object, gateway: Gateway, mariadb_server: Any
) -> None:

    build_demo(gateway)
    session = gateway.unlock(MANAGER, DEMO_MANAGER_PASSPHRASE)
    old = "Old-secret-for-the-pilot-1!"
    cid, _account = self_changed_account(session, mariadb_server, old)
    session.lock()

    app = ItexitApp(gateway.location, gateway=gateway)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_credentials(pilot)
        await pilot.press("A")
        await settle(pilot)
        modal = pilot.app.screen
        status = modal.query_one("#campaign-status", Static)
        assert "1 due credential can be changed by itexit" in str(status.render())
        await pilot.press("enter")  # Start has the focus
        await settle(pilot)
        await work_done(pilot)
        await settle(pilot)
        text = str(status.render())
        assert "Rotated and proven: 1. Needs a person: 0." in text
        # the ones itexit cannot change are left for a person, not claimed as rotated
        assert "Left to rotate by hand: " in text and "Rotated by hand" not in text
        assert modal.query_one("#campaign-progress", ProgressBar).percentage == 1.0
        log = str(modal.query_one("#campaign-log", Static).render())
        assert "Practice database: new secret set and working" in log
        assert old not in log
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is not modal

    session = gateway.unlock(MANAGER, DEMO_MANAGER_PASSPHRASE)
    assert session.credentials.detail(cid).summary.status is CredentialStatus.LOCKED_OUT
