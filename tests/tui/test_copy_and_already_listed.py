"""Copy buttons (the new secret in the rotation wizard, audited as a copy first, and a list's
unsubscribe target) clear themselves; a renewal listed already is asked about, form kept."""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import Button, Select, Static
from tui_steps import DEMO_MANAGER_PASSPHRASE, MANAGER, press_settled, settle, unlock, until
from worlds import Worlds

from itexit.app import ItexitApp
from itexit.domain.mailbox import MessageClass
from itexit.screens.credentials.rotation_wizard import RotationWizard
from itexit.screens.mailbox.modals import UnsubscribeModal
from itexit.services.demo import build_demo
from itexit.services.gateway import Gateway


@pytest.fixture(autouse=True)
def terminal_clipboard(monkeypatch: pytest.MonkeyPatch) -> None:
    """No local clipboard tool; OSC 52 opted in, so a copy lands in the app's clipboard and a
    clear empties it. The clearing comes after a fraction of a second instead of 15."""
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ITEXIT_OSC52", "1")
    monkeypatch.setattr("itexit.screens.timed_copy.CLEAR_SECONDS", 0.5)


@pytest.fixture
def frozen_demo(frozen_now: object, gateway: Gateway, worlds: Worlds) -> Gateway:
    return worlds.restore(gateway, "demo", lambda gateway: build_demo(gateway))


async def test_the_wizard_copies_the_new_secret_audited_then_clears_it(
    frozen_demo: Gateway,
) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
        await press_settled(pilot, "f5")
        table = app.screen.query_one("#cred-table")
        while table.cursor_item.status.value in ("rotation_pending", "needs_reconcile"):  # type: ignore[attr-defined]
            await pilot.press("down")
        await press_settled(pilot, "r")
        wizard = app.screen
        assert isinstance(wizard, RotationWizard)
        assert not wizard.query_one("#wiz-copy", Button).display  # nothing to copy yet
        await pilot.click("#wiz-generate")
        await settle(pilot)
        shown = str(wizard.query_one("#wiz-secret", Static).render())
        secret = shown.removeprefix("New secret:").strip()
        assert wizard.query_one("#wiz-copy", Button).display
        await pilot.click("#wiz-copy")
        await settle(pilot)
        assert app.clipboard == secret
        assert "clears in" in str(wizard.query_one("#wiz-message", Static).render())
        assert await until(pilot, lambda: app.clipboard == "", seconds=10)
        system = wizard._summary.system
    event = frozen_demo.unlock(MANAGER, DEMO_MANAGER_PASSPHRASE).recent_audit(3)
    copied = next(e for e in event if e.action == "cred.copy")
    assert copied.target == system and copied.details["field"] == "pending"
    assert secret not in str(copied.details)


async def test_the_unsubscribe_target_is_copied_and_cleared(frozen_demo: Gateway) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
        await press_settled(pilot, "f8")
        app.screen.query_one("#mail-class", Select).value = MessageClass.NEWSLETTER.value
        await settle(pilot)
        app.screen.query_one("#mail-table").focus()
        await press_settled(pilot, "u")
        modal = app.screen
        assert isinstance(modal, UnsubscribeModal)
        target = str(modal.query_one("#unsubscribe-target", Static).render())
        await pilot.click("#unsubscribe-copy")
        await settle(pilot)
        assert app.clipboard == target and target
        assert "clears in" in str(modal.query_one("#unsubscribe-copied", Static).render())
        assert await until(pilot, lambda: app.clipboard == "", seconds=10)


async def test_without_a_clipboard_the_button_says_so(
    frozen_demo: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ITEXIT_OSC52")
    monkeypatch.setattr("itexit.screens.credentials.clipboard.local_tool", lambda: None)
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
        await press_settled(pilot, "f8")
        app.screen.query_one("#mail-class", Select).value = MessageClass.NEWSLETTER.value
        await settle(pilot)
        app.screen.query_one("#mail-table").focus()
        await press_settled(pilot, "u")
        await pilot.click("#unsubscribe-copy")
        await settle(pilot)
        assert "No clipboard here" in str(
            app.screen.query_one("#unsubscribe-copied", Static).render()
        )
        assert app.clipboard == ""
    assert date.today() == date(2026, 11, 23)


async def test_a_renewal_listed_already_is_asked_about_and_the_form_kept(
    frozen_demo: Gateway,
) -> None:
    from textual.widgets import Input
    from tui_steps import fill

    from itexit.screens.already_listed import AlreadyListedModal
    from itexit.screens.renewals.form import RenewalFormModal

    before = len(frozen_demo.unlock(MANAGER, DEMO_MANAGER_PASSPHRASE).renewals.list())
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
        await press_settled(pilot, "f7")
        await press_settled(pilot, "a")
        form = app.screen
        assert isinstance(form, RenewalFormModal)
        await fill(pilot, "#renewal-vendor", "Lanternhost Domains")
        await fill(pilot, "#renewal-item", "GreenwayFP.example")
        await fill(pilot, "#renewal-date", "2027-06-01")
        await press_settled(pilot, "ctrl+s")
        assert isinstance(app.screen, AlreadyListedModal)
        heading = str(app.screen.query_one(".heading", Static).render())
        assert heading.startswith("This looks like Lanternhost Domains: greenwayfp.example")
        assert heading.endswith("already listed — add anyway?")
        await pilot.click("#listed-back")
        await settle(pilot)
        assert app.screen is form
        assert form.query_one("#renewal-item", Input).value == "GreenwayFP.example"
        await press_settled(pilot, "ctrl+s")
        await pilot.click("#listed-add")
        await settle(pilot)
        assert not isinstance(app.screen, RenewalFormModal | AlreadyListedModal)
    after = frozen_demo.unlock(MANAGER, DEMO_MANAGER_PASSPHRASE).renewals.list()
    assert len(after) == before + 1
