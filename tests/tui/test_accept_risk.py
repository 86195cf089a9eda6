"""Accepting the risk of an open exposure from the dashboard's list, and the closing refusal
worded for the screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static
from tui_steps import (
    DEMO_CONSULTANT,
    DEMO_MANAGER_PASSPHRASE,
    MANAGER,
    Notices,
    fill,
    press_settled,
    settle,
    unlock,
    unlocked,
    until,
)
from worlds import Worlds

from itexit.app import ItexitApp
from itexit.domain.checklist import TaskStatus
from itexit.domain.errors import Blocked
from itexit.domain.exposures import ExposuresStillOpen, still_open_on_screen
from itexit.screens.accept_risk import AcceptRiskModal
from itexit.screens.dashboard import DashboardScreen
from itexit.services.demo import build_demo
from itexit.services.gateway import Gateway
from itexit.widgets.exposures import ExposureList

Snap = Callable[..., bool]


@pytest.fixture
def frozen_demo(frozen_now: object, gateway: Gateway, worlds: Worlds) -> Gateway:
    return worlds.restore(gateway, "demo", build_demo)


def _listing(pilot: Pilot[Any]) -> ExposureList:
    return pilot.app.screen.query_one("#dashboard-exposures", ExposureList)


async def _on_first_exposure(pilot: Pilot[Any]) -> None:
    await until(pilot, lambda: _listing(pilot).option_count > 1)
    await press_settled(pilot, "e")
    if _listing(pilot).highlighted_exposure() is None:
        await press_settled(pilot, "down")


def _message(pilot: Pilot[Any], field: str) -> str:
    return str(pilot.app.screen.query_one(f"#{field}-message", Static).render())


async def test_a_manager_accepts_a_risk_and_it_leaves_the_list(frozen_demo: Gateway) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with unlocked(app, MANAGER, DEMO_MANAGER_PASSPHRASE) as pilot:
        await _on_first_exposure(pilot)
        chosen = _listing(pilot).highlighted_exposure()
        assert chosen is not None
        await press_settled(pilot, "a")
        assert isinstance(app.screen, AcceptRiskModal)

        await press_settled(pilot, "ctrl+s")  # nothing typed: refused beside each field
        assert isinstance(app.screen, AcceptRiskModal)
        assert "Say why" in _message(pilot, "accept-reason")
        assert "Type the date" in _message(pilot, "accept-until")

        await fill(pilot, "#accept-reason", "Laptop promised back on Friday")
        await fill(pilot, "#accept-until", "2028-01-01")  # past the year the service allows
        await press_settled(pilot, "ctrl+s")
        assert isinstance(app.screen, AcceptRiskModal)
        assert "at most a year" in _message(pilot, "accept-until")
        assert app.screen.query_one("#accept-reason").value == "Laptop promised back on Friday"  # type: ignore[attr-defined]

        await fill(pilot, "#accept-until", "2026-12-15")
        await press_settled(pilot, "ctrl+s")
        assert isinstance(app.screen, DashboardScreen)
        await until(pilot, lambda: chosen.id not in _listing(pilot)._items)
        assert chosen.id not in _listing(pilot)._items
        accepted = app.screen._session.exposures.get(chosen.id)
        assert accepted.acceptance is not None
        assert str(accepted.acceptance.until) == "2026-12-15"


async def test_escape_leaves_the_exposure_open(frozen_demo: Gateway) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with unlocked(app, MANAGER, DEMO_MANAGER_PASSPHRASE) as pilot:
        await _on_first_exposure(pilot)
        chosen = _listing(pilot).highlighted_exposure()
        assert chosen is not None
        await press_settled(pilot, "a")
        await fill(pilot, "#accept-reason", "Not sure yet")
        await press_settled(pilot, "escape")
        assert isinstance(app.screen, DashboardScreen)
        assert app.screen._session.exposures.get(chosen.id).acceptance is None


async def test_a_consultant_is_told_only_a_manager_can(frozen_demo: Gateway) -> None:
    notices = Notices()
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with unlocked(app, *DEMO_CONSULTANT, message_hook=notices) as pilot:
        await _on_first_exposure(pilot)
        await press_settled(pilot, "a")
        assert isinstance(app.screen, DashboardScreen)
        assert "Only a practice manager can accept a risk" in notices.text


def test_the_closing_refusal_on_screen_names_subjects_not_ids(frozen_demo: Gateway) -> None:
    session = frozen_demo.unlock(MANAGER, DEMO_MANAGER_PASSPHRASE)
    case = next(c for c in session.cases.list() if session.exposures.open_for_case(c.id))
    for task in session.cases.get(case.id).tasks:
        if task.critical and task.status is TaskStatus.OPEN:
            session.cases.not_applicable(case.id, task.number, "Handled on paper")
    still = session.exposures.open_for_case(case.id)
    with pytest.raises(ExposuresStillOpen) as refused:
        session.cases.close(case.id)
    assert "itexit exposure accept ID" in str(refused.value)  # the command line's words
    assert isinstance(refused.value, Blocked)
    words = still_open_on_screen(refused.value.case_name, refused.value.exposures)
    for item in still[:5]:
        assert item.subject in words
        assert item.id not in words
    assert "itexit exposure accept" not in words
    assert "accept its risk from the dashboard's list (e, then a)" in words


@pytest.mark.parametrize(
    "size", [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
)
def test_accept_risk_modal(snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
        await _on_first_exposure(pilot)
        await press_settled(pilot, "a")
        await fill(pilot, "#accept-reason", "Laptop promised back on Friday")
        await settle(pilot)

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
