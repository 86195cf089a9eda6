"""A person removed from another terminal while the app is unlocked: a re-key, not tampering."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from textual.widgets import Static
from tui_steps import DEMO_MANAGER_PASSPHRASE, MANAGER, press_settled, settle, unlocked

from itexit.app import ItexitApp
from itexit.screens.error import ErrorModal, RekeyedModal
from itexit.screens.unlock import UnlockScreen
from itexit.services.gateway import Gateway


def _remove_elsewhere(gateway: Gateway, tmp_path: Path, name: str) -> None:
    """`itexit user remove NAME` in another process, as from another terminal."""
    secret = tmp_path / "omar.pp"
    secret.write_text("omar-copper-valley-17\n")
    location = gateway.location
    where = ["--vault", str(location.path)] if location.path else ["--db", str(location.url)]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "itexit",
            *where,
            "--user",
            "omar",
            "--passphrase-file",
            str(secret),
            "user",
            "remove",
            name,
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


async def test_a_removal_elsewhere_says_rekeyed_and_offers_to_lock(
    demo: Gateway, tmp_path: Path
) -> None:
    app = ItexitApp(demo.location, gateway=demo)
    async with unlocked(app, MANAGER, DEMO_MANAGER_PASSPHRASE) as pilot:
        _remove_elsewhere(demo, tmp_path, "gary")
        await press_settled(pilot, "f5")  # the credentials: each detail is decrypted
        assert not isinstance(app.screen, ErrorModal)
        assert isinstance(app.screen, RekeyedModal)
        said = str(app.screen.query_one("#rekeyed-message", Static).render())
        assert "re-keyed by someone else" in said
        assert "altered" not in said
        await pilot.click("#rekeyed-lock")
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        assert app.session is None


async def test_a_change_after_a_removal_elsewhere_offers_to_lock(
    demo: Gateway, tmp_path: Path
) -> None:
    app = ItexitApp(demo.location, gateway=demo)
    async with unlocked(app, MANAGER, DEMO_MANAGER_PASSPHRASE) as pilot:
        _remove_elsewhere(demo, tmp_path, "gary")
        session = app.session
        assert session is not None
        try:
            session.users.add("newcomer", session.identity.role, "violet comet harbour 88")
        except Exception as exc:  # the app's one place for failures
            app.show_error(exc)
        await settle(pilot)
        assert isinstance(app.screen, RekeyedModal)
        await pilot.press("escape")  # later: carry on reading what is on screen
        await settle(pilot)
        assert app.session is not None
