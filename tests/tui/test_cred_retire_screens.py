"""Retiring and deleting a credential from the credentials screen, and the recovery channels
of the add / edit form: pilot flows against a real vault, and snapshots at two sizes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import SecretStr
from textual.pilot import Pilot
from textual.widgets import Button, Input, Static
from tui_steps import MANAGER, MANAGER_PASSPHRASE, Notices, fill, settle, unlock
from worlds import Worlds

from itexit.app import ItexitApp
from itexit.domain.credentials import Category, NewCredential
from itexit.screens.credentials.modals import CredentialFormModal
from itexit.screens.credentials.retire import RetireCredentialModal
from itexit.screens.credentials.screen import CredentialsScreen
from itexit.services.gateway import Gateway

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]
Snap = Callable[..., bool]


@pytest.fixture
def two_credentials(frozen_now: object, practice: Gateway, worlds: Worlds) -> Gateway:
    """A practice with a checked credential (it has a history) and one typed in by mistake."""

    def build(practice: Gateway) -> None:
        session = practice.unlock(MANAGER, MANAGER_PASSPHRASE)
        old = session.credentials.add(
            NewCredential(
                system="Old file server",
                category=Category.SERVER,
                known_to_departing=True,
                secret=SecretStr("not-a-real-secret-8812"),
            )
        )
        session.credentials.verify(old.id, attest="logged in at the console")
        session.credentials.add(NewCredential(system="Practise mail", category=Category.EMAIL))
        session.lock()

    return worlds.restore(practice, "two-credentials", build)


async def on_credentials(pilot: Pilot[Any], row: int = 0) -> CredentialsScreen:
    await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
    await pilot.press("f5")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CredentialsScreen)
    screen.table.focus()
    for _ in range(row):
        await pilot.press("down")
    await settle(pilot)
    return screen


def systems(screen: CredentialsScreen) -> list[str]:
    return [row.system for row in screen._rows]


async def test_retire_asks_why_then_takes_it_off_the_list(two_credentials: Gateway) -> None:
    notices = Notices()
    app = ItexitApp(two_credentials.location, gateway=two_credentials)
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await on_credentials(pilot)
        assert screen.selected is not None and screen.selected.system == "Old file server"
        await pilot.press("d")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, RetireCredentialModal)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is modal
        assert "Say why" in str(modal.query_one("#retire-message", Static).render())
        await fill(pilot, "#retire-reason", "The server was switched off in May")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert systems(screen) == ["Practise mail"]
        assert "Old file server was retired" in notices.text
    session = two_credentials.unlock(MANAGER, MANAGER_PASSPHRASE)
    retired = session.credentials.list(retired=True)
    assert [r.system for r in retired] == ["Old file server"]
    assert session.credentials.detail(retired[0].id).retired_reason == (
        "The server was switched off in May"
    )
    session.lock()


async def test_delete_needs_a_second_press_and_only_for_a_mistake(
    two_credentials: Gateway,
) -> None:
    notices = Notices()
    app = ItexitApp(two_credentials.location, gateway=two_credentials)
    async with app.run_test(size=(120, 36), message_hook=notices) as pilot:
        screen = await on_credentials(pilot)
        # the checked one: refused, in one sentence, and kept
        await pilot.press("d")
        await pilot.pause()
        await pilot.click("#delete")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, RetireCredentialModal)
        assert str(modal.query_one("#delete", Button).label) == "Delete for good"
        await fill(pilot, "#retire-reason", "typed by mistake")
        await settle(pilot)
        await pilot.click("#delete")
        await settle(pilot)
        assert app.screen is modal  # refused in the dialog, with what was typed kept
        message = str(modal.query_one("#retire-message", Static).render())
        assert "retire it instead" in message and "Traceback" not in message
        assert modal.query_one("#retire-reason", Input).value == "typed by mistake"
        assert str(modal.query_one("#delete", Button).label) == "Delete"
        await pilot.press("escape")
        await settle(pilot)
        assert systems(screen) == ["Old file server", "Practise mail"]
        # the mistake: deleted
        await pilot.press("down")
        await settle(pilot)
        assert screen.selected is not None and screen.selected.system == "Practise mail"
        await pilot.press("d")
        await pilot.pause()
        await pilot.click("#delete")
        await settle(pilot)
        await pilot.click("#delete")
        await settle(pilot)
        assert systems(screen) == ["Old file server"]
        assert "Practise mail was deleted" in notices.text


async def test_the_form_records_every_recovery_channel(practice: Gateway) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_credentials(pilot)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CredentialFormModal)
        await fill(pilot, "#cf-system", "Registrar account")
        await fill(pilot, "#cf-recovery-email", "gary@gmail.example")
        await fill(pilot, "#cf-recovery-phone", "call gary")
        await fill(pilot, "#cf-mfa-device", "Gary's own phone")
        await pilot.click("#cf-save")
        await pilot.pause()
        assert app.screen is form
        assert "not a phone number" in str(form.query_one("#cf-error", Static).render())
        assert form.query_one("#cf-mfa-device", Input).value == "Gary's own phone"
        await fill(pilot, "#cf-recovery-phone", "+1 555 010 4477")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen, str(form.query_one("#cf-error", Static).render())
        assert systems(screen) == ["Registrar account"]
    session = practice.unlock(MANAGER, MANAGER_PASSPHRASE)
    detail = session.credentials.detail("Registrar account")
    assert detail.recovery_email == "gary@gmail.example"
    assert detail.recovery_phone == "+1 555 010 4477"
    assert detail.recovery_mfa_device == "Gary's own phone"
    assert detail.summary.recovery_tied and detail.summary.rotation_due
    session.lock()


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_retire_modal(
    snap_compare: Snap, two_credentials: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await on_credentials(pilot)
        await pilot.press("d")
        await pilot.pause()
        await fill(pilot, "#retire-reason", "The server was switched off in May")
        await pilot.click("#delete")
        await settle(pilot)

    app = ItexitApp(two_credentials.location, gateway=two_credentials)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.sizes_apart  # drawn otherwise after a resize than when started at a size
@pytest.mark.parametrize("size", SIZES)
def test_snapshot_edit_form_with_recovery_channels(
    snap_compare: Snap, two_credentials: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        pilot.app.animation_level = "none"  # the form scrolls to each field at once, not mid-way
        await on_credentials(pilot)
        await pilot.press("e")
        await settle(pilot)
        await fill(pilot, "#cf-recovery-phone", "+1 555 010 4477")
        await fill(pilot, "#cf-mfa-device", "Gary's own phone")
        await settle(pilot)

    app = ItexitApp(two_credentials.location, gateway=two_credentials)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
