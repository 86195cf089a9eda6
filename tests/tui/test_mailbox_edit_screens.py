"""Changing a monitored mailbox from the app, its departure date from the case, and a second
mailbox at the same address asked about before it is added."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static
from tui_steps import MANAGER, MANAGER_PASSPHRASE, fill, press_settled, settle, unlock
from worlds import Worlds

from itexit.app import ItexitApp
from itexit.domain.checklist import CaseKind, NewCase
from itexit.domain.credentials import Category, NewCredential
from itexit.domain.mailbox import NewMailbox, Tls
from itexit.screens.already_listed import AlreadyListedModal
from itexit.screens.mailbox import MailboxScreen
from itexit.screens.mailbox.edit import EditMailboxModal
from itexit.screens.mailbox.modals import AddMailboxModal
from itexit.services.gateway import Gateway

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
Snap = Callable[..., bool]
LEFT = date(2026, 11, 20)


@pytest.fixture
def gary_case(frozen_now: object, gateway: Gateway, worlds: Worlds) -> Gateway:
    """Gary Thistle's case (with his address), a mail login, and his mailbox without a server."""

    def build(gateway: Gateway) -> None:
        session = gateway.create("Greenway Family Practice", MANAGER, MANAGER_PASSPHRASE).session
        session.cases.create(
            NewCase(
                name="Gary Thistle",
                kind=CaseKind.IT_EMPLOYEE,
                termination_date=LEFT,
                emails=["gary@greenwayfp.example", "g.thistle@outlook.example"],
            )
        )
        session.credentials.add(
            NewCredential(
                system="Gary's mailbox",
                category=Category.EMAIL,
                username="gary@greenwayfp.example",
                secret="not-a-real-password-1",  # type: ignore[arg-type]
            )
        )
        session.mailboxes.add(
            NewMailbox(address="gary@greenwayfp.example", name="gary", left_on=LEFT)
        )
        session.lock()

    return worlds.restore(gateway, "gary-case-mailbox", build)


async def open_mailbox(pilot: Pilot[Any]) -> MailboxScreen:
    await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
    await press_settled(pilot, "f8")
    screen = pilot.app.screen
    assert isinstance(screen, MailboxScreen)
    return screen


async def open_edit(pilot: Pilot[Any]) -> None:
    await open_mailbox(pilot)
    await press_settled(pilot, "e")
    assert isinstance(pilot.app.screen, EditMailboxModal)


async def test_the_server_login_and_cadence_are_added_later(gary_case: Gateway) -> None:
    login = gary_case.unlock(MANAGER, MANAGER_PASSPHRASE).credentials.list()[0].id
    app = ItexitApp(gary_case.location, gateway=gary_case)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_edit(pilot)
        modal = app.screen
        assert modal.query_one("#edit-left-on", Input).value == "2026-11-20"
        await fill(pilot, "#edit-host", "imap.greenwayfp.example")
        cred = modal.query_one("#edit-cred", Select)
        cred.value = login
        await fill(pilot, "#edit-weeks", "60")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is modal  # refused beside the form, nothing lost
        assert "between 0 and 52" in str(modal.query_one("#edit-message", Static).render())
        assert modal.query_one("#edit-host", Input).value == "imap.greenwayfp.example"
        await fill(pilot, "#edit-weeks", "6")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MailboxScreen)
    box = gary_case.unlock(MANAGER, MANAGER_PASSPHRASE).mailboxes.get("gary")
    assert (box.imap_host, box.imap_port, box.tls) == ("imap.greenwayfp.example", 993, Tls.SSL)
    assert box.credential_system == "Gary's mailbox" and box.daily_weeks == 6


async def test_the_departure_date_comes_from_the_case_and_a_second_box_is_asked_about(
    gary_case: Gateway,
) -> None:
    app = ItexitApp(gary_case.location, gateway=gary_case)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_mailbox(pilot)
        await press_settled(pilot, "a")
        modal = app.screen
        assert isinstance(modal, AddMailboxModal)
        await fill(pilot, "#add-address", "G.Thistle@outlook.example")
        assert modal.query_one("#add-left-on", Input).value == "2026-11-20"
        assert "Gary Thistle" in str(modal.query_one("#add-left-on-from", Static).render())
        # the same address as the mailbox already watched: asked, and going back loses nothing
        await fill(pilot, "#add-address", "gary@greenwayfp.example")
        await pilot.click("#add")
        await settle(pilot)
        assert isinstance(app.screen, AlreadyListedModal)
        heading = str(app.screen.query_one(".heading", Static).render())
        assert "This looks like gary@greenwayfp.example" in heading and "add anyway?" in heading
        await pilot.click("#listed-back")
        await settle(pilot)
        assert app.screen is modal
        assert modal.query_one("#add-address", Input).value == "gary@greenwayfp.example"
        await pilot.click("#add")
        await settle(pilot)
        await pilot.click("#listed-add")
        await settle(pilot)
        assert isinstance(app.screen, MailboxScreen)
    boxes = gary_case.unlock(MANAGER, MANAGER_PASSPHRASE).mailboxes.list_mailboxes()
    assert [b.address for b in boxes].count("gary@greenwayfp.example") == 2


async def test_ctrl_s_monitors_the_mailbox_or_says_why_not(gary_case: Gateway) -> None:
    app = ItexitApp(gary_case.location, gateway=gary_case)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mailbox(pilot)
        await press_settled(pilot, "a")
        modal = app.screen
        assert isinstance(modal, AddMailboxModal)
        await press_settled(pilot, "ctrl+s")
        assert app.screen is modal
        said = str(modal.query_one("#add-message", Static).render())
        assert said == "Type the e-mail address to monitor."
        await fill(pilot, "#add-address", "G.Thistle@outlook.example")
        await press_settled(pilot, "ctrl+s")
        assert isinstance(app.screen, MailboxScreen)
    boxes = gary_case.unlock(MANAGER, MANAGER_PASSPHRASE).mailboxes.list_mailboxes()
    assert "g.thistle@outlook.example" in [b.address for b in boxes]


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_edit_mailbox_modal(
    snap_compare: Snap, gary_case: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_edit(pilot)
        pilot.app.screen.query_one("#cancel").focus()
        await settle(pilot)

    app = ItexitApp(gary_case.location, gateway=gary_case)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
