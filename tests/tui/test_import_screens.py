"""The import screen: pilot flows (preview, import, cancel, wrong password) and snapshots."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Select, Static
from tui_steps import MANAGER, MANAGER_PASSPHRASE, fill, settle, unlock

from itexit.app import ItexitApp
from itexit.screens.credentials.imports import ImportScreen
from itexit.services.gateway import Gateway
from itexit.services.imports import ImportKind

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "imports"))
from exports import BITWARDEN_CSV, KEEPASS_XML, kdbx_from_xml

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]
EXAMPLE = "Example"
"""What stands in for secrets on screen: never a real-looking one."""


def export_file(name: str = "bitwarden_export.csv", text: str = BITWARDEN_CSV) -> str:
    """An export in the test's working directory, so the screen shows a short, stable path."""
    Path(name).write_text(text.replace("Canary-7f3a", EXAMPLE), encoding="utf-8")
    return name


def big_export(rows: int) -> str:
    lines = ["url,username,password,totp,extra,name,grouping,fav\n"]
    lines += [
        f"https://h{i}.example,user{i},{EXAMPLE}-{i},,,System {i},Web,0\n" for i in range(rows)
    ]
    Path("lastpass.csv").write_text("".join(lines), encoding="utf-8")
    return "lastpass.csv"


async def open_import(pilot: Pilot[Any]) -> ImportScreen:
    await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
    app = pilot.app
    assert isinstance(app, ItexitApp) and app.session is not None
    await app.push_screen(ImportScreen(app.session))
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, ImportScreen)
    return screen


async def choose(pilot: Pilot[Any], kind: ImportKind) -> None:
    pilot.app.screen.query_one("#import-kind", Select).value = kind
    await pilot.pause()


async def preview(pilot: Pilot[Any], path: str) -> None:
    await fill(pilot, "#import-path", path)
    await pilot.press("ctrl+o")
    await settle(pilot)


async def steady(pilot: Pilot[Any]) -> None:
    """Stop cursors blinking, so a snapshot taken on a busy machine shows the same frame."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def message(screen: ImportScreen) -> str:
    return str(screen.query_one("#import-message", Static).content)


def credential_count(app: ItexitApp) -> int:
    assert app.session is not None
    return len(app.session.credentials.list())


# --- flows ----------------------------------------------------------------------------------------


async def test_i_on_the_credentials_screen_opens_the_import(practice: Gateway) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=(120, 36)) as pilot:
        await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
        await pilot.press("f5")
        await settle(pilot)
        app.screen.set_focus(None)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, ImportScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "CredentialsScreen"


async def test_preview_then_import_adds_everything_and_reports(practice: Gateway) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_import(pilot)
        before = credential_count(app)
        await preview(pilot, export_file())
        assert message(screen).startswith("bitwarden_export.csv: 6 rows read, 3 to import")
        table = screen.query_one("#import-table", DataTable)
        outcomes = [str(table.get_row_at(i)[4]) for i in range(table.row_count)]
        assert outcomes == [
            "import (with TOTP)",
            "skip: a secure note, not a login (may hold a secret: review it)",
            "import",
            "skip: empty entry",
            "skip: duplicate of row 4",
            "import",
        ]
        assert credential_count(app) == before, "a preview adds nothing"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert credential_count(app) == before + 3
        assert message(screen).startswith("Imported 3 credentials from bitwarden_export.csv.")
        assert str(table.get_row_at(0)[4]) == "imported"
        assert app.session is not None
        router = next(c for c in app.session.credentials.list() if c.system == "Front desk router")
        assert router.known_to_departing
        await pilot.press("ctrl+s")  # a second press does not import twice
        await settle(pilot)
        assert credential_count(app) == before + 3


async def test_not_the_departing_persons_hand_over(practice: Gateway) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_import(pilot)
        screen.query_one("#import-departing", Checkbox).value = False
        await preview(pilot, export_file())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.session is not None
        router = next(c for c in app.session.credentials.list() if c.system == "Front desk router")
        assert not router.known_to_departing
        assert "due for rotation" not in message(screen)


async def test_escape_during_the_import_cancels_it_and_adds_nothing(practice: Gateway) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_import(pilot)
        await choose(pilot, ImportKind.LASTPASS_CSV)
        before = credential_count(app)
        await preview(pilot, big_export(400))
        screen.action_start_import()
        screen.action_go_back()  # escape while it runs
        await settle(pilot)
        assert message(screen) == "The import was cancelled; nothing was added."
        assert credential_count(app) == before
        assert app.screen is screen, "escape during an import cancels; it does not leave"


async def test_a_malformed_file_is_shown_inline_and_nothing_changes(practice: Gateway) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_import(pilot)
        broken = export_file("broken.csv", BITWARDEN_CSV + ',,login,"Broken,,,0,,admin,x,\n')
        await preview(pilot, broken)
        assert message(screen).startswith("Row 8 of the Bitwarden CSV export is not valid CSV")
        assert screen.query_one("#import-start-button").disabled


async def test_a_wrong_keepass_password_clears_the_field(practice: Gateway, tmp_path: Path) -> None:
    database = kdbx_from_xml(tmp_path, KEEPASS_XML, "right-password")
    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_import(pilot)
        await choose(pilot, ImportKind.KEEPASS)
        assert screen.query_one("#import-password-row").display
        await fill(pilot, "#import-password", "wrong-password")
        await preview(pilot, database.name)
        assert "do not open made-by-keepassxc.kdbx" in message(screen)
        password = screen.query_one("#import-password", Input)
        assert password.value == "" and password.has_focus
        await fill(pilot, "#import-password", "right-password")
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert "2 to import" in message(screen)
        assert password.value == "", "the password is not kept once the file is read"


async def test_an_unexpected_failure_is_reported_and_the_form_recovers(
    practice: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_import(pilot)
        await preview(pilot, export_file())
        assert app.session is not None

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("the disk went away")

        monkeypatch.setattr(app.session.imports, "commit", broken)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert message(screen) == "The import failed; nothing was added."
        assert not screen.query_one("#import-preview-button").disabled
        assert app.screen is not screen, "the app shows the error"


# --- snapshots ------------------------------------------------------------------------------------


@pytest.fixture
def frozen_practice(frozen_now: object, practice: Gateway) -> Gateway:
    return practice


@pytest.mark.parametrize("size", SIZES)
def test_import_form(snap_compare: Any, frozen_practice: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_import(pilot)
        await steady(pilot)

    app = ItexitApp(frozen_practice.location, gateway=frozen_practice)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_import_keepass_form(
    snap_compare: Any, frozen_practice: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_import(pilot)
        await choose(pilot, ImportKind.KEEPASS)
        await fill(pilot, "#import-path", "handover.kdbx")
        await fill(pilot, "#import-keyfile", "handover.key")
        await fill(pilot, "#import-password", "not-a-real-one")
        await steady(pilot)

    app = ItexitApp(frozen_practice.location, gateway=frozen_practice)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_import_preview(snap_compare: Any, frozen_practice: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_import(pilot)
        await preview(pilot, export_file())
        await steady(pilot)

    app = ItexitApp(frozen_practice.location, gateway=frozen_practice)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_import_report(snap_compare: Any, frozen_practice: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_import(pilot)
        await preview(pilot, export_file())
        await pilot.press("ctrl+s")
        await settle(pilot)
        pilot.app.clear_notifications()
        await steady(pilot)

    app = ItexitApp(frozen_practice.location, gateway=frozen_practice)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_import_error(snap_compare: Any, frozen_practice: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_import(pilot)
        await choose(pilot, ImportKind.BITWARDEN_JSON)
        await preview(pilot, export_file("bitwarden.json", '{"encrypted": true, "data": "x"}'))
        await steady(pilot)

    app = ItexitApp(frozen_practice.location, gateway=frozen_practice)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
