"""The checklist screens: case list, case detail, my tasks and their dialogs, key by key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from svg_rows import rows
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, Select, SelectionList, Static
from tui_steps import MANAGER, MANAGER_PASSPHRASE, PRACTICE, fill, press_settled, settle, unlock
from worlds import Worlds

from itexit.app import ItexitApp
from itexit.domain.checklist import CaseKind, CaseStatus, NewCase, TaskStatus
from itexit.domain.roles import Role
from itexit.screens.cases.detail import CaseDetailScreen
from itexit.screens.cases.modals import CaseStageModal, NewCaseModal, TerminationDateModal
from itexit.screens.cases.my_tasks import MyTasksScreen
from itexit.screens.cases.screen import CaseListScreen
from itexit.screens.cases.statement import StatementScreen
from itexit.screens.cases.task_modals import (
    AddTaskModal,
    AssignModal,
    EvidenceModal,
    NotApplicableModal,
)
from itexit.screens.error import ErrorModal
from itexit.services.gateway import Gateway
from itexit.services.session import UnlockedVault

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]
SIZE = (120, 36)
TODAY = date(2026, 11, 23)
CONSULTANT = ("sam", "sam-harbor-quartz-lantern-81")

Snap = Callable[..., bool]


class Notices:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.seen.append(message.notification.message)

    @property
    def text(self) -> str:
        return "\n".join(self.seen)


@pytest.fixture
def checklist_practice(frozen_now: object, gateway: Gateway, worlds: Worlds) -> Gateway:
    """A practice with a consultant, Gary's case three days after he left, and a fellow's."""

    def build(gateway: Gateway) -> None:
        session = gateway.create(PRACTICE, MANAGER, MANAGER_PASSPHRASE).session
        session.add_user(CONSULTANT[0], Role.CONSULTANT, CONSULTANT[1])
        cases = session.cases
        gary = cases.create(
            NewCase(
                name="Gary Thistle",
                kind=CaseKind.IT_EMPLOYEE,
                termination_date=TODAY - timedelta(days=3),
                templates=["it-person"],
            )
        )
        for number in (1, 2, 3, 4, 5, 6, 7):
            cases.complete(gary.id, number, evidence=f"step {number} done")
        cases.create(
            NewCase(
                name="Dr. Priya Lindqvist",
                kind=CaseKind.CLINICIAN,
                termination_date=TODAY + timedelta(days=24),
                templates=["clinician-deprovisioning"],
            )
        )
        session.lock()

    return worlds.restore(gateway, "checklist-practice", build)


def manager(gw: Gateway) -> UnlockedVault:
    return gw.unlock(MANAGER, MANAGER_PASSPHRASE)


async def on_cases(pilot: Pilot[Any]) -> None:
    await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
    await pilot.press("f4")
    await settle(pilot)


async def on_gary(pilot: Pilot[Any]) -> None:
    await on_cases(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def select_task(pilot: Pilot[Any], number: int) -> None:
    screen = pilot.app.screen
    assert isinstance(screen, CaseDetailScreen)
    rows = screen._rows
    index = next(i for i, t in enumerate(rows) if t is not None and t.number == number)
    screen.query_one("#tasks-table", DataTable).move_cursor(row=index)
    await settle(pilot)


async def steady_cursor(pilot: Pilot[Any]) -> None:
    """Stop the text cursor blinking, so a slow run cannot catch it half-way."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def app_for(gw: Gateway) -> ItexitApp:
    return ItexitApp(gw.location, gateway=gw)


# --- snapshots -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_case_list(snap_compare: Snap, checklist_practice: Gateway, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(checklist_practice), terminal_size=size, run_before=on_cases)


@pytest.mark.parametrize("size", SIZES)
def test_case_detail(
    snap_compare: Snap, checklist_practice: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await on_gary(pilot)
        await select_task(pilot, 3)

    assert snap_compare(app_for(checklist_practice), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_my_tasks(snap_compare: Snap, checklist_practice: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await on_cases(pilot)
        await pilot.press("m")
        await settle(pilot)

    assert snap_compare(app_for(checklist_practice), terminal_size=size, run_before=run_before)


@pytest.mark.sizes_apart  # drawn otherwise after a resize than when started at a size
@pytest.mark.parametrize("size", SIZES)
def test_new_case_modal(
    snap_compare: Snap, checklist_practice: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await on_cases(pilot)
        await pilot.press("n")
        await settle(pilot)
        await fill(pilot, "#case-name", "Northgate Networks")
        pilot.app.screen.query_one("#case-kind", Select).value = CaseKind.IT_VENDOR
        await fill(pilot, "#case-date", "2026-12-1")
        await steady_cursor(pilot)

    assert snap_compare(app_for(checklist_practice), terminal_size=size, run_before=run_before)


def _dialog(key: str, number: int) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await on_gary(pilot)
        await select_task(pilot, number)
        await pilot.press(key)
        await settle(pilot)
        await steady_cursor(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_evidence_modal(
    snap_compare: Snap, checklist_practice: Gateway, size: tuple[int, int]
) -> None:
    assert snap_compare(app_for(checklist_practice), terminal_size=size, run_before=_dialog("d", 9))


@pytest.mark.parametrize("size", SIZES)
def test_not_applicable_modal(
    snap_compare: Snap, checklist_practice: Gateway, size: tuple[int, int]
) -> None:
    assert snap_compare(
        app_for(checklist_practice), terminal_size=size, run_before=_dialog("x", 13)
    )


@pytest.mark.parametrize("size", SIZES)
def test_assign_modal(
    snap_compare: Snap, checklist_practice: Gateway, size: tuple[int, int]
) -> None:
    assert snap_compare(
        app_for(checklist_practice), terminal_size=size, run_before=_dialog("a", 11)
    )


@pytest.mark.parametrize("size", SIZES)
def test_add_task_modal(
    snap_compare: Snap, checklist_practice: Gateway, size: tuple[int, int]
) -> None:
    assert snap_compare(app_for(checklist_practice), terminal_size=size, run_before=_dialog("n", 1))


@pytest.mark.parametrize("size", SIZES)
def test_case_stage_modal(
    snap_compare: Snap, checklist_practice: Gateway, size: tuple[int, int]
) -> None:
    assert snap_compare(app_for(checklist_practice), terminal_size=size, run_before=_dialog("g", 1))


@pytest.mark.parametrize("size", SIZES)
def test_termination_date_modal(
    snap_compare: Snap, checklist_practice: Gateway, size: tuple[int, int]
) -> None:
    assert snap_compare(app_for(checklist_practice), terminal_size=size, run_before=_dialog("e", 1))


# --- flows -----------------------------------------------------------------------------------


async def test_open_a_new_case_from_the_list(checklist_practice: Gateway) -> None:
    app = app_for(checklist_practice)
    async with app.run_test(size=SIZE) as pilot:
        await on_cases(pilot)
        assert isinstance(app.screen, CaseListScreen)
        assert app.screen.query_one("#cases-table", DataTable).row_count == 2
        await pilot.press("n")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, NewCaseModal)
        create = modal.query_one("#create", Button)
        await fill(pilot, "#case-name", "Northgate Networks")
        modal.query_one("#case-kind", Select).value = CaseKind.IT_VENDOR
        await fill(pilot, "#case-date", "12/01/2026")
        await pilot.pause()
        assert create.disabled
        await fill(pilot, "#case-date", "2026-12-01")
        await pilot.pause()
        assert modal.query_one("#case-templates", SelectionList).selected == ["it-person"]
        assert not create.disabled
        await fill(pilot, "#case-emails", "ops at northgate")
        await pilot.pause()
        assert create.disabled
        assert "not an e-mail address" in message_of(modal, "case-emails")
        await fill(pilot, "#case-emails", "ops@northgate.example, Ops@Northgate.example")
        await fill(pilot, "#case-phones", "+1 555 019 9100")
        await pilot.pause()
        assert not create.disabled
        modal.query_one("#create", Button).press()
        await settle(pilot)
        assert isinstance(app.screen, CaseDetailScreen)
    session = manager(checklist_practice)
    case = session.cases.get("Northgate Networks")
    assert case.kind is CaseKind.IT_VENDOR and case.tasks_total == 17
    assert case.termination_date == date(2026, 12, 1)
    person = next(
        p for p in session.exposures.world(date(2026, 11, 23)).people if p.case_id == case.id
    )
    assert person.emails == ("ops@northgate.example",) and person.phones == ("+1 555 019 9100",)


def message_of(modal: NewCaseModal, field: str) -> str:
    return str(modal.query_one(f"#{field}-message", Static).render())


async def test_new_case_refusals_show_beside_each_field_and_keep_what_was_typed(
    checklist_practice: Gateway,
) -> None:
    app = app_for(checklist_practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_cases(pilot)
        await press_settled(pilot, "n")
        modal = app.screen
        assert isinstance(modal, NewCaseModal)
        # Ctrl+S on an empty form: nothing opens, and each missing thing is named at its field
        await press_settled(pilot, "ctrl+s")
        assert app.screen is modal
        assert "Type the name" in message_of(modal, "case-name")
        assert "kind of departure" in message_of(modal, "case-kind")
        assert "termination date" in message_of(modal, "case-date")
        assert "Tick at least one template" in message_of(modal, "case-templates")
        assert "Nothing is saved yet" in str(modal.query_one("#new-case-message", Static).render())
        assert modal.focused is modal.query_one("#case-name", Input)
        shown = "\n".join(rows(app.export_screenshot()))
        assert "Open a departure case" in shown and "Open case" in shown  # title, buttons
        # a name far too long and a date written the wrong way round: refused as typed
        await fill(pilot, "#case-name", "G" * 5000)
        await fill(pilot, "#case-date", "01/12/2026")
        assert "longer than 200 characters" in message_of(modal, "case-name")
        assert "YYYY-MM-DD" in message_of(modal, "case-date")
        assert message_of(modal, "case-kind") == ""  # still missing, but only named on save
        await press_settled(pilot, "ctrl+s")
        assert app.screen is modal
        assert modal.query_one("#case-name", Input).value == "G" * 5000
        assert modal.query_one("#case-date", Input).value == "01/12/2026"
        # a name with an umlaut is a name
        await fill(pilot, "#case-name", "Jürgen Müller")
        modal.query_one("#case-kind", Select).value = CaseKind.IT_EMPLOYEE
        await fill(pilot, "#case-date", "2026-12-01")
        assert all(message_of(modal, field) == "" for field in ("case-name", "case-date"))
        await press_settled(pilot, "ctrl+s")
        assert isinstance(app.screen, CaseDetailScreen)
    assert manager(checklist_practice).cases.get("Jürgen Müller").tasks_total > 0


async def test_a_refused_case_comes_back_to_the_form_as_typed(checklist_practice: Gateway) -> None:
    app = app_for(checklist_practice)
    draft = NewCase(
        name="Northgate Networks",
        kind=CaseKind.IT_VENDOR,
        termination_date=date(2026, 12, 1),
        templates=["it-person"],
        emails=["ops@northgate.example"],
        notes="Contract ended",
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await on_cases(pilot)
        await app.push_screen(
            NewCaseModal([], TODAY, draft=draft, refusal="The vault said no: try again.")
        )
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, NewCaseModal)
        assert modal.query_one("#case-name", Input).value == "Northgate Networks"
        assert modal.query_one("#case-kind", Select).value is CaseKind.IT_VENDOR
        assert modal.query_one("#case-date", Input).value == "2026-12-01"
        assert modal.query_one("#case-emails", Input).value == "ops@northgate.example"
        assert modal.query_one("#case-notes", Input).value == "Contract ended"
        assert "The vault said no" in str(modal.query_one("#new-case-message", Static).render())


async def test_case_dialogs_answer_ctrl_s(checklist_practice: Gateway) -> None:
    app = app_for(checklist_practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_gary(pilot)
        await press_settled(pilot, "e")
        modal = app.screen
        assert isinstance(modal, TerminationDateModal)
        await fill(pilot, "#new-date", "tomorrow")
        await press_settled(pilot, "ctrl+s")
        assert app.screen is modal
        assert "YYYY-MM-DD" in str(modal.query_one("#date-message", Static).render())
        await press_settled(pilot, "escape")
        await press_settled(pilot, "g")
        stage = app.screen
        assert isinstance(stage, CaseStageModal)
        await press_settled(pilot, "ctrl+s")
        assert app.screen is stage
        assert "other than the current one" in str(stage.query_one("#stage-meaning").render())


async def test_done_with_evidence_and_a_file(checklist_practice: Gateway, tmp_path: Path) -> None:
    scan = tmp_path / "mailbox-password-change.txt"
    scan.write_text("changed the mailbox password")
    app = app_for(checklist_practice)
    async with app.run_test(size=SIZE) as pilot:
        await on_gary(pilot)
        await select_task(pilot, 9)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, EvidenceModal)
        await fill(pilot, "#evidence-note", "Password changed at 17:05")
        await fill(pilot, "#evidence-path", str(tmp_path / "nope.txt"))
        await pilot.pause()
        modal = app.screen
        await press_settled(pilot, "ctrl+s")  # refused, said beside the field, nothing lost
        assert app.screen is modal
        assert "There is no file" in str(modal.query_one("#evidence-message", Static).render())
        assert modal.query_one("#evidence-note", Input).value == "Password changed at 17:05"
        await fill(pilot, "#evidence-path", str(scan))
        await pilot.pause()
        await pilot.click("#save")
        await settle(pilot)
        assert isinstance(app.screen, CaseDetailScreen)
        panel = str(app.screen.query_one("#task-text").render())
        assert "Password changed at 17:05" in panel
        assert "mailbox-password-change.txt" in panel
    task = manager(checklist_practice).cases.task("Gary Thistle", 9)
    assert task.status is TaskStatus.DONE
    assert task.attachments[0].filename == "mailbox-password-change.txt"


async def test_a_task_waiting_on_a_critical_one_says_so(checklist_practice: Gateway) -> None:
    notices = Notices()
    app = app_for(checklist_practice)
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await on_gary(pilot)
        await select_task(pilot, 10)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, CaseDetailScreen)
    assert "waits for the critical task #8" in notices.text


async def test_not_applicable_needs_a_reason(checklist_practice: Gateway) -> None:
    app = app_for(checklist_practice)
    async with app.run_test(size=SIZE) as pilot:
        await on_gary(pilot)
        await select_task(pilot, 13)
        await pilot.press("x")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, NotApplicableModal)
        await fill(pilot, "#na-reason", "no")
        await press_settled(pilot, "ctrl+s")  # two letters: refused, and said so
        assert app.screen is modal
        assert "at least 3" in str(modal.query_one("#na-message", Static).render())
        await pilot.click("#save")
        await settle(pilot)
        assert app.screen is modal and modal.query_one("#na-reason", Input).value == "no"
        await fill(pilot, "#na-reason", "No newsletters on this mailbox")
        await pilot.press("enter")
        await settle(pilot)
    task = manager(checklist_practice).cases.task("Gary Thistle", 13)
    assert task.status is TaskStatus.NOT_APPLICABLE
    assert task.na_reason == "No newsletters on this mailbox"


async def test_assign_a_task_to_the_consultant(checklist_practice: Gateway) -> None:
    app = app_for(checklist_practice)
    async with app.run_test(size=SIZE) as pilot:
        await on_gary(pilot)
        await select_task(pilot, 16)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AssignModal)
        app.screen.query_one("#assignee", Select).value = CONSULTANT[0]
        await pilot.click("#save")
        await settle(pilot)
    task = manager(checklist_practice).cases.task("Gary Thistle", 16)
    assert task.assignee == CONSULTANT[0] and task.role is Role.CONSULTANT


async def test_add_a_task_and_move_the_date(checklist_practice: Gateway) -> None:
    app = app_for(checklist_practice)
    async with app.run_test(size=SIZE) as pilot:
        await on_gary(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, AddTaskModal)
        await fill(pilot, "#task-title", "Collect the server room key")
        await fill(pilot, "#task-due", "2026-11-25")
        await pilot.click("#save")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, TerminationDateModal)
        await fill(pilot, "#new-date", "2026-11-27")
        await pilot.press("enter")
        await settle(pilot)
    case = manager(checklist_practice).cases.get("Gary Thistle")
    assert case.termination_date == date(2026, 11, 27)
    added = next(t for t in case.tasks if t.title == "Collect the server room key")
    assert added.due == date(2026, 12, 2)  # five days after the date, as before
    assert case.tasks[0].due == date(2026, 10, 30)  # done before the move: unchanged


async def test_stage_moves_the_case_to_monitoring_and_closing_is_checked(
    checklist_practice: Gateway,
) -> None:
    app = app_for(checklist_practice)
    notices = Notices()
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await on_gary(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, CaseStageModal)
        assert app.screen.query_one("#change", Button).disabled  # nothing chosen yet
        app.screen.query_one("#case-stage", Select).value = CaseStatus.MONITORING
        await settle(pilot)
        assert "mailbox and renewals are watched" in str(
            app.screen.query_one("#stage-meaning").render()
        )
        await pilot.click("#change")
        await settle(pilot)
        assert "The case of Gary Thistle is monitoring." in notices.text
        assert isinstance(app.screen, CaseDetailScreen)
        await pilot.press("g")
        await settle(pilot)
        app.screen.query_one("#case-stage", Select).value = CaseStatus.CLOSED
        await settle(pilot)
        await pilot.click("#change")
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        assert "critical task #8" in str(app.screen.query_one("#error-message").render())
    assert manager(checklist_practice).cases.get("Gary Thistle").status is CaseStatus.MONITORING


async def test_cancel_closes_each_case_dialog_and_changes_nothing(
    checklist_practice: Gateway,
) -> None:
    app = app_for(checklist_practice)
    async with app.run_test(size=SIZE) as pilot:
        await on_gary(pilot)
        dialogs = (("g", CaseStageModal), ("e", TerminationDateModal), ("n", AddTaskModal))
        for key, dialog in dialogs:
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, dialog)
            await pilot.click("#cancel")
            await settle(pilot)
            assert isinstance(app.screen, CaseDetailScreen), dialog
    case = manager(checklist_practice).cases.get("Gary Thistle")
    assert case.status is CaseStatus.ACTIVE and case.termination_date == TODAY - timedelta(days=3)
    assert len(case.tasks) == 17


async def test_closing_with_an_open_critical_task_shows_why(checklist_practice: Gateway) -> None:
    app = app_for(checklist_practice)
    async with app.run_test(size=SIZE) as pilot:
        await on_gary(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        message = str(app.screen.query_one("#error-message").render())
        assert "critical task #8" in message and "still open" in message


async def test_filter_critical_and_my_tasks_open_the_case(checklist_practice: Gateway) -> None:
    app = app_for(checklist_practice)
    async with app.run_test(size=SIZE) as pilot:
        await on_gary(pilot)
        screen = app.screen
        assert isinstance(screen, CaseDetailScreen)
        await pilot.press("f", "f")
        await settle(pilot)
        tasks = [t for t in screen._rows if t is not None]
        assert tasks and all(t.critical for t in tasks)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MyTasksScreen)
        assert app.screen.query_one("#my-tasks-table", DataTable).row_count > 0
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseDetailScreen)


async def test_s_opens_the_exit_statement(checklist_practice: Gateway) -> None:
    app = app_for(checklist_practice)
    async with app.run_test(size=SIZE) as pilot:
        await on_gary(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, StatementScreen)


async def test_notes_typed_in_the_new_case_dialog_are_for_hr_only(
    checklist_practice: Gateway,
) -> None:
    app = app_for(checklist_practice)
    async with app.run_test(size=SIZE) as pilot:
        await on_cases(pilot)
        await pilot.press("n")
        await settle(pilot)
        await fill(pilot, "#case-name", "Rita Fellow")
        app.screen.query_one("#case-kind", Select).value = CaseKind.CLINICIAN
        await fill(pilot, "#case-date", "2026-12-15")
        await fill(pilot, "#case-notes", "moving abroad")
        await pilot.press("enter")
        await settle(pilot)
    assert manager(checklist_practice).cases.get("Rita Fellow").notes == "moving abroad"
    bob = checklist_practice.unlock(*CONSULTANT)
    assert bob.cases.get("Rita Fellow").notes is None


async def test_the_list_hint_counts_one_overdue_critical_task_in_the_singular(
    checklist_practice: Gateway,
) -> None:
    session = manager(checklist_practice)
    gary = session.cases.get("Gary Thistle")
    late = [
        t for t in gary.tasks if t.critical and t.status is TaskStatus.OPEN and t.overdue(TODAY)
    ]
    for task in late[1:]:
        session.cases.not_applicable(gary.id, task.number, "handled outside itexit")
    session.lock()
    app = app_for(checklist_practice)
    async with app.run_test(size=SIZE) as pilot:
        await on_cases(pilot)
        hint = str(app.screen.query_one("#cases-hint", Static).render())
    assert hint == "1 critical task overdue: open the case to act on it."


async def test_closing_says_how_many_tasks_were_left_open(checklist_practice: Gateway) -> None:
    session = manager(checklist_practice)
    vendor = session.cases.create(
        NewCase(
            name="Northgate Networks",
            kind=CaseKind.IT_VENDOR,
            termination_date=TODAY - timedelta(days=1),
        )
    )
    for task in session.cases.get(vendor.id).tasks:
        if task.critical:
            session.cases.not_applicable(vendor.id, task.number, "the vendor kept no access")
    for left in session.exposures.open_for_case(vendor.id):
        session.exposures.accept(left.id, "the vendor signs by post", TODAY + timedelta(days=14))
    open_tasks = sum(1 for t in session.cases.get(vendor.id).tasks if t.status is TaskStatus.OPEN)
    session.lock()
    app = app_for(checklist_practice)
    notices = Notices()
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await on_cases(pilot)
        await pilot.app.push_screen(CaseDetailScreen(pilot.app.session, vendor.id))  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
    assert manager(checklist_practice).cases.get(vendor.id).status is CaseStatus.CLOSED
    assert (
        f"The case of Northgate Networks is closed; {open_tasks} tasks were still open."
        in notices.text
    )
