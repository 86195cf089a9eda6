"""The app's own crash log: an unexpected failure is written to itexit.log, private, no secrets."""

from __future__ import annotations

import stat
from pathlib import Path

from textual.widgets import Static
from tui_steps import DEMO_MANAGER_PASSPHRASE, MANAGER, settle, unlocked

from itexit import locations
from itexit.app import ItexitApp
from itexit.screens.error import ErrorModal
from itexit.services.gateway import Gateway


async def test_an_unexpected_failure_in_the_app_is_logged_privately(demo: Gateway) -> None:
    app = ItexitApp(demo.location, gateway=demo)
    log = locations.log_path()
    assert not log.exists()
    async with unlocked(app, MANAGER, DEMO_MANAGER_PASSPHRASE) as pilot:
        session = app.session
        assert session is not None

        def broken() -> None:
            secret = session.credentials.reveal("Bank payroll portal")
            raise RuntimeError(f"a bug near a revealed secret of {len(secret)} characters")

        try:
            broken()
        except RuntimeError as exc:
            app.show_error(exc)
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        said = str(app.screen.query_one("#error-message", Static).render())
        assert str(log) in said
    assert log.exists()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    text = Path(log).read_text()
    assert "RuntimeError: a bug near a revealed secret" in text
    assert "broken" in text  # the traceback, naming where it happened
    assert DEMO_MANAGER_PASSPHRASE not in text
    assert session.credentials is not None
