"""Every screen whole: at 80x24 its title and the keys of its main actions are on screen, for a
manager and for an auditor; and each main screen of the demo at 80x24 and 160x48.

The essentials are read from the screen as drawn (the same screenshot a snapshot keeps), so a
title pushed off the top, a key dropped from the bar or a header cut short fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from svg_rows import rows
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Input
from tui_steps import DEMO_MANAGER_PASSPHRASE, MANAGER, settle, unlock
from worlds import Worlds

from itexit.app import ItexitApp
from itexit.services.demo import build_demo
from itexit.services.gateway import Gateway

AUDITOR = ("victor", "victor-saffron-glacier-51")
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]

Snap = Callable[..., bool]


@dataclass(frozen=True)
class Shown:
    """A screen: the keys that open it from the dashboard, what must be on it, how to leave."""

    name: str
    keys: tuple[str, ...]
    essentials: tuple[str, ...]
    leave: tuple[str, ...] = ("f2",)


DASHBOARD = Shown(
    "dashboard",
    (),
    (
        "What can the departing person still reach?",
        "#10 Undocumented passwords listed by the IT person, each verified",  # not cut at 30
        "Rotated, old not yet tried",  # a tile title too long for its border
        "r Refresh",
        "u Users",
        "e Exposures",
    ),
)
SCREENS = [
    DASHBOARD,
    Shown("users", ("f3",), ("People who can unlock this vault", "a Add", "d Remove")),
    Shown("checklist", ("f4",), ("Departure cases", "n New case", "m My tasks")),
    Shown(
        "case",
        ("f4", "enter"),
        ("Gary Thistle · IT employee", "d Done", "x N/A", "a Assign", "t Attach"),
    ),
    Shown("my tasks", ("f4", "m"), ("My tasks", "Remove Gary Thistle from itexit", "esc Back")),
    Shown("statement", ("f4", "enter", "s"), ("Exit statement · Gary Thistle", "p Print")),
    Shown("credentials", ("f5",), ("Credentials", "/ Filter", "r Rotate", "v Verify")),
    Shown("import", ("f5", "i"), ("Import credentials", "^o Preview", "^s Import")),
    Shown("history", ("f5", "h"), ("History: ", "Close"), ("escape", "f2")),
    Shown("vendors", ("f6",), ("Vendors", "a Add", "e Edit", "c Add contact")),
    Shown("add vendor", ("f6", "a"), ("Add a vendor", "Vendor name", "Cancel"), ("escape", "f2")),
    Shown("renewals", ("f7",), ("Renewals", "a Add", "e Edit", "c Check now")),
    Shown("mailbox", ("f8",), ("gary@greenwayfp.example", "/ Filter", "s Sync")),
    Shown("sweep", ("f9",), ("Sweep of the practice's servers", "s Sweep now", "c Close")),
    Shown("backup", ("b",), ("Back up the vault", "Back up", "Close"), ("escape",)),
    Shown("help", ("question_mark",), ("Help · The dashboard", "r      "), ("escape",)),
]
AUDITOR_SCREENS = [
    DASHBOARD,
    Shown("checklist", ("f4",), ("Departure cases", "m My tasks")),
    Shown("case", ("f4", "enter"), ("Gary Thistle · IT employee", "f Filter", "s Statement")),
    Shown("credentials", ("f5",), ("Credentials", "/ Filter")),
    Shown("vendors", ("f6",), ("Vendors",)),
    Shown("renewals", ("f7",), ("Renewals",)),
    Shown("mailbox", ("f8",), ("gary@greenwayfp.example", "/ Filter")),
    Shown("sweep", ("f9",), ("Sweep of the practice's servers", "IT consultant runs it")),
    Shown("help", ("question_mark",), ("Help",), ("escape",)),
]


@pytest.fixture
def frozen_demo(frozen_now: object, gateway: Gateway, worlds: Worlds) -> Gateway:
    def build(gateway: Gateway) -> None:
        build_demo(gateway)

    return worlds.restore(gateway, "demo", build)


def screen_text(pilot: Pilot[Any]) -> str:
    """The terminal's rows as a person reads them."""
    lines = rows(pilot.app.export_screenshot())
    return "\n".join(line[9:] for line in lines if line[2:8] == " text ")


async def open_screen(pilot: Pilot[Any], shown: Shown) -> None:
    for key in shown.keys:
        await pilot.press(key)
        await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False  # a snapshot never catches it half-way
    await pilot.pause()


def missing(text: str, shown: Shown) -> list[str]:
    return [essential for essential in shown.essentials if essential not in text]


@pytest.mark.parametrize(
    ("who", "screens"),
    [
        pytest.param((MANAGER, DEMO_MANAGER_PASSPHRASE), SCREENS, id="manager"),
        pytest.param(AUDITOR, AUDITOR_SCREENS, id="auditor"),
    ],
)
async def test_every_screen_shows_its_title_and_main_keys_at_80x24(
    frozen_demo: Gateway, who: tuple[str, str], screens: list[Shown]
) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    cut: dict[str, list[str]] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, *who)
        for shown in screens:
            await open_screen(pilot, shown)
            text = screen_text(pilot)
            lost = missing(text, shown)
            # whoever is unlocked, and as what, heads every screen
            header = text.splitlines()[0]
            covered = isinstance(pilot.app.screen, ModalScreen)  # a dialog may cover it
            if not covered and (who[0] not in header or ")" not in header):
                lost.append(f"the header names {who[0]} and the role: {header.strip()!r}")
            # a bar that cannot hold every key still offers the key that lists them all
            if not covered and "? Help" not in text and "? More keys" not in text:
                lost.append("? Help or ? More keys")
            if lost:
                cut[shown.name] = [*lost, text]
            for key in shown.leave:
                await pilot.press(key)
                await settle(pilot)
    assert not cut, f"cut at 80x24: {cut}"


async def test_the_check_fails_when_a_title_is_pushed_off_screen(frozen_demo: Gateway) -> None:
    """The check above can fail: a screen too short for its title is caught."""
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
        assert missing(screen_text(pilot), DASHBOARD) == []
        await pilot.resize_terminal(30, 24)
        await settle(pilot)
        assert "u Users" in missing(screen_text(pilot), DASHBOARD)


async def test_a_long_practice_name_gives_way_to_the_role_in_the_header(
    frozen_demo: Gateway,
) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(160, 24)) as pilot:
        await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
        app.title = "Greenway Family Practice and the Northern Springfield Valley Clinics"
        await settle(pilot)
        header = screen_text(pilot).splitlines()[0]
        assert "Valley Clinics · maria (Practice manager)" in header  # room for all of it
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        header = screen_text(pilot).splitlines()[0]
        assert header.strip().startswith("Greenway Family Practice and")
        assert header.rstrip().endswith("… · maria (Practice manager)")


SNAPSHOT_SCREENS = [pytest.param(shown, id=shown.name.replace(" ", "-")) for shown in SCREENS]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("shown", SNAPSHOT_SCREENS)
def test_screen(
    snap_compare: Snap, frozen_demo: Gateway, shown: Shown, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
        await open_screen(pilot, shown)

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
