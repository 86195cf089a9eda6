"""The audit log viewer: reached from the dashboard, filtered, paged, an entry opened whole,
the record checked on request, as the auditor and the manager see it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static
from tui_steps import (
    DEMO_MANAGER_PASSPHRASE,
    MANAGER,
    MANAGER_PASSPHRASE,
    fill,
    press_settled,
    settle,
    unlock,
    until,
)
from worlds import Worlds

from itexit.app import ItexitApp
from itexit.domain.audit_words import (
    ACTION_WORDS,
    UNAUTHENTICATED_WORDS,
    UNPROVEN_WORDS,
    AuditLine,
)
from itexit.domain.errors import AuthenticationFailed
from itexit.screens.audit import AuditLogScreen
from itexit.screens.audit.entry import AuditEntryModal
from itexit.screens.dashboard import DashboardScreen
from itexit.screens.help import HelpModal
from itexit.services.gateway import Gateway
from itexit.widgets.virtual_table import CELL_PADDING, VirtualTable

VICTOR = ("victor", "victor-saffron-glacier-51")
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
Snap = Callable[..., bool]


def table(pilot: Pilot[Any]) -> VirtualTable[AuditLine]:
    found: VirtualTable[AuditLine] = pilot.app.screen.query_one("#audit-table", VirtualTable)
    return found


def text_of(pilot: Pilot[Any], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


async def open_log(pilot: Pilot[Any], who: tuple[str, str] = VICTOR) -> None:
    await unlock(pilot, *who)
    assert isinstance(pilot.app.screen, DashboardScreen)
    await press_settled(pilot, "l")
    assert isinstance(pilot.app.screen, AuditLogScreen)


@pytest.fixture
def busy_practice(gateway: Gateway, worlds: Worlds) -> Gateway:
    """A practice whose record holds 450 more entries than set-up wrote, and a failed unlock."""

    def build(gateway: Gateway) -> None:
        session = gateway.create("Greenway Family Practice", MANAGER, MANAGER_PASSPHRASE).session
        ctx = session.ctx
        with ctx.transaction() as db:
            for number in range(450):
                ctx.record(db, "renewal.check", f"Domain {number:03d}", result="unchanged")
        session.lock()
        with pytest.raises(AuthenticationFailed):
            gateway.unlock(MANAGER, "someone guessing the passphrase 1")

    return worlds.restore(gateway, "busy-practice", build)


async def test_the_auditor_reads_the_record_newest_first_and_opens_an_entry(
    frozen_now: object, demo: Gateway
) -> None:
    app = ItexitApp(demo.location, gateway=demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_log(pilot)
        lines = table(pilot).visible_rows
        assert [line.seq for line in lines] == sorted((line.seq for line in lines), reverse=True)
        newest = lines[0]
        assert newest.actor == "victor" and newest.what == "Unlocked the vault"
        # plain words, never the codes the log stores
        assert all("." not in line.what and "_" not in line.what for line in lines)
        summary = text_of(pilot, "#audit-summary")
        assert "entries, newest first" in summary
        assert "Not checked yet" in text_of(pilot, "#audit-verdict")
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AuditEntryModal)
        whole = text_of(pilot, "#audit-entry-text")
        assert lines[1].what in whole and "Proven by the key" in whole
        assert lines[1].target in whole
        await press_settled(pilot, "escape")
        assert isinstance(app.screen, AuditLogScreen)
        await press_settled(pilot, "escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_filters_by_person_words_and_dates(frozen_now: object, demo: Gateway) -> None:
    app = ItexitApp(demo.location, gateway=demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_log(pilot)
        everything = len(table(pilot).visible_rows)
        person = app.screen.query_one("#audit-person", Select)
        person.value = "victor"
        await settle(pilot)
        assert {line.actor for line in table(pilot).visible_rows} == {"victor"}
        assert "1 entry match" in text_of(pilot, "#audit-summary")
        person.value = "maria"
        await fill(pilot, "#audit-text", "renewal")
        await pilot.press("enter")
        await settle(pilot)
        found = table(pilot).visible_rows
        assert found and all(line.actor == "maria" for line in found)
        assert all("renewal" in (line.what + line.target).lower() for line in found)
        assert app.screen.focused is table(pilot)  # Enter in a filter goes to the list
        # a date that is not one is named, and the list stays as it was
        await fill(pilot, "#audit-since", "30/11/2026")
        await pilot.press("enter")
        await settle(pilot)
        assert "Write dates like 2026-11-30" in text_of(pilot, "#audit-summary")
        assert table(pilot).visible_rows == found
        await fill(pilot, "#audit-since", "2026-11-24")
        await pilot.press("enter")
        await settle(pilot)
        assert "No entry matches" in text_of(pilot, "#audit-summary")
        await fill(pilot, "#audit-since", "2026-11-23")
        await fill(pilot, "#audit-until", "2026-11-23")
        await fill(pilot, "#audit-text", "")
        person.value = "__everyone__"
        await pilot.press("enter")
        await settle(pilot)
        assert len(table(pilot).visible_rows) == everything


async def test_escape_in_a_filter_returns_to_the_list_not_the_dashboard(
    frozen_now: object, demo: Gateway
) -> None:
    app = ItexitApp(demo.location, gateway=demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_log(pilot)
        await press_settled(pilot, "slash")
        assert isinstance(app.screen.focused, Input)
        await press_settled(pilot, "escape")
        assert isinstance(app.screen, AuditLogScreen)
        assert app.screen.focused is table(pilot)


async def test_a_long_record_is_read_a_page_at_a_time(busy_practice: Gateway) -> None:
    app = ItexitApp(busy_practice.location, gateway=busy_practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_log(pilot, (MANAGER, MANAGER_PASSPHRASE))
        rows = table(pilot)
        total = rows.row_count
        assert total == 200
        assert "read so far" in text_of(pilot, "#audit-summary")
        await pilot.press("end")
        await settle(pilot)
        assert rows.row_count == 400
        await pilot.press("end")
        await settle(pilot)
        assert rows.row_count > 450
        assert "read so far" not in text_of(pilot, "#audit-summary")
        seqs = [line.seq for line in rows.visible_rows]
        assert seqs == sorted(set(seqs), reverse=True)  # no entry twice, none out of order
        failed = next(line for line in rows.visible_rows if line.action == "auth.failed")
        assert failed.actor == UNAUTHENTICATED_WORDS


async def test_checking_the_record_says_it_holds_and_names_an_edited_entry(
    frozen_now: object, demo: Gateway
) -> None:
    app = ItexitApp(demo.location, gateway=demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_log(pilot)
        await press_settled(pilot, "c")
        assert await until(pilot, lambda: "checks out" in text_of(pilot, "#audit-verdict"))
        assert "each signed by someone allowed" in text_of(pilot, "#audit-verdict")
        # someone with the file rewrites what an entry says
        path = demo.location.path
        assert path is not None
        with sqlite3.connect(path) as db:
            db.execute("UPDATE audit_events SET target = 'nothing to see' WHERE seq = 5")
        await press_settled(pilot, "c")
        assert await until(pilot, lambda: "does not check out" in text_of(pilot, "#audit-verdict"))
        assert "entry 5" in text_of(pilot, "#audit-verdict")


async def test_reached_from_the_dashboard_the_palette_and_help_lists_it(
    frozen_now: object, demo: Gateway
) -> None:
    app = ItexitApp(demo.location, gateway=demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        keys = [str(key.render()) for key in app.screen.query(".help-key")]
        assert "l" in keys and "f10" in keys
        await press_settled(pilot, "escape", "f10")
        assert isinstance(app.screen, AuditLogScreen)
        await press_settled(pilot, "f2")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"audit log")
        await pilot.pause(0.3)
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, AuditLogScreen)


# ----- snapshots --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_audit_log_screen(
    snap_compare: Snap, frozen_now: object, demo: Gateway, size: tuple[int, int]
) -> None:
    app = ItexitApp(demo.location, gateway=demo)
    assert snap_compare(app, terminal_size=size, run_before=open_log)


@pytest.mark.parametrize("size", SIZES)
def test_audit_entry_modal(
    snap_compare: Snap, frozen_now: object, demo: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_log(pilot, (MANAGER, DEMO_MANAGER_PASSPHRASE))
        await pilot.press("down", "down", "enter")
        await settle(pilot)

    app = ItexitApp(demo.location, gateway=demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def test_every_action_and_the_unproven_names_read_whole_at_80_columns(
    frozen_now: object, demo: Gateway
) -> None:
    """What happened and who did it are never cut at 80 columns (the About line has the rest)."""
    app = ItexitApp(demo.location, gateway=demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_log(pilot)
        log = table(pilot)
        widths = dict(zip([c.key for c in log.columns], log._column_widths(), strict=True))
    room = {key: width - 2 * CELL_PADDING for key, width in widths.items()}
    too_long = [words for words in ACTION_WORDS.values() if cell_len(words) > room["what"]]
    assert too_long == []
    assert cell_len(UNAUTHENTICATED_WORDS) <= room["who"]
    assert cell_len(UNPROVEN_WORDS) <= room["who"]


async def test_the_arrow_keys_scroll_an_entry_longer_than_its_dialog(
    frozen_now: object, demo: Gateway
) -> None:
    app = ItexitApp(demo.location, gateway=demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_log(pilot)
        first = table(pilot).visible_rows[0]
        many = {f"detail {n}": f"value {n}" for n in range(12)} | {"until": "2026-12-20"}
        await app.push_screen(AuditEntryModal(first.model_copy(update={"details": many})))
        await settle(pilot)
        body = app.screen.query_one("#audit-entry-body")
        assert body.max_scroll_y > 0  # the last details are below the fold at 80x24
        await press_settled(pilot, "end")
        assert body.scroll_y == body.max_scroll_y
        await press_settled(pilot, "up")
        assert body.scroll_y == body.max_scroll_y - 1
        await press_settled(pilot, "home", "down")
        assert body.scroll_y == 1
