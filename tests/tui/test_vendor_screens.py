"""The vendors screen and its dialogs: flags explained, contacts added and removed, snapshots."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select, Static
from tui_steps import MANAGER, MANAGER_PASSPHRASE, PRACTICE, fill, settle, unlock
from worlds import Worlds

from itexit.app import ItexitApp
from itexit.domain.roles import Role
from itexit.domain.vendors import ContactFields, ContactRole, VendorFields
from itexit.screens.vendors import VendorsScreen
from itexit.screens.vendors.forms import ContactModal, RemoveContactModal, VendorModal
from itexit.services.gateway import Gateway
from itexit.widgets.virtual_table import VirtualTable

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]
VIEWER = ("vic", "quiet meadow saxophone ember 63")

Snap = Callable[..., bool]

GARY = ContactFields(
    name="Gary Thistle",
    role=ContactRole.AUTHORISED,
    email="gary@greenwayfp.example",
    phone="555-0142",
    departing=True,
)


@pytest.fixture
def vendor_practice(frozen_now: object, gateway: Gateway, worlds: Worlds) -> Gateway:
    """A practice with three vendors, two of them still tied to Gary Thistle."""

    def build(gateway: Gateway) -> None:
        session = gateway.create(PRACTICE, MANAGER, MANAGER_PASSPHRASE).session
        session.add_user(VIEWER[0], Role.VIEWER, VIEWER[1])
        vendors = session.vendors
        vendors.add(
            VendorFields(
                name="Bellwether Voice",
                services=["Hosted phone system", "Fax line"],
                support_phone="555-0188",
                support_email="care@bellwether-voice.example",
                account_number="BV-30918",
            ),
            [GARY],
        )
        vendors.add(
            VendorFields(name="Meridian EHR", services=["Cloud EHR", "e-prescribing"]),
            [
                GARY.model_copy(update={"role": ContactRole.ACCOUNT_OWNER, "departing": False}),
                ContactFields(name="Maria Alvarez", role=ContactRole.BILLING, phone="555-0101"),
            ],
        )
        vendors.add(
            VendorFields(name="Valley Fiber", services=["Internet"]),
            [ContactFields(name="Maria Alvarez", role=ContactRole.ACCOUNT_OWNER)],
        )
        session.lock()

    return worlds.restore(gateway, "vendor-practice", build)


async def open_vendors(
    pilot: Pilot[Any], who: tuple[str, str] = (MANAGER, MANAGER_PASSPHRASE)
) -> None:
    await unlock(pilot, *who)
    await pilot.press("f6")
    await settle(pilot)
    assert isinstance(pilot.app.screen, VendorsScreen)


def detail_text(pilot: Pilot[Any]) -> str:
    return str(pilot.app.screen.query_one("#vendor-detail-text", Static).render())


def table(pilot: Pilot[Any]) -> VirtualTable[Any]:
    return pilot.app.screen.query_one("#vendors-table", VirtualTable)


async def test_flags_are_explained_and_a_second_contact_clears_them(
    vendor_practice: Gateway,
) -> None:
    app = ItexitApp(vendor_practice.location, gateway=vendor_practice)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_vendors(pilot)
        summary = str(app.screen.query_one("#vendors-summary", Static).render())
        assert "2 of 3 vendors" in summary
        assert table(pilot).visible_rows[0].name == "Bellwether Voice"
        assert (
            "Only Gary Thistle is authorised to call Bellwether Voice support: "
            "add a second contact, then remove Gary Thistle." in detail_text(pilot)
        )
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ContactModal)
        await fill(pilot, "#contact-name", "Maria Alvarez")
        await fill(pilot, "#contact-email", "maria@greenwayfp")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ContactModal)  # refused inline, nothing saved
        message = app.screen.query_one("#contact-email-message", Static)
        assert "not an email address" in str(message.render())
        await fill(pilot, "#contact-email", "maria@greenwayfp.example")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, VendorsScreen)
        assert "Not tied to the departing person." in detail_text(pilot)
        assert "1 of 3 vendors" in str(app.screen.query_one("#vendors-summary", Static).render())
        # now remove Gary: the dialog offers the leaver first
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, RemoveContactModal)
        choice = app.screen.query_one("#remove-contact", Select)
        vendors_screen = app.screen_stack[-2]
        assert isinstance(vendors_screen, VendorsScreen)
        shown = vendors_screen._detail
        assert shown is not None
        gary = next(c for c in shown.contacts if c.name == "Gary Thistle")
        assert choice.value == gary.id
        await pilot.click("#remove")
        await settle(pilot)
        assert "Gary Thistle" not in detail_text(pilot)
        assert "Maria Alvarez" in detail_text(pilot)


async def test_filter_add_and_edit_a_vendor(vendor_practice: Gateway) -> None:
    app = ItexitApp(vendor_practice.location, gateway=vendor_practice)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_vendors(pilot)
        await pilot.press("slash")
        await pilot.press(*"ehr")
        await pilot.pause()
        assert [v.name for v in table(pilot).visible_rows] == ["Meridian EHR"]
        await pilot.press("enter")
        await settle(pilot)
        assert "Gary Thistle owns the Meridian EHR account" in detail_text(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, VendorModal)
        assert app.screen.query_one("#vendor-name", Input).value == "Meridian EHR"
        await fill(pilot, "#vendor-account", "MER-20417")
        await pilot.press("enter")
        await settle(pilot)
        assert "Account: MER-20417" in detail_text(pilot)
        await pilot.press("a")
        await pilot.pause()
        await fill(pilot, "#vendor-name", "")
        await pilot.press("enter")
        await pilot.pause()
        assert "Type the vendor's name." in str(
            app.screen.query_one("#vendor-name-message", Static).render()
        )
        await fill(pilot, "#vendor-name", "Cobalt Backup")
        await fill(pilot, "#vendor-services", "Offsite backup, key escrow")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, VendorsScreen)
        assert table(pilot).cursor_item.name == "Cobalt Backup"
        assert "Nobody is listed" in detail_text(pilot)


async def test_viewer_sees_flags_but_cannot_change_or_read_contacts(
    vendor_practice: Gateway,
) -> None:
    app = ItexitApp(vendor_practice.location, gateway=vendor_practice)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_vendors(pilot, VIEWER)
        text = detail_text(pilot)
        assert "Only the departing person is authorised to call Bellwether Voice" in text
        assert "encrypted" in text and "555-0188" not in text and "Gary" not in text
        await pilot.press("c", "a", "e", "x")
        await pilot.pause()
        assert isinstance(app.screen, VendorsScreen)


# ----- snapshots --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_vendors_screen(
    snap_compare: Snap, vendor_practice: Gateway, size: tuple[int, int]
) -> None:
    app = ItexitApp(vendor_practice.location, gateway=vendor_practice)
    assert snap_compare(app, terminal_size=size, run_before=open_vendors)


@pytest.mark.sizes_apart  # drawn otherwise after a resize than when started at a size
@pytest.mark.parametrize("size", SIZES)
def test_vendor_edit_modal(
    snap_compare: Snap, vendor_practice: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_vendors(pilot)
        await pilot.press("e")
        await pilot.pause()
        await fill(pilot, "#vendor-email", "care@")

    app = ItexitApp(vendor_practice.location, gateway=vendor_practice)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.sizes_apart  # drawn otherwise after a resize than when started at a size
@pytest.mark.parametrize("size", SIZES)
def test_contact_modal(snap_compare: Snap, vendor_practice: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_vendors(pilot)
        await pilot.press("c")
        await pilot.pause()
        await fill(pilot, "#contact-name", "Maria Alvarez")
        app_screen = pilot.app.screen
        app_screen.query_one("#contact-role", Select).value = ContactRole.ACCOUNT_OWNER
        app_screen.query_one("#contact-leaving", Checkbox).focus()
        await pilot.pause()

    app = ItexitApp(vendor_practice.location, gateway=vendor_practice)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_remove_contact_modal(
    snap_compare: Snap, vendor_practice: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_vendors(pilot)
        await pilot.press("down")
        await settle(pilot)
        await pilot.press("x")
        await pilot.pause()

    app = ItexitApp(vendor_practice.location, gateway=vendor_practice)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
