"""An older vault's member list, signed from the unlock screen after the manager sees it."""

from __future__ import annotations

import pytest
from textual.widgets import Static
from tui_steps import MANAGER, MANAGER_PASSPHRASE, PRACTICE, press_settled, unlock

from itexit.app import ItexitApp
from itexit.domain.roles import Role
from itexit.screens.dashboard import DashboardScreen
from itexit.screens.sign_roster import SignRosterModal
from itexit.screens.unlock import UnlockScreen
from itexit.services import roster as roster_service
from itexit.services.gateway import Gateway
from itexit.services.users import service as users_service

VIEWER, VIEWER_PASSPHRASE = "vic", "quiet meadow saxophone ember 63"


class _Unsigned:
    def audit_details(self) -> dict[str, object]:
        return {}


@pytest.fixture
def older(gateway: Gateway) -> Gateway:
    """A practice as the release before the signed member list left it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(roster_service, "append", lambda *a, **k: _Unsigned())
        patch.setattr(users_service, "verified_roster", lambda ctx, session: None)
        session = gateway.create(PRACTICE, MANAGER, MANAGER_PASSPHRASE).session
        session.add_user(VIEWER, Role.VIEWER, VIEWER_PASSPHRASE)
        session.lock()
    return gateway


async def test_a_manager_signs_the_member_list_after_seeing_it(older: Gateway) -> None:
    app = ItexitApp(older.location, gateway=older)
    async with app.run_test(size=(120, 36)) as pilot:
        await unlock(pilot, VIEWER, VIEWER_PASSPHRASE)
        assert isinstance(app.screen, UnlockScreen)  # not a manager: told, not asked
        error = str(app.screen.query_one("#unlock-error", Static).render())
        assert "itexit upgrade" in error
        await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
        assert isinstance(app.screen, SignRosterModal)
        shown = str(app.screen.query_one("#sign-roster-list", Static).render())
        assert MANAGER in shown and VIEWER in shown and "viewer" in shown
        await press_settled(pilot, "escape")
        assert isinstance(app.screen, UnlockScreen)
        assert "Nothing was signed" in str(app.screen.query_one("#unlock-error", Static).render())
        await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
        assert isinstance(app.screen, SignRosterModal)
        await pilot.click("#sign")
        await press_settled(pilot)
        assert isinstance(app.screen, DashboardScreen)
    assert older.unlock(VIEWER, VIEWER_PASSPHRASE).identity.role is Role.VIEWER
