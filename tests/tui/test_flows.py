"""The user's journeys through the TUI, pressed key by key against a real vault."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Button, DataTable, Input, Select, Static
from tui_steps import (
    DEMO_CONSULTANT,
    DEMO_MANAGER_PASSPHRASE,
    MANAGER,
    MANAGER_PASSPHRASE,
    PRACTICE,
    Notices,
    fill,
    press_settled,
    settle,
    type_into,
    unlock,
    unlocked,
    until,
)

from itexit.app import ItexitApp
from itexit.domain.errors import AuthenticationFailed
from itexit.domain.roles import Permission, Role
from itexit.screens.confirm_remove import ConfirmRemoveModal
from itexit.screens.dashboard import DashboardScreen
from itexit.screens.error import ErrorModal
from itexit.screens.first_run import FirstRunScreen
from itexit.screens.help import HelpModal
from itexit.screens.recovery_kit import RecoveryKitScreen
from itexit.screens.removal_report import RemovalReportModal
from itexit.screens.setup import SetupScreen
from itexit.screens.unlock import UnlockScreen
from itexit.screens.users import UsersScreen
from itexit.screens.users.add_user import AddUserModal
from itexit.screens.users.user_details import PersonDetailsModal
from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation
from itexit.widgets.strength import StrengthMeter

SIZE = (120, 36)


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- start-up and first run --------------------------------------------------------------------


def test_first_paint_of_a_new_vault_does_not_load_the_database_layer(tmp_path: str) -> None:
    script = textwrap.dedent(
        """
        import asyncio, sys
        from pathlib import Path
        from itexit.app import ItexitApp
        from itexit.screens.first_run import FirstRunScreen
        from itexit.services.location import VaultLocation

        async def main():
            app = ItexitApp(VaultLocation(path=Path(sys.argv[1])))
            async with app.run_test() as pilot:
                await pilot.pause()
                assert isinstance(app.screen, FirstRunScreen), app.screen
            leaked = [m for m in ("sqlalchemy", "cryptography", "argon2") if m in sys.modules]
            assert not leaked, leaked

        asyncio.run(main())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path) + "/new.sqlite"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]


async def test_set_up_a_practice_end_to_end(location: VaultLocation, tmp_path: Path) -> None:
    app = ItexitApp(location)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, FirstRunScreen)
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        create = screen.query_one("#create", Button)
        assert create.disabled

        await fill(pilot, "#practice", PRACTICE)
        await pilot.press("enter")
        await pilot.press(*MANAGER, "enter")
        # A weak passphrase: the meter says so and Create stays disabled, even with ctrl+s.
        await pilot.press(*"secret1", "enter", *"secret1")
        await pilot.pause()
        assert not screen.query_one(StrengthMeter).result.acceptable
        assert create.disabled
        await press_settled(pilot, "ctrl+s")
        assert isinstance(app.screen, SetupScreen)
        assert "not strong enough" in str(screen.query_one("#setup-error", Static).render())

        # A strong passphrase typed differently the second time: still refused, and said why.
        await fill(pilot, "#passphrase", MANAGER_PASSPHRASE)
        await fill(pilot, "#repeat", MANAGER_PASSPHRASE + "x")
        await pilot.pause()
        assert screen.query_one(StrengthMeter).result.acceptable
        assert "do not match" in str(screen.query_one("#match", Static).render())
        assert create.disabled
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, SetupScreen)

        await pilot.press("end", "backspace")
        await pilot.pause()
        assert "The passphrases match" in str(screen.query_one("#match", Static).render())
        assert not create.disabled
        await press_settled(pilot, "enter")

        kit_screen = app.screen
        assert isinstance(kit_screen, RecoveryKitScreen)
        kit_text = str(kit_screen.query_one("#kit", Static).render())
        # shown exactly as it is typed back: dash-joined groups, no letter spacing
        assert kit_text.startswith("ITX1-") and "ITX1 " not in kit_text
        last_group = kit_text.rsplit("-", 1)[-1].strip()
        assert len(last_group) == 5

        # Nothing leaves the kit before it is confirmed stored: not F2, escape, nor area keys.
        for key in ("f2", "escape", "f3", "u", "1", "ctrl+l"):
            await press_settled(pilot, key)
            assert app.screen is kit_screen, key
        await pilot.click("#kit-continue")
        await settle(pilot)
        assert app.screen is kit_screen
        assert "last group" in str(kit_screen.query_one("#kit-check-message", Static).render())
        await pilot.press(*"ZZZZZ", "enter")
        await settle(pilot)
        assert app.screen is kit_screen
        assert "not the kit's last group" in str(
            kit_screen.query_one("#kit-check-message", Static).render()
        )
        assert kit_screen.query_one("#kit-check", Input).value == "ZZZZZ"  # kept to correct

        # Saved as a printable PDF, readable by its owner only.
        pdf_path = tmp_path / "kit.pdf"
        await fill(pilot, "#kit-path", str(pdf_path))
        await press_settled(pilot, "enter")
        assert pdf_path.stat().st_mode & 0o777 == 0o600
        assert "Saved to" in str(kit_screen.query_one("#kit-save-message", Static).render())

        # The last group typed back in lower case with a stray dash is the proof.
        await fill(pilot, "#kit-check", "")
        await pilot.press(*(last_group[:2].lower() + "-" + last_group[2:].lower()), "ctrl+s")
        await settle(pilot)

        assert isinstance(app.screen, DashboardScreen)
        assert app.title == PRACTICE
        assert app.sub_title == "maria (Practice manager)"
        assert app.session is not None

    reopened = Gateway.open(location)
    try:
        assert reopened.exists()
        assert reopened.practice_name() == PRACTICE
        again = reopened.unlock(MANAGER, MANAGER_PASSPHRASE)
        assert again.coverage().kit_confirmed
        tile = next(t for t in again.dashboard().tiles if t.key == "people")
        assert "recovery kit stored" in tile.caption
        again.lock()
    finally:
        reopened.close()


async def test_demo_choice_builds_the_demo_and_leads_to_unlock(location: VaultLocation) -> None:
    app = ItexitApp(location)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await press_settled(pilot, "d")
        table = app.screen.query_one("#demo-users", DataTable)
        names = [str(table.get_row_at(index)[0]) for index in range(table.row_count)]
        assert names[0] == MANAGER and "priya" in names
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, UnlockScreen)
        assert app.screen.query_one("#user", Input).value == MANAGER
        await fill(pilot, "#passphrase", DEMO_MANAGER_PASSPHRASE)
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, DashboardScreen)
        assert app.title == f"{PRACTICE} (demo)"


async def test_the_demo_is_kept_apart_and_leads_to_setting_up_the_practice(
    location: VaultLocation, _isolate: Path
) -> None:
    app = ItexitApp(location)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await press_settled(pilot, "d")
        await press_settled(pilot, "enter")
        unlock_screen = app.screen
        assert isinstance(unlock_screen, UnlockScreen)
        assert "(demo)" in str(unlock_screen.query_one("#unlock-title", Static).render())
        # the demo lives in its own file; the practice's vault is still to be created
        assert (_isolate / "demo.sqlite").exists()
        assert location.file_exists() is False
        await fill(pilot, "#passphrase", DEMO_MANAGER_PASSPHRASE)
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, DashboardScreen)

        # From inside the demo, the palette's "Set up my practice" locks it and starts the set-up.
        await press_settled(pilot, "ctrl+n")
        assert isinstance(app.screen, SetupScreen)
        assert app.session is None and app.title == "itexit"
        await press_settled(pilot, "escape")
        assert isinstance(app.screen, FirstRunScreen)
        assert str(location.path) in str(app.screen.query_one("#first-run-where", Static).render())

    # Set up for real from the command line too: the demo is no obstacle.
    gateway = Gateway.open(location)
    try:
        assert not gateway.exists()
        gateway.create("Real Family Practice", MANAGER, MANAGER_PASSPHRASE).session.lock()
    finally:
        gateway.close()
    demo = Gateway.open(VaultLocation.demo())
    try:
        assert demo.practice_name() == PRACTICE
    finally:
        demo.close()


async def test_the_unlock_screen_of_the_demo_offers_setting_up_the_practice(
    location: VaultLocation,
) -> None:
    app = ItexitApp(location)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await press_settled(pilot, "d")
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, UnlockScreen)
        await pilot.click("#unlock-setup")
        await settle(pilot)
        assert isinstance(app.screen, SetupScreen)


# --- unlock --------------------------------------------------------------------------------------


async def test_unlock_opens_the_dashboard(
    practice: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[DashboardScreen] = []
    real_load = DashboardScreen.load_summary

    def counted_load(screen: DashboardScreen) -> object:
        loads.append(screen)
        return real_load(screen)

    monkeypatch.setattr(DashboardScreen, "load_summary", counted_load)
    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
        assert isinstance(app.screen, DashboardScreen)
        assert app.session is not None
        assert app.session.identity.name == MANAGER
        tiles = app.screen.query("DashboardTile")
        assert len(tiles) == len(app.session.dashboard().tiles)
        # The numbers came with the unlock: the dashboard drew them at once and read nothing
        # again; the first tile has the focus. Refreshing reads them once.
        assert loads == []
        assert not app.screen.query_one("#dashboard-busy").display
        assert app.focused is tiles.first()
        await pilot.press("r")
        await settle(pilot)
        assert loads == [app.screen]
        assert len(app.screen.query("DashboardTile")) == len(tiles)
        assert app.focused is app.screen.query("DashboardTile").first()
        await press_settled(pilot, "enter")
        assert not isinstance(app.screen, DashboardScreen)
        loads.clear()
        await press_settled(pilot, "escape")
        assert isinstance(app.screen, DashboardScreen)
        assert loads == [app.screen], "coming back did not read the numbers again"


async def test_numbers_that_cannot_be_read_at_unlock_are_read_by_the_dashboard(
    practice: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unlock itself succeeded: a failed first read of the numbers does not undo it."""
    from itexit.domain.errors import VaultError
    from itexit.services.session import UnlockedVault

    real_dashboard = UnlockedVault.dashboard
    calls: list[int] = []

    def flaky_dashboard(session: UnlockedVault) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise VaultError("The database is busy.")
        return real_dashboard(session)

    monkeypatch.setattr(UnlockedVault, "dashboard", flaky_dashboard)
    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=SIZE) as pilot:
        await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
        assert isinstance(app.screen, DashboardScreen)
        assert app.session is not None
        assert len(calls) == 2
        assert app.screen.query("DashboardTile")


async def test_wrong_passphrase_shows_the_generic_error_and_stays_locked(
    practice: Gateway,
) -> None:
    app = ItexitApp(practice.location, user=MANAGER, gateway=practice)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, UnlockScreen)
        assert screen.query_one("#user", Input).value == MANAGER
        await type_into(pilot, "#passphrase", "wrong-one")
        await press_settled(pilot, "enter")
        assert app.screen is screen
        assert app.session is None
        shown = str(screen.query_one("#unlock-error", Static).render())
        assert shown == str(AuthenticationFailed())
        assert screen.query_one("#passphrase", Input).value == ""
        assert not app.screen.query(ErrorModal)


# --- locking -------------------------------------------------------------------------------------


async def test_locks_after_the_idle_timeout_and_not_before(practice: Gateway) -> None:
    clock = FakeClock()
    app = ItexitApp(practice.location, gateway=practice, clock=clock, idle_timeout=300)
    async with unlocked(app, MANAGER, MANAGER_PASSPHRASE, size=SIZE) as pilot:
        session = app.session
        assert session is not None

        clock.now += 200
        await pilot.press("r")  # any key counts as activity
        await settle(pilot)
        clock.now += 200
        app.lock_if_idle()
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)

        clock.now += 101
        app.lock_if_idle()
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        assert app.session is None
        assert len(app.screen_stack) == 2
        assert not session.can(Permission.DASHBOARD_READ)
        notice = str(app.screen.query_one("#unlock-notice", Static).render())
        assert notice == "Locked after 5 minutes idle."


async def test_ctrl_l_locks_at_once(practice: Gateway) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    async with unlocked(app, MANAGER, MANAGER_PASSPHRASE, size=SIZE) as pilot:
        await press_settled(pilot, "u")
        assert isinstance(app.screen, UsersScreen)
        await press_settled(pilot, "ctrl+l")
        assert isinstance(app.screen, UnlockScreen)
        assert app.session is None
        assert app.screen.query_one("#user", Input).value == MANAGER


async def test_sigterm_locks_and_exits(practice: Gateway) -> None:
    handler_before = signal.getsignal(signal.SIGTERM)
    app = ItexitApp(practice.location, gateway=practice)
    async with unlocked(app, MANAGER, MANAGER_PASSPHRASE, size=SIZE) as pilot:
        session = app.session
        assert session is not None
        assert signal.getsignal(signal.SIGTERM) is not handler_before
        os.kill(os.getpid(), signal.SIGTERM)
        await settle(pilot)
        assert app.session is None
        assert not session.can(Permission.DASHBOARD_READ)
    assert app.return_code == 128 + signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is handler_before


# --- people --------------------------------------------------------------------------------------


async def test_add_a_user(practice: Gateway) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    notices = Notices()
    async with unlocked(app, MANAGER, MANAGER_PASSPHRASE, size=SIZE, message_hook=notices) as pilot:
        await press_settled(pilot, "u")
        await pilot.press("a")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, AddUserModal)
        add = modal.query_one("#add", Button)
        await pilot.press(*"omar", "enter")
        await pilot.pause()
        assert modal.query_one("#new-full-name", Input).has_focus
        await fill(pilot, "#new-email", "omar@")
        email_message = modal.query_one("#new-email-message", Static)
        assert "not an e-mail address" in str(email_message.render())
        assert str(modal.query_one("#new-name-message", Static).render()) == ""
        field = modal.query_one("#new-email", Input).region  # said right under the e-mail field
        assert email_message.region.x == field.x and email_message.region.y == field.bottom
        await fill(pilot, "#new-email", "omar@greenway.example")
        assert str(email_message.render()) == ""
        await fill(pilot, "#new-full-name", "Omar Haddad")
        await pilot.press("enter")
        await pilot.pause()
        assert modal.query_one("#new-role", Select).has_focus
        await pilot.press("enter")  # open the list
        await pilot.pause()
        await pilot.press("down", "enter")  # the first role: practice manager
        await pilot.pause()
        assert modal.query_one("#new-role", Select).value == Role.MANAGER
        await press_settled(pilot, "ctrl+s")  # no passphrase yet: said, not silently ignored
        assert app.screen is modal
        assert str(modal.query_one("#add-error", Static).render())
        assert not add.disabled
        await fill(pilot, "#passphrase", "copper-valley-meadow-17")
        await fill(pilot, "#repeat", "copper-valley-meadow-17")
        await pilot.pause()
        assert not str(modal.query_one("#add-error", Static).render())
        await press_settled(pilot, "enter")

        assert isinstance(app.screen, UsersScreen)
        table = app.screen.query_one("#users-table", DataTable)
        names = {str(table.get_row_at(index)[0]) for index in range(table.row_count)}
        assert names == {MANAGER, "omar"}
        assert "omar can now unlock the vault" in notices.text

    added = practice.unlock("omar", "copper-valley-meadow-17")
    assert added.identity.role is Role.MANAGER
    omar = next(u for u in added.list_users() if u.name == "omar")
    assert (omar.full_name, omar.email) == ("Omar Haddad", "omar@greenway.example")
    added.lock()


async def test_add_a_person_says_what_is_missing_and_keeps_what_was_typed(
    practice: Gateway,
) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    async with unlocked(app, MANAGER, MANAGER_PASSPHRASE, size=(80, 24)) as pilot:
        await press_settled(pilot, "u")
        await press_settled(pilot, "a")
        modal = app.screen
        assert isinstance(modal, AddUserModal)
        await pilot.press(*"sam jones")
        await pilot.pause()
        assert "without spaces" in str(modal.query_one("#new-name-message", Static).render())
        await fill(pilot, "#new-name", "jürgen")  # accents are letters
        assert not str(modal.query_one("#new-name-message", Static).render())
        await fill(pilot, "#passphrase", "copper-valley-meadow-17")
        await fill(pilot, "#repeat", "copper-valley-meadow-17")
        await press_settled(pilot, "ctrl+s")  # no role chosen
        assert app.screen is modal
        assert "Choose a role" in str(modal.query_one("#new-role-message", Static).render())
        assert modal.query_one("#new-name", Input).value == "jürgen"
        assert modal.query_one("#passphrase", Input).value == "copper-valley-meadow-17"
        modal.query_one("#new-role", Select).value = Role.CONSULTANT
        await press_settled(pilot, "ctrl+s")
        assert isinstance(app.screen, UsersScreen)
    added = practice.unlock("jürgen", "copper-valley-meadow-17")
    assert added.identity.role is Role.CONSULTANT
    added.lock()


async def test_adding_a_name_that_exists_reports_one_sentence(practice: Gateway) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    async with unlocked(app, MANAGER, MANAGER_PASSPHRASE, size=SIZE) as pilot:
        await press_settled(pilot, "u")
        await pilot.press("a")
        await pilot.pause()
        modal = app.screen
        await fill(pilot, "#new-name", MANAGER)
        modal.query_one("#new-role", Select).value = Role.CONSULTANT
        await fill(pilot, "#passphrase", "copper-valley-meadow-17")
        await fill(pilot, "#repeat", "copper-valley-meadow-17")
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, ErrorModal)
        message = str(app.screen.query_one("#error-message", Static).render())
        assert MANAGER in message and "Traceback" not in message
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, UsersScreen)


async def test_remove_a_user_shows_the_report(demo: Gateway) -> None:
    app = ItexitApp(demo.location, gateway=demo)
    async with unlocked(app, MANAGER, DEMO_MANAGER_PASSPHRASE, size=SIZE) as pilot:
        await press_settled(pilot, "u")
        table = app.screen.query_one("#users-table", DataTable)
        names = [str(table.get_row_at(index)[0]) for index in range(table.row_count)]
        table.move_cursor(row=names.index("gary"))
        await pilot.press("d")
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmRemoveModal)
        said = " ".join(str(fact.render()) for fact in confirm.query(".fact-text"))
        assert "The vault gets new keys" in said
        assert "still open with gary's passphrase" in said
        assert "due for rotation" in said
        await press_settled(pilot, "tab", "enter")

        report = app.screen
        assert isinstance(report, RemovalReportModal)
        said = str(report.query_one("#report-epoch", Static).render())
        assert "The vault's keys were changed" in said and "key set" not in said
        due = str(report.query_one("#report-due", Static).render())
        assert due.count("•") >= 1
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, UsersScreen)
        assert str(table.get_cell("gary", "status")) == "removed"

    with pytest.raises(AuthenticationFailed):
        demo.unlock("gary", "gary-" + "anything")


async def test_users_screen_is_for_managers_only(demo: Gateway) -> None:
    app = ItexitApp(demo.location, gateway=demo)
    notices = Notices()
    async with unlocked(app, *DEMO_CONSULTANT, size=SIZE, message_hook=notices) as pilot:
        assert isinstance(app.screen, DashboardScreen)
        await press_settled(pilot, "u")
        assert isinstance(app.screen, DashboardScreen)
        assert "Only a practice manager" in notices.text


async def test_each_area_opens_from_its_function_key_and_f2_comes_back(practice: Gateway) -> None:
    from itexit.screens.areas import AREAS

    app = ItexitApp(practice.location, gateway=practice)
    async with unlocked(app, MANAGER, MANAGER_PASSPHRASE, size=SIZE) as pilot:
        for area in AREAS:
            await press_settled(pilot, area.binding)
            assert type(app.screen).__name__ == area.screen, area.key
            await press_settled(pilot, "f2")
            assert isinstance(app.screen, DashboardScreen)


# --- help and the command palette ----------------------------------------------------------------


async def test_help_describes_the_current_screen(practice: Gateway) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    async with unlocked(app, MANAGER, MANAGER_PASSPHRASE, size=SIZE) as pilot:
        await press_settled(pilot, "u")
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        keys = [str(key.render()) for key in app.screen.query(".help-key")]
        assert {"a", "d", "p", "^l"} <= set(keys)
        assert "new keys" in str(app.screen.query_one("#help-purpose", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, UsersScreen)


async def test_palette_offers_the_screen_actions_and_the_global_ones(practice: Gateway) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    async with unlocked(app, MANAGER, MANAGER_PASSPHRASE, size=SIZE) as pilot:
        await press_settled(pilot, "u")
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        commands = app.screen.query_one(CommandList)
        await until(pilot, lambda: commands.option_count >= 8)
        prompts = {
            str(commands.get_option_at_index(index).prompt).split("\n")[0]
            for index in range(commands.option_count)
        }
        assert {"Add", "Remove", "Passphrase", "Back"} <= prompts
        assert {"Lock", "Help", "Dashboard", "Users", "Quit"} <= prompts

        await pilot.press(*"add")
        await pilot.pause()
        await until(
            pilot,
            lambda: (
                commands.option_count > 0
                and str(commands.get_option_at_index(0).prompt).startswith("Add")
            ),
        )
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, AddUserModal)


class ServerLocation(VaultLocation):
    """A file vault that answers like a database server: existence unknown until connected."""

    def file_exists(self) -> bool | None:
        return None

    def describe(self) -> str:
        return "postgresql://…@db.example/itexit"


async def test_a_server_vault_connects_first_then_asks_to_unlock(practice: Gateway) -> None:
    location = ServerLocation(path=practice.location.path)
    app = ItexitApp(location)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        assert app.screen.practice_name == PRACTICE
        await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
        assert isinstance(app.screen, DashboardScreen)


async def test_an_empty_server_database_leads_to_first_run(location: VaultLocation) -> None:
    app = ItexitApp(ServerLocation(path=location.path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)


async def test_help_names_the_screen_in_words(location: VaultLocation) -> None:
    app = ItexitApp(location)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_settled(pilot, "question_mark")
        assert isinstance(app.screen, HelpModal)
        heading = str(app.screen.query_one(".heading", Static).render())
        assert heading == "Help · Getting started"


async def test_edit_a_persons_full_name_and_email(practice: Gateway) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    notices = Notices()
    async with unlocked(app, MANAGER, MANAGER_PASSPHRASE, size=SIZE, message_hook=notices) as pilot:
        await press_settled(pilot, "u")
        await pilot.press("e")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, PersonDetailsModal)
        assert modal.query_one("#person-full-name", Input).has_focus
        await fill(pilot, "#person-full-name", "María José Núñez")
        await pilot.press("enter")
        assert modal.query_one("#person-email", Input).has_focus
        await fill(pilot, "#person-email", "maria at greenway")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is modal  # refused beside the field, nothing typed is lost
        assert "not an e-mail address" in str(modal.query_one("#person-message", Static).render())
        assert modal.query_one("#person-full-name", Input).value == "María José Núñez"
        await fill(pilot, "#person-email", "maria@greenway.example")
        await press_settled(pilot, "ctrl+s")
        assert isinstance(app.screen, UsersScreen)
        table = app.screen.query_one("#users-table", DataTable)
        assert str(table.get_row_at(0)[1]) == "María José Núñez"
        assert "maria's details were saved" in notices.text
    session = practice.unlock(MANAGER, MANAGER_PASSPHRASE)
    me = next(u for u in session.list_users() if u.name == MANAGER)
    assert (me.full_name, me.email) == ("María José Núñez", "maria@greenway.example")
    session.lock()
