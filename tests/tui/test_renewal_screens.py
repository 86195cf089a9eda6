"""The renewals screen, its form and export dialog: pilot flows and snapshots at two sizes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, Input, Static
from tui_steps import DEMO_MANAGER_PASSPHRASE, MANAGER, Notices, fill, press_settled, settle, unlock
from worlds import Worlds

from itexit.app import ItexitApp
from itexit.domain.renewals import NewRenewal, RenewalKind, RenewalState
from itexit.io.rdap import DomainFacts
from itexit.screens.error import ErrorModal
from itexit.screens.renewals.export import RenewalExportModal
from itexit.screens.renewals.form import RenewalFormModal
from itexit.screens.renewals.screen import RenewalsScreen, render_cell
from itexit.services.demo import build_demo
from itexit.services.gateway import Gateway
from itexit.widgets.virtual_table import VirtualTable

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]
Snap = Callable[..., bool]
VIEWER = ("victor", "victor-saffron-glacier-51")


@pytest.fixture
def frozen_demo(frozen_now: object, gateway: Gateway, worlds: Worlds) -> Gateway:

    def build(gateway: Gateway) -> None:
        build_demo(gateway)

    return worlds.restore(gateway, "demo", build)


async def open_renewals(pilot: Pilot[Any], who: tuple[str, str] | None = None) -> None:
    name, passphrase = who or (MANAGER, DEMO_MANAGER_PASSPHRASE)
    await unlock(pilot, name, passphrase)
    await press_settled(pilot, "f7")
    assert isinstance(pilot.app.screen, RenewalsScreen)


def rows(pilot: Pilot[Any]) -> list[list[str]]:
    """The table's rows as shown: one list of cell texts per visible row."""
    table = pilot.app.screen.query_one("#renewals-table", VirtualTable)
    return [[str(render_cell(row, c.key)) for c in table.columns] for row in table.visible_rows]


async def select_item(pilot: Pilot[Any], item: str) -> None:
    table = pilot.app.screen.query_one("#renewals-table", VirtualTable)
    names = [r[4] for r in rows(pilot)]
    table.move_cursor(names.index(item))
    await pilot.pause()


async def steady(pilot: Pilot[Any]) -> None:
    """Stop the text cursor blinking so a snapshot never catches it half-way."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


# --- snapshots -----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_renewals_screen(snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_renewals(pilot)
        await select_item(pilot, "greenwayfp.example")

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_renewals_screen_for_the_auditor(
    snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_renewals(pilot, VIEWER)

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.sizes_apart  # drawn otherwise after a resize than when started at a size
@pytest.mark.parametrize("size", SIZES)
def test_add_form_with_inline_validation(
    snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_renewals(pilot)
        await pilot.press("a")
        await settle(pilot)
        await fill(pilot, "#renewal-vendor", "Bellwether Voice")
        await fill(pilot, "#renewal-item", "Fax line")
        await fill(pilot, "#renewal-date", "31/01/2027")
        await fill(pilot, "#renewal-cost", "lots")
        await steady(pilot)

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.sizes_apart  # drawn otherwise after a resize than when started at a size
@pytest.mark.parametrize("size", SIZES)
def test_edit_form(snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_renewals(pilot)
        await select_item(pilot, "EHR hosting and support contract")
        await pilot.press("e")
        await settle(pilot)
        await steady(pilot)

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.sizes_apart  # drawn otherwise after a resize than when started at a size
@pytest.mark.parametrize("size", SIZES)
def test_export_dialog(snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_renewals(pilot)
        await pilot.press("x")
        await settle(pilot)
        await steady(pilot)

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


# --- flows ---------------------------------------------------------------------------------------


async def test_add_a_renewal_through_the_form(frozen_demo: Gateway) -> None:
    notices = Notices()
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(120, 36), message_hook=notices) as pilot:
        await open_renewals(pilot)
        before = len(rows(pilot))
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RenewalFormModal)
        save = form.query_one("#save", Button)
        assert save.disabled
        await fill(pilot, "#renewal-vendor", "Bellwether Voice")
        await fill(pilot, "#renewal-item", "Fax line")
        await fill(pilot, "#renewal-date", "2027-01-31")
        await fill(pilot, "#renewal-notice", "900")
        assert save.disabled
        assert "between 0 and 730" in str(
            form.query_one("#renewal-notice-message", Static).render()
        )
        await fill(pilot, "#renewal-notice", "45")
        form.query_one("#renewal-auto", Checkbox).value = True
        await fill(pilot, "#renewal-billing", "gary@greenwayfp.example")
        await pilot.pause()
        assert "Cancel by 2026-12-17 (in 24 days)" in str(
            form.query_one("#renewal-preview", Static).render()
        )
        assert not save.disabled
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RenewalsScreen)
        assert len(rows(pilot)) == before + 1
        [fax] = [r for r in rows(pilot) if r[4] == "Fax line"]
        assert fax[3] == "! Bellwether Voice"  # billed to the departing person
        assert fax[0] == "2026-12-17"
        assert "Added Bellwether Voice: Fax line" in notices.text
        assert "looks like Gary" in notices.text and "move it to the practice" in notices.text


async def test_edit_give_notice_and_a_stale_edit_is_refused(frozen_demo: Gateway) -> None:
    notices = Notices()
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(120, 36), message_hook=notices) as pilot:
        await open_renewals(pilot)
        await select_item(pilot, "Offsite backup, 2 TB")
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RenewalFormModal)
        # someone else changes it meanwhile
        screen_session = app.session  # type: ignore[attr-defined]
        current = screen_session.renewals.get("Offsite backup, 2 TB")
        screen_session.renewals.edit(
            current.id,
            NewRenewal.model_validate(
                {**current.model_dump(include=set(NewRenewal.model_fields)), "notice_days": 10}
            ),
            current.version,
        )
        await fill(pilot, "#renewal-notice", "14")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        message = str(app.screen.query_one("#error-message", Static).render())
        assert message.startswith(f"Changed by {MANAGER} at ") and "reload" in message
        while not isinstance(app.screen, RenewalsScreen):
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await select_item(pilot, "Offsite backup, 2 TB")
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RenewalFormModal)
        form.query_one("#renewal-state").value = RenewalState.CANCELLING  # type: ignore[attr-defined]
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        [backup] = [r for r in rows(pilot) if r[4] == "Offsite backup, 2 TB"]
        assert backup[2] == "ends (notice given)"


async def test_check_now_updates_a_changed_domain_date(
    frozen_demo: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    def lookup(domain: str, timeout: float = 10.0, **_: object) -> DomainFacts:
        return DomainFacts(
            domain=domain,
            server="rdap.test",
            registrar="Example Registrar, Inc.",
            expires=datetime(2028, 3, 1, tzinfo=UTC),
        )

    monkeypatch.setattr("itexit.io.rdap.lookup_domain", lookup)
    notices = Notices()
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(120, 36), message_hook=notices) as pilot:
        await open_renewals(pilot)
        await pilot.press("c")
        await settle(pilot)
        await settle(pilot)
        assert "2 checked, 1 date updated" in notices.text
        # the certificate's host does not resolve here: shown, not hidden
        assert "TLS certificate for portal.greenwayfp.example:" in notices.text
        await select_item(pilot, "greenwayfp.example")
        detail = str(app.screen.query_one("#renewal-detail", Static).render())
        assert "2028-03-01" in detail and "Example Registrar" in detail
        assert not app.screen.query_one("#renewal-progress-row").display


async def test_export_the_calendar(frozen_demo: Gateway, tmp_path: Path) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_renewals(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, RenewalExportModal)
        await fill(pilot, "#export-path", str(tmp_path / "nowhere" / "r.ics"))
        assert app.screen.query_one("#export", Button).disabled
        await fill(pilot, "#export-path", str(tmp_path / "r.ics"))
        await pilot.click("#export")
        await settle(pilot)
        assert isinstance(app.screen, RenewalsScreen)
    events = Calendar.from_ical((tmp_path / "r.ics").read_bytes()).walk("VEVENT")
    assert len(events) >= 9
    assert b"accounts@greenwayfp.example" not in (tmp_path / "r.ics").read_bytes()


async def test_the_auditor_reads_but_cannot_change(frozen_demo: Gateway) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_renewals(pilot, VIEWER)
        assert len(rows(pilot)) == 9
        await pilot.press("a")
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, RenewalsScreen)
        detail = str(app.screen.query_one("#renewal-detail", Static).render())
        assert "sealed for your role" in detail
        assert date(2026, 11, 14).isoformat() in rows(pilot)[0][0]


async def test_every_column_fits_80_columns(frozen_demo: Gateway) -> None:
    """No sideways scrolling at 80x24: the kind is left to the detail panel so vendors keep
    their names; long items are cut with an ellipsis."""
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_renewals(pilot)
        table = pilot.app.screen.query_one("#renewals-table", VirtualTable)
        assert table.max_scroll_x == 0
        header = table.render_line(0).text
        assert header.split() == ["Date", "When", "Do", "Vendor", "Item"]
        lines = [table.render_line(y).text for y in range(1, 1 + len(rows(pilot)))]
        assert any("Northgate Networks " in line for line in lines)  # whole, not "Northgate N…"
        assert any("…" in line for line in lines)
        assert all(cell_len(line.rstrip()) <= table.size.width for line in lines)


async def test_a_missed_date_reads_whole_in_the_do_column_at_80_columns(
    frozen_demo: Gateway,
) -> None:
    """A renew-by or cancel-by date already past says what was due ("renew by", "cancel by")
    beside the date and "…d late", whole at 80 columns; the panel has the full sentence."""
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_renewals(pilot)
        session = app.session  # type: ignore[attr-defined]
        for item, auto in (("Router support", False), ("Fax line", True)):
            session.renewals.add(
                NewRenewal(
                    kind=RenewalKind.CONTRACT,
                    vendor="Bellwether Voice",
                    item=item,
                    renewal_date=date(2027, 1, 31),
                    notice_days=90,  # act by 2026-11-02: three weeks late
                    auto_renew=auto,
                )
            )
        await press_settled(pilot, "r")
        table = pilot.app.screen.query_one("#renewals-table", VirtualTable)
        lines = [table.render_line(y).text for y in range(1, 1 + len(rows(pilot)))]
        late = [line for line in lines if "2026-11-02" in line]
        assert len(late) == 2
        assert all("21d late" in line for line in late)
        said = sorted(" ".join(line.split("late")[1].split()[:2]) for line in late)
        assert said == ["cancel by", "renew by"]  # not "renew no…", "cancel-b…"
        await select_item(pilot, "Router support")
        detail = str(pilot.app.screen.query_one("#renewal-detail", Static).render())
        assert "Renew now: was due 2026-11-02" in detail


async def test_the_summary_says_when_nothing_is_due_within_90_days(frozen_demo: Gateway) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_renewals(pilot)
        screen = app.screen
        assert isinstance(screen, RenewalsScreen)
        far = [r for r in screen._items if r.days_left is not None and r.days_left > 90]
        assert far and not any(r.departing_contact for r in far)
        screen._items = far[:1]
        screen._show_summary()
        summary = str(screen.query_one("#renewals-summary", Static).render())
    assert summary == "1 renewal, none due in the next 90 days."
