"""The exit statement screen and its dialogs: snapshots at 80x24 and 120x36, and HR's flows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandList
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, DataTable, Input, Static, TabbedContent
from tui_steps import MANAGER, MANAGER_PASSPHRASE, PRACTICE, fill, settle, unlock, until
from worlds import Worlds

from itexit.app import ItexitApp
from itexit.domain.checklist import CaseKind, NewCase
from itexit.domain.roles import Role
from itexit.domain.statements import LateReturn, NewSigning, PropertyState, StatementStatus
from itexit.screens.cases.detail import CaseDetailScreen
from itexit.screens.cases.screen import CaseListScreen
from itexit.screens.cases.statement import StatementScreen
from itexit.screens.cases.statement_modals import (
    AddPropertyModal,
    EditStatementModal,
    LateReturnModal,
    ListPasswordModal,
    PrintStatementModal,
    RecordSigningModal,
)
from itexit.services.demo import statements as statement_demo
from itexit.services.gateway import Gateway
from itexit.services.session import UnlockedVault

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]
HR = ("hannah", "hannah-meadow-quartz-28")
CONSULTANT = ("priya", "priya-harbor-willow-63")
SECRET = "Typed-Secret-Never-Shown-1"

Snap = Callable[..., bool]
Step = Callable[[Pilot[Any]], Awaitable[None]]


@pytest.fixture
def hr_practice(frozen_now: object, gateway: Gateway, worlds: Worlds) -> Gateway:
    """A practice with HR, a consultant, Gary Thistle's case and his statement in draft."""

    def build(gateway: Gateway) -> None:
        manager = gateway.create(PRACTICE, MANAGER, MANAGER_PASSPHRASE).session
        manager.add_user(HR[0], Role.HR, HR[1])
        manager.add_user(CONSULTANT[0], Role.CONSULTANT, CONSULTANT[1])
        manager.cases.create(
            NewCase(
                name="Gary Thistle", kind=CaseKind.IT_EMPLOYEE, termination_date=date(2026, 11, 20)
            )
        )
        manager.cases.create(
            NewCase(name="Dana Brook", kind=CaseKind.IT_VENDOR, termination_date=date(2026, 12, 4))
        )
        statement_demo.build_demo(manager, date(2026, 11, 23))
        manager.lock()

    return worlds.restore(gateway, "hr-practice", build)


def case_id(session: UnlockedVault, name: str) -> str:
    return next(c.id for c in session.cases.list() if c.name == name)


def on_statement(who: tuple[str, str], case: str = "Gary Thistle") -> Step:
    async def step(pilot: Pilot[Any]) -> None:
        await unlock(pilot, *who)
        app = pilot.app
        assert isinstance(app, ItexitApp) and app.session is not None
        await app.push_screen(StatementScreen(app.session, case_id(app.session, case)))
        await settle(pilot)

    return step


def then(first: Step, *keys: str) -> Step:
    async def step(pilot: Pilot[Any]) -> None:
        await first(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await steady(pilot)

    return step


async def steady(pilot: Pilot[Any]) -> None:
    """Stop the text cursors blinking, so a snapshot never catches one mid-blink."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def app_for(gateway: Gateway) -> ItexitApp:
    """The app with animations off, so the tab underline is drawn at rest in every snapshot."""
    app = ItexitApp(gateway.location, gateway=gateway)
    app.animation_level = "none"
    return app


# --- snapshots ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_statement_for_hr(snap_compare: Snap, hr_practice: Gateway, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(hr_practice), terminal_size=size, run_before=on_statement(HR))


@pytest.mark.parametrize("size", SIZES)
def test_statement_property_tab(
    snap_compare: Snap, hr_practice: Gateway, size: tuple[int, int]
) -> None:
    run = then(on_statement(HR), "r")
    assert snap_compare(app_for(hr_practice), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_statement_for_consultant(
    snap_compare: Snap, hr_practice: Gateway, size: tuple[int, int]
) -> None:
    run = on_statement(CONSULTANT)
    assert snap_compare(app_for(hr_practice), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_statement_not_prepared(
    snap_compare: Snap, hr_practice: Gateway, size: tuple[int, int]
) -> None:
    run = on_statement(HR, "Dana Brook")
    assert snap_compare(app_for(hr_practice), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("key", ["e", "a", "w", "p"], ids=["edit", "property", "password", "print"])
def test_statement_modals(
    snap_compare: Snap, hr_practice: Gateway, size: tuple[int, int], key: str
) -> None:
    run = then(on_statement(HR), key)
    assert snap_compare(app_for(hr_practice), terminal_size=size, run_before=run)


async def printed_then_signing(pilot: Pilot[Any], tmp_path: Path) -> None:
    """HR on the statement: printed, then the signing dialog with the witness named."""
    await on_statement(HR)(pilot)
    app = pilot.app
    assert isinstance(app, ItexitApp) and app.session is not None
    app.session.statements.print_pdf("Gary Thistle", tmp_path / "printed.pdf")
    screen = app.screen
    assert isinstance(screen, StatementScreen)
    screen.load_statement()
    await settle(pilot)
    await pilot.press("g")
    await settle(pilot)
    await fill(pilot, "#signing-witness", "Wendy Marsh")


@pytest.mark.parametrize("size", SIZES)
def test_record_signing_modal(
    snap_compare: Snap, hr_practice: Gateway, size: tuple[int, int], tmp_path: Path
) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await printed_then_signing(pilot, tmp_path)
        await steady(pilot)

    assert snap_compare(app_for(hr_practice), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_record_signing_asks_to_confirm(
    snap_compare: Snap,
    hr_practice: Gateway,
    size: tuple[int, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second press records for good; its button says so in full, even at 80x24."""
    (tmp_path / "signed.pdf").write_bytes(b"%PDF-1.4 the signed scan")
    monkeypatch.chdir(tmp_path)  # the scan's path as typed stays the same from run to run

    async def run(pilot: Pilot[Any]) -> None:
        await printed_then_signing(pilot, tmp_path)
        await fill(pilot, "#signing-copy", "signed.pdf")
        await pilot.press("ctrl+s")
        await settle(pilot)
        button = pilot.app.screen.query_one("#save", Button)
        assert str(button.label) == "Record: final"
        assert button.content_region.width >= len("Record: final")
        await steady(pilot)

    assert snap_compare(app_for(hr_practice), terminal_size=size, run_before=run)


# --- flows -----------------------------------------------------------------------------------


async def test_hr_adds_an_item_and_marks_it_returned(hr_practice: Gateway) -> None:
    app = app_for(hr_practice)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_statement(HR)(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AddPropertyModal)
        await pilot.press("enter")  # empty: refused inline
        await settle(pilot)
        assert isinstance(app.screen, AddPropertyModal)
        assert "Name the item" in str(app.screen.query_one(".field-message", Static).render())
        await fill(pilot, "#property-name", "Pager")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StatementScreen)
        assert app.session is not None
        statement = app.session.statements.get("Gary Thistle")
        pager = next(i for i in statement.property_items if i.name == "Pager")
        assert pager.state is PropertyState.OUTSTANDING
        table = app.screen.query_one("#property-table", DataTable)
        table.focus()
        table.move_cursor(row=[i.name for i in statement.property_items].index("Pager"))
        await pilot.press("r")
        await settle(pilot)
        statement = app.session.statements.get("Gary Thistle")
        pager = next(i for i in statement.property_items if i.name == "Pager")
        assert pager.state is PropertyState.RETURNED and pager.returned_on == date(2026, 11, 23)


async def test_a_listed_password_is_sealed_and_never_shown(hr_practice: Gateway) -> None:
    app = app_for(hr_practice)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_statement(HR)(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, ListPasswordModal)
        assert app.screen.query_one("#password-secret", Input).password
        await fill(pilot, "#password-system", "Alarm panel")
        await fill(pilot, "#password-secret", SECRET)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatementScreen)
        table = screen.query_one("#password-table", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows[-1][:2] == ["Alarm panel", "-"]
        assert "waiting for the IT consultant" in rows[-1][3]
        assert SECRET not in " ".join(" ".join(r) for r in rows)
        assert app.session is not None
        assert SECRET not in app.session.statements.get("Gary Thistle").model_dump_json()


async def test_hr_prints_and_records_the_signing(hr_practice: Gateway, tmp_path: Path) -> None:
    scan = tmp_path / "signed.pdf"
    scan.write_bytes(b"%PDF-1.4 the signed scan")
    app = app_for(hr_practice)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_statement(HR)(pilot)
        screen = app.screen
        assert isinstance(screen, StatementScreen)
        await pilot.press("g")  # not printed yet: told to print first
        await settle(pilot)
        assert isinstance(app.screen, StatementScreen)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PrintStatementModal)
        assert (
            app.screen.query_one("#print-path", Input).value == "~/exit-statement-gary-thistle.pdf"
        )
        await fill(pilot, "#print-path", str(tmp_path / "statement.pdf"))
        await pilot.press("enter")
        await settle(pilot)
        assert (tmp_path / "statement.pdf").read_bytes().startswith(b"%PDF")
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, RecordSigningModal)
        await fill(pilot, "#signing-witness", "Wendy Marsh")
        await fill(pilot, "#signing-copy", str(tmp_path / "missing.pdf"))
        await pilot.press("enter")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, RecordSigningModal)  # refused inline: no such file
        await fill(pilot, "#signing-copy", str(scan))
        # a date before the statement was printed is refused beside the fields
        await fill(pilot, "#signing-date", (date.today() - timedelta(days=3)).isoformat())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is modal
        assert "printed on" in str(modal.query_one(".field-message", Static).render())
        await fill(pilot, "#signing-date", date.today().isoformat())
        # the first Record says what becomes final and what property is still outstanding
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is modal
        final = str(modal.query_one("#signing-final", Static).render())
        assert "cannot be changed" in final and "outstanding" in final
        await pilot.click("#save")
        await settle(pilot)
        assert app.screen is screen
        assert app.session is not None
        statement = app.session.statements.get("Gary Thistle")
        assert statement.status is StatementStatus.SIGNED
        assert statement.signing is not None and statement.signing.witness == "Wendy Marsh"
        status = str(screen.query_one("#statement-status", Static).render())
        fingerprint = statement.signing.signed_copy.sha256[:12]
        assert f"scanned copy {scan.name}, fingerprint {fingerprint}…" in status
        assert "SHA" not in status
        # read-only now: the editing keys are gone
        for action in ("edit_text", "add_item", "list_password"):
            assert screen.check_action(action, ()) is False
        await pilot.press("a")
        await settle(pilot)
        assert app.screen is screen
        # property handed back later is still marked returned, as a fact after the signing
        assert screen.check_action("toggle_returned", ()) is True
        late = statement.outstanding[0]
        screen.query_one("#statement-tabs", TabbedContent).active = "tab-property"
        await settle(pilot)
        table = screen.query_one("#property-table", DataTable)
        table.focus()
        table.move_cursor(row=[i.id for i in statement.property_items].index(late.id))
        await pilot.press("r")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, LateReturnModal)
        assert modal.query_one("#late-received-by", Input).value == HR[0]
        await fill(pilot, "#late-date", "2000-01-01")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is modal
        assert "signed on" in str(modal.query_one(".field-message", Static).render())
        await fill(pilot, "#late-date", date.today().isoformat())
        await fill(pilot, "#late-received-by", "Anna Berg")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        after = app.session.statements.get("Gary Thistle")
        item = next(i for i in after.property_items if i.id == late.id)
        assert item.state is PropertyState.RETURNED and item.after_signing
        assert item.received_by == "Anna Berg" and after.signing == statement.signing
        row = [str(cell) for cell in table.get_row(late.id)]
        assert row[1] == "returned\nafter signing" and row[2].endswith("\nto Anna Berg")
        exposures = app.session.exposures.open_for_case(statement.case_id)
        assert late.name not in [e.subject for e in exposures]


async def test_editing_the_practice_text(hr_practice: Gateway) -> None:
    app = app_for(hr_practice)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_statement(HR)(pilot)
        await pilot.press("e")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, EditStatementModal)
        await fill(pilot, "#statement-job", "Network administrator")
        modal.query_one("#save").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StatementScreen)
        assert app.session is not None
        assert app.session.statements.get("Gary Thistle").job_title == "Network administrator"
        assert "Network administrator" in str(
            app.screen.query_one("#statement-text", Static).render()
        )


async def from_the_palette(pilot: Pilot[Any], words: str) -> None:
    """Open the command palette, type `words`, and run the first thing it offers."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*words)
    commands = pilot.app.screen.query_one(CommandList)

    def prompts() -> list[str]:
        return [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]

    def ours() -> int | None:
        return next((i for i, p in enumerate(prompts()) if p.startswith("Exit statement\n")), None)

    assert await until(pilot, lambda: ours() is not None), prompts()
    for _ in range(ours() or 0):  # HR's dashboard tile "Exit statements to sign" may come first
        await pilot.press("down")
    await pilot.press("enter")
    await settle(pilot)


async def test_the_palette_opens_the_exit_statement_of_the_case_shown(hr_practice: Gateway) -> None:
    app = app_for(hr_practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, *HR)
        await from_the_palette(pilot, "statement")
        assert isinstance(app.screen, CaseListScreen)  # two cases open: the list to choose from
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, CaseDetailScreen)
        await from_the_palette(pilot, "exit statement")
        assert isinstance(app.screen, StatementScreen)
        assert app.session is not None
        assert app.screen._case_id == detail.case_id == case_id(app.session, "Gary Thistle")


async def test_the_palette_opens_the_only_open_case_s_statement(practice: Gateway) -> None:
    manager = practice.unlock(MANAGER, MANAGER_PASSPHRASE)
    only = manager.cases.create(
        NewCase(name="Dana Brook", kind=CaseKind.IT_VENDOR, termination_date=date(2026, 12, 4))
    )
    manager.lock()
    app = app_for(practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
        await from_the_palette(pilot, "statement")
        assert isinstance(app.screen, StatementScreen) and app.screen._case_id == only.id


async def test_hr_prepares_a_statement(hr_practice: Gateway) -> None:
    app = app_for(hr_practice)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_statement(HR, "Dana Brook")(pilot)
        screen = app.screen
        assert isinstance(screen, StatementScreen)
        assert screen.check_action("add_item", ()) is False
        await pilot.press("n")
        await settle(pilot)
        assert app.session is not None
        status = app.session.statements.status("Dana Brook")
        assert status is not None and status.status is StatementStatus.DRAFTED
        assert screen.query_one("#statement-tabs").display
        assert screen.check_action("prepare", ()) is False


async def test_the_consultant_sees_only_the_status(hr_practice: Gateway) -> None:
    app = app_for(hr_practice)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_statement(CONSULTANT)(pilot)
        screen = app.screen
        assert isinstance(screen, StatementScreen)
        assert not screen.query_one("#statement-tabs").display
        assert "Status: Draft" in str(screen.query_one("#statement-status", Static).render())
        for action in ("edit_text", "add_item", "list_password", "print_pdf", "prepare"):
            assert screen.check_action(action, ()) is False
        await pilot.press("a")
        await settle(pilot)
        assert app.screen is screen
        assert not screen.query(Checkbox)


async def test_a_late_return_reads_whole_at_80_columns(
    hr_practice: Gateway, tmp_path: Path
) -> None:
    """An item handed back after the signing says so under its date, not cut off at the edge."""
    hr = hr_practice.unlock(*HR)
    gary = case_id(hr, "Gary Thistle")
    hr.statements.print_pdf(gary, tmp_path / "statement.pdf")
    signed = hr.statements.record_signing(
        gary,
        NewSigning(
            signed_on=date.today(),
            witness="Wendy Marsh",
            copy_filename="signed.pdf",
            copy_bytes=b"%PDF-1.4 the signed scan",
        ),
    )
    late = signed.outstanding[0]
    hr.statements.return_after_signing(
        gary, late.id, LateReturn(returned_on=date.today(), received_by="Anna Berg")
    )
    hr.lock()
    app = app_for(hr_practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_statement(HR)(pilot)
        screen = app.screen
        assert isinstance(screen, StatementScreen)
        screen.query_one("#statement-tabs", TabbedContent).active = "tab-property"
        await settle(pilot)
        table = screen.query_one("#property-table", DataTable)
        lines = [table.render_line(y).text.rstrip() for y in range(table.size.height)]
        assert table.max_scroll_x == 0
    [at] = [i for i, line in enumerate(lines) if "Building access badge" in line]
    assert "returned" in lines[at] and "23 Nov 2026" in lines[at]
    assert "after signing" in lines[at + 1] and "to Anna Berg" in lines[at + 1]
