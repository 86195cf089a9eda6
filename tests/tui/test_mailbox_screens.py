"""The monitored mailbox screen and its dialogs: pilot flows and snapshots at two sizes."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from svg_rows import rows
from textual.pilot import Pilot
from textual.widgets import Select, Static, TextArea
from tui_steps import (
    DEMO_CONSULTANT,
    MANAGER,
    MANAGER_PASSPHRASE,
    Notices,
    fill,
    press_settled,
    settle,
    unlock,
    until,
)
from worlds import Worlds

from itexit.app import ItexitApp
from itexit.domain.credentials import Category, NewCredential
from itexit.domain.mailbox import MessageClass, MessageRow, NewMailbox
from itexit.domain.renewals import NewRenewal, RenewalKind
from itexit.domain.roles import Role
from itexit.screens.mailbox import MailboxScreen
from itexit.screens.mailbox.modals import (
    AddMailboxModal,
    CreateRenewalModal,
    ImportModal,
    MailboxPickerModal,
    RecordReviewModal,
    UnsubscribeModal,
)
from itexit.services.demo import mailbox as mailbox_demo
from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation
from itexit.widgets.keybar import KeyBar
from itexit.widgets.virtual_table import VirtualTable

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]
Snap = Callable[..., bool]
VIEWER = ("victor", "victor-saffron-glacier-51")


@pytest.fixture
def mailbox_practice(frozen_now: object, gateway: Gateway, worlds: Worlds) -> Gateway:
    """A practice with Gary's mailbox as the demo builds it (200 messages, review overdue)."""

    def build(gateway: Gateway) -> None:
        session = gateway.create("Greenway Family Practice", MANAGER, MANAGER_PASSPHRASE).session
        session.add_user(VIEWER[0], Role.VIEWER, VIEWER[1])
        session.add_user(DEMO_CONSULTANT[0], Role.CONSULTANT, DEMO_CONSULTANT[1])  # a reviewer
        session.credentials.add(
            NewCredential(
                system="Microsoft 365 mailbox",
                category=Category.EMAIL,
                username="gary@greenwayfp.example",
                secret="not-a-real-password-1",  # type: ignore[arg-type]
            )
        )
        mailbox_demo.build_demo(session, date.today())
        session.lock()

    return worlds.restore(gateway, "mailbox-practice", build)


@pytest.fixture
def empty_practice(frozen_now: object, gateway: Gateway, worlds: Worlds) -> Gateway:

    def build(gateway: Gateway) -> None:
        gateway.create("Greenway Family Practice", MANAGER, MANAGER_PASSPHRASE).session.lock()

    return worlds.restore(gateway, "greenway-practice", build)


async def open_mailbox(pilot: Pilot[Any], who: tuple[str, str] | None = None) -> MailboxScreen:
    name, passphrase = who or (MANAGER, MANAGER_PASSPHRASE)
    await unlock(pilot, name, passphrase)
    await press_settled(pilot, "f8")
    screen = pilot.app.screen
    assert isinstance(screen, MailboxScreen)
    return screen


def table(pilot: Pilot[Any]) -> VirtualTable[MessageRow]:
    return pilot.app.screen.query_one("#mail-table", VirtualTable)


async def choose_class(pilot: Pilot[Any], cls: MessageClass) -> None:
    pilot.app.screen.query_one("#mail-class", Select).value = cls.value
    await settle(pilot)


def unlocked(gateway: Gateway) -> Any:
    return gateway.unlock(MANAGER, MANAGER_PASSPHRASE)


def fill_maildir_messages(maildir: Path, count: int) -> None:
    owner = os.stat(maildir)
    for n in range(count):
        raw = (
            f"From: Vendor {n} <billing@vendor{n}.example>\r\nTo: gary@greenwayfp.example\r\n"
            f"Subject: Invoice {1000 + n}\r\nDate: Mon, 2 Nov 2026 10:{n % 60:02d}:00 +0000\r\n"
            f"Message-ID: <tui-{n}@vendor.example>\r\n\r\nbody\r\n"
        ).encode()
        path = maildir / "cur" / f"{1700000000 + n}.tui{n}.test:2,S"
        path.write_bytes(raw)
        if os.getuid() == 0:
            os.chown(path, owner.st_uid, owner.st_gid)


# --- flows ----------------------------------------------------------------------------------


async def test_opens_the_only_mailbox_with_its_overdue_review(
    location: VaultLocation, mailbox_practice: Gateway
) -> None:
    app = ItexitApp(location)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_mailbox(pilot)
        title = str(screen.query_one("#mailbox-title", Static).render())
        status = str(screen.query_one("#mailbox-status", Static).render())
        assert "gary@greenwayfp.example" in title and "200 messages" in title
        assert "OVERDUE since 21 Nov" in status and "reviewer priya" in status
        assert table(pilot).row_count == 200


async def test_status_and_findings_are_whole_at_80_columns(
    location: VaultLocation, mailbox_practice: Gateway
) -> None:
    """The status line's parts go onto lines of their own, and the highlighted review's
    findings are written out whole under the review log's table."""
    app = ItexitApp(location)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mailbox(pilot)
        shown = "\n".join(line for line in rows(app.export_screenshot()) if " text " in line)
        assert "reviewer priya" in shown.lower() and "keep until 11 Nov 2027" in shown
        await press_settled(pilot, "l")
        reviews = unlocked(mailbox_practice).mailboxes.reviews("gary")
        await press_settled(pilot, "down")
        shown = " ".join(
            line.split(" text ", 1)[1].strip()
            for line in rows(app.export_screenshot())
            if " text " in line
        )
        assert f"priya: {reviews[1].findings}" in " ".join(shown.split())


async def test_filter_narrows_by_text_and_class(
    location: VaultLocation, mailbox_practice: Gateway
) -> None:
    app = ItexitApp(location)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_mailbox(pilot)
        await pilot.press("slash")
        await pilot.press(*"digest")
        await settle(pilot)
        rows = table(pilot).visible_rows
        assert rows and all("digest" in r.haystack() for r in rows)
        assert "of 200 messages" in str(pilot.app.screen.query_one("#mail-count", Static).render())
        await fill(pilot, "#mail-filter", "")
        await choose_class(pilot, MessageClass.SECURITY)
        rows = table(pilot).visible_rows
        assert rows and all(r.msg_class is MessageClass.SECURITY for r in rows)
        assert len(rows) < 200


async def test_unsubscribe_shows_the_target_and_logs_it(
    location: VaultLocation, mailbox_practice: Gateway
) -> None:
    notices = Notices()
    app = ItexitApp(location)
    async with app.run_test(size=(120, 36), message_hook=notices) as pilot:
        await open_mailbox(pilot)
        await choose_class(pilot, MessageClass.NEWSLETTER)
        table(pilot).focus()
        row = table(pilot).cursor_item
        assert row is not None and row.list_unsubscribe
        await pilot.press("u")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, UnsubscribeModal)
        target = str(modal.query_one("#unsubscribe-target", Static).render())
        assert target.startswith("https://")
        await pilot.click("#log")
        await settle(pilot)
        assert "Unsubscribe logged" in notices.text
        same_list = [r for r in table(pilot).visible_rows if r.list_id == row.list_id]
        assert same_list and all(r.unsubscribed for r in same_list)
    actions = unlocked(mailbox_practice).mailboxes.actions("gary")
    assert actions[0].kind.value == "unsubscribed" and actions[0].target == target


async def test_record_review_clears_the_overdue_status(
    location: VaultLocation, mailbox_practice: Gateway
) -> None:
    app = ItexitApp(location)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_mailbox(pilot)
        await pilot.press("r")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, RecordReviewModal)
        modal.query_one("#review-findings", TextArea).text = "Two invoices forwarded to Maria."
        await pilot.pause()
        await pilot.click("#save")
        await settle(pilot)
        status = str(screen.query_one("#mailbox-status", Static).render())
        assert "OVERDUE" not in status and "Next review due" in status
    reviews = unlocked(mailbox_practice).mailboxes.reviews("gary")
    assert (
        reviews[0].findings == "Two invoices forwarded to Maria." and reviews[0].reviewer == MANAGER
    )


async def test_create_renewal_from_a_notice(
    location: VaultLocation, mailbox_practice: Gateway
) -> None:
    notices = Notices()
    app = ItexitApp(location)
    async with app.run_test(size=(120, 36), message_hook=notices) as pilot:
        await open_mailbox(pilot)
        await choose_class(pilot, MessageClass.RENEWAL)
        table(pilot).focus()
        await pilot.press("n")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, CreateRenewalModal)
        await fill(pilot, "#renewal-date", "2027-01-15")
        await pilot.click("#create")
        await settle(pilot)
        assert "Renewal created" in notices.text
    renewals = unlocked(mailbox_practice).renewals.list()
    assert [r.renewal_date for r in renewals] == [date(2027, 1, 15)]


async def test_a_notice_about_a_tracked_renewal_is_linked_not_duplicated(
    location: VaultLocation, mailbox_practice: Gateway
) -> None:
    notices = Notices()
    app = ItexitApp(location)
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        await open_mailbox(pilot)
        await choose_class(pilot, MessageClass.RENEWAL)
        table(pilot).focus()
        notice = table(pilot).cursor_item
        assert notice is not None
        tracked = track(mailbox_practice, notice.subject)
        await pilot.press("n")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, CreateRenewalModal)
        shown = str(modal.query_one("#renewal-tracked", Static).render())
        assert "Already tracked" in shown and "Registrar" in shown
        await pilot.click("#link")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MailboxScreen)
        assert "Linked to the renewal" in notices.text
    session = unlocked(mailbox_practice)
    assert [r.id for r in session.renewals.list()] == [tracked]
    logged = [a for a in session.mailboxes.actions("gary") if a.message_id == notice.id]
    assert [(a.kind.value, a.renewal_id) for a in logged] == [("renewal_linked", tracked)]


def track(gateway: Gateway, item: str) -> str:
    """A renewal the practice already tracks for the notice's item."""
    session = unlocked(gateway)
    new = NewRenewal(
        kind=RenewalKind.DOMAIN, vendor="Registrar", item=item, renewal_date=date(2027, 3, 1)
    )
    renewal_id = str(session.renewals.add(new).id)
    session.lock()
    return renewal_id


async def test_import_an_mbox_from_the_screen(
    location: VaultLocation, mailbox_practice: Gateway, tmp_path: Path
) -> None:
    mbox = tmp_path / "export.mbox"
    mbox.write_bytes(
        b"From x Thu Jan  1 00:00:00 2026\nFrom: a@vendor.example\nSubject: Invoice 77\n"
        b"Date: Mon, 2 Nov 2026 10:00:00 +0000\nMessage-ID: <imp-1@vendor.example>\n\nbody\n"
    )
    notices = Notices()
    app = ItexitApp(location)
    async with app.run_test(size=(120, 36), message_hook=notices) as pilot:
        await open_mailbox(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ImportModal)
        await fill(pilot, "#import-path", str(mbox))
        await pilot.click("#import")
        await settle(pilot)
        assert "Imported 1 new message" in notices.text
        assert table(pilot).total_count == 201


async def test_a_viewer_sees_sealed_rows_and_cannot_act(
    location: VaultLocation, mailbox_practice: Gateway
) -> None:
    app = ItexitApp(location)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_mailbox(pilot, VIEWER)
        rows = table(pilot).visible_rows
        assert rows and all(r.sealed and not r.subject for r in rows)
        assert screen.check_action("record_review", ()) is False
        assert screen.check_action("sync", ()) is False
        await pilot.press("r")
        await settle(pilot)
        assert pilot.app.screen is screen
        detail = str(screen.query_one("#detail-body", Static).render())
        assert "sealed" in detail


async def test_sync_runs_in_a_worker_with_progress(
    location: VaultLocation,
    frozen_now: object,
    gateway: Gateway,
    dovecot_server: Any,
    imap_user: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", dovecot_server.ca_file)
    session = gateway.create("Greenway Family Practice", MANAGER, MANAGER_PASSPHRASE).session
    cred = session.credentials.add(
        NewCredential(
            system="Mail",
            category=Category.EMAIL,
            username=imap_user[0],
            secret=imap_user[1],  # type: ignore[arg-type]
        )
    )
    session.mailboxes.add(
        NewMailbox(
            address="gary@greenwayfp.example",
            name="gary",
            imap_host=dovecot_server.host,
            imap_port=dovecot_server.imaps_port,
            credential_id=cred.id,
            left_on=date(2026, 11, 2),
        )
    )
    session.lock()
    fill_maildir_messages(dovecot_server.maildir(imap_user[0]), 30)
    notices = Notices()
    app = ItexitApp(location)
    async with app.run_test(size=(120, 36), message_hook=notices) as pilot:
        await open_mailbox(pilot)
        assert table(pilot).total_count == 0
        await pilot.press("s")
        await settle(pilot)
        await settle(pilot)
        assert "Synced 30 new messages" in notices.text
        assert table(pilot).total_count == 30
        assert pilot.app.screen.query_one("#sync-row").display is False


async def test_add_a_mailbox_from_the_empty_screen_refuses_an_early_keep_until(
    location: VaultLocation, empty_practice: Gateway
) -> None:
    app = ItexitApp(location)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_mailbox(pilot)
        assert "No mailbox is monitored yet" in str(
            screen.query_one("#mailbox-title", Static).render()
        )
        await pilot.press("a")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, AddMailboxModal)
        await fill(pilot, "#add-address", "gary@greenwayfp.example")
        await fill(pilot, "#add-left-on", "2026-11-02")
        await fill(pilot, "#add-keep-until", "2027-06-30")
        assert "at least" in str(modal.query_one("#add-message", Static).render())
        assert modal.query_one("#add").disabled
        await fill(pilot, "#add-keep-until", "")
        await pilot.click("#add")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "gary@greenwayfp.example" in str(screen.query_one("#mailbox-title", Static).render())
    box = unlocked(empty_practice).mailboxes.get("gary")
    assert box.keep_until == date(2027, 11, 2) and box.owner == MANAGER


# --- snapshots ---


async def focus_cancel(pilot: Pilot[Any]) -> None:
    """Move focus off the text field so no blinking cursor makes the picture vary."""
    pilot.app.screen.query_one("#cancel").focus()
    await settle(pilot)


# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_mailbox(
    snap_compare: Snap, location: VaultLocation, mailbox_practice: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_mailbox(pilot)

    assert snap_compare(ItexitApp(location), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_review_log(
    snap_compare: Snap, location: VaultLocation, mailbox_practice: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_mailbox(pilot)
        # the tab's underline slides across: shoot the frame it ends on, not one on the way
        pilot.app.animation_level = "none"
        await pilot.press("l")
        await settle(pilot)

    assert snap_compare(ItexitApp(location), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_empty(
    snap_compare: Snap, location: VaultLocation, empty_practice: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_mailbox(pilot)

    assert snap_compare(ItexitApp(location), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_record_review_modal(
    snap_compare: Snap, location: VaultLocation, mailbox_practice: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_mailbox(pilot)
        await pilot.press("r")
        await settle(pilot)
        pilot.app.screen.query_one(TextArea).text = "Nothing new since yesterday."
        await focus_cancel(pilot)

    assert snap_compare(ItexitApp(location), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_unsubscribe_modal(
    snap_compare: Snap, location: VaultLocation, mailbox_practice: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_mailbox(pilot)
        await choose_class(pilot, MessageClass.NEWSLETTER)
        table(pilot).focus()
        await pilot.press("u")
        await settle(pilot)

    assert snap_compare(ItexitApp(location), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_create_renewal_modal(
    snap_compare: Snap, location: VaultLocation, mailbox_practice: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_mailbox(pilot)
        await choose_class(pilot, MessageClass.RENEWAL)
        table(pilot).focus()
        await pilot.press("n")
        await settle(pilot)
        await fill(pilot, "#renewal-date", "2027-13-01")
        await focus_cancel(pilot)

    assert snap_compare(ItexitApp(location), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_create_renewal_modal_with_a_tracked_renewal(
    snap_compare: Snap, location: VaultLocation, mailbox_practice: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_mailbox(pilot)
        await choose_class(pilot, MessageClass.RENEWAL)
        table(pilot).focus()
        notice = table(pilot).cursor_item
        assert notice is not None
        track(mailbox_practice, notice.subject)
        await pilot.press("n")
        await settle(pilot)
        await fill(pilot, "#renewal-date", "2027-03-01")
        await focus_cancel(pilot)

    assert snap_compare(ItexitApp(location), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_import_modal(
    snap_compare: Snap, location: VaultLocation, mailbox_practice: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_mailbox(pilot)
        await pilot.press("i")
        await settle(pilot)
        await fill(pilot, "#import-path", "no-such-export.mbox")
        await focus_cancel(pilot)

    assert snap_compare(ItexitApp(location), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_mailbox_picker(
    snap_compare: Snap, location: VaultLocation, mailbox_practice: Gateway, size: tuple[int, int]
) -> None:
    session = unlocked(mailbox_practice)
    session.mailboxes.add(
        NewMailbox(
            address="frontdesk-old@greenwayfp.example", name="frontdesk", left_on=date(2026, 10, 1)
        )
    )
    session.lock()

    async def run_before(pilot: Pilot[Any]) -> None:
        await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
        await press_settled(pilot, "f8")
        assert await until(pilot, lambda: isinstance(pilot.app.screen, MailboxPickerModal))
        below = pilot.app.screen_stack[-2]
        # the screen under the picker shows its keys once its key bar has drawn them
        assert await until(pilot, lambda: any(below.query_one(KeyBar).shown()))
        await settle(pilot)

    assert snap_compare(ItexitApp(location), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_add_mailbox_modal(
    snap_compare: Snap, location: VaultLocation, empty_practice: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_mailbox(pilot)
        await pilot.press("a")
        await settle(pilot)
        await fill(pilot, "#add-address", "gary@greenwayfp.example")
        await fill(pilot, "#add-left-on", "2026-11-02")
        await fill(pilot, "#add-keep-until", "2027-06-30")
        await focus_cancel(pilot)

    assert snap_compare(ItexitApp(location), terminal_size=size, run_before=run_before)
