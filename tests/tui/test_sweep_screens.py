"""The Sweep screen: the demo's recorded findings (snapshots), and a real sweep of a real sshd
run, closed on the server after a confirmation and proven closed (pilot)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from textual.pilot import Pilot
from textual.widgets import DataTable
from tui_steps import (
    DEMO_MANAGER_PASSPHRASE,
    MANAGER,
    MANAGER_PASSPHRASE,
    Notices,
    settle,
    unlock,
    unlocked,
    until,
    working,
)

from itexit.app import ItexitApp
from itexit.domain.checklist import CaseKind, NewCase
from itexit.domain.credentials import Category, NewCredential
from itexit.domain.sweep import FindingKind, FindingStatus
from itexit.screens.sweep import CloseFindingModal, SweepScreen
from itexit.services.demo import build_demo
from itexit.services.gateway import Gateway
from itexit.services.sweep import known_key
from servers.common import serve, started
from servers.sshd import NOT_ROOT, SSHD_MISSING, SshdUnavailable
from servers.sweephosts import Accounts, SweepSshd

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]
Snap = Callable[..., bool]


@pytest.fixture
def frozen_demo(frozen_now: object, gateway: Gateway) -> Gateway:
    build_demo(gateway)
    return gateway


async def on_sweep(pilot: Pilot[Any]) -> None:
    await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
    await pilot.press("f9")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_sweep_screen(snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=on_sweep)


@pytest.mark.sizes_apart  # drawn otherwise after a resize than when started at a size
@pytest.mark.parametrize("size", SIZES)
def test_close_finding_modal(
    snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await on_sweep(pilot)
        await pilot.press("c")
        assert await until(pilot, lambda: isinstance(pilot.app.screen, CloseFindingModal))
        await pilot.pause()
        await pilot.pause()

    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.fixture
def sweep_host() -> Iterator[SweepSshd]:
    accounts = started(Accounts.make, SshdUnavailable, [SSHD_MISSING, NOT_ROOT], "sshd")
    try:
        yield from serve(
            started(
                lambda: SweepSshd.start(accounts),
                SshdUnavailable,
                [SSHD_MISSING, NOT_ROOT],
                "sshd",
            )
        )
    finally:
        accounts.remove()


def _key_left_on(practice: Gateway, sweep_host: SweepSshd) -> None:
    """The departing person's key planted on the host, whose admin account the sweep uses."""
    acc = sweep_host.accounts
    sweep_host.plant_keys(acc.person, acc.person_key.public_line)
    session = practice.unlock(MANAGER, MANAGER_PASSPHRASE)
    session.cases.create(
        NewCase(
            name="Gary Thistle",
            kind=CaseKind.IT_EMPLOYEE,
            termination_date=date.today() - timedelta(days=2),
        )
    )
    session.credentials.add(
        NewCredential(
            system="File server",
            host=sweep_host.host,
            port=sweep_host.port,
            category=Category.SERVER,
            username=acc.admin,
            secret=SecretStr(acc.admin_password),
            verifier="ssh",
            endpoint_options=sweep_host.options(),
            sweep_admin=True,
        )
    )
    session.sweep.set_identity(
        None, accounts=[acc.person], keys=[known_key(acc.person_key.public_line, "laptop")]
    )
    session.lock()


async def test_a_sweep_runs_and_a_finding_is_closed_after_confirming(
    practice: Gateway, sweep_host: SweepSshd
) -> None:
    acc = sweep_host.accounts
    _key_left_on(practice, sweep_host)
    notices = Notices()
    app = ItexitApp(practice.location, gateway=practice)
    async with unlocked(app, MANAGER, MANAGER_PASSPHRASE, message_hook=notices) as pilot:
        await pilot.press("f9")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SweepScreen)
        hosts = screen.query_one("#sweep-hosts", DataTable)
        assert hosts.row_count == 1
        assert "not read yet" in str(hosts.get_row_at(0)[2])
        await pilot.press("s")
        findings = screen.query_one("#sweep-findings", DataTable)
        assert await until(pilot, lambda: findings.row_count == 3)
        await settle(pilot)
        assert "read in" in str(hosts.get_row_at(0)[2])
        assert any("3 ways in found" in n for n in notices.seen)
        kinds = [f.kind for f in screen._findings]
        findings.move_cursor(row=kinds.index(FindingKind.SSH_KEY))
        await pilot.pause()
        # Leaving it changes nothing on the server.
        await pilot.press("c")
        assert await until(pilot, lambda: isinstance(app.screen, CloseFindingModal))
        await pilot.pause()
        await pilot.click("#leave")
        await settle(pilot)
        assert acc.person_key.public_line in (sweep_host.base / "keys" / acc.person).read_text()
        await pilot.press("c")
        assert await until(pilot, lambda: isinstance(app.screen, CloseFindingModal))
        await pilot.pause()
        await pilot.click("#close")
        assert await until(pilot, lambda: findings.row_count == 2)
        await settle(pilot)
        assert any("Proven closed by a re-check" in n for n in notices.seen)
    assert acc.person_key.public_line not in (sweep_host.base / "keys" / acc.person).read_text()
    after = practice.unlock(MANAGER, MANAGER_PASSPHRASE)
    closed = [f for f in after.sweep.findings(status=FindingStatus.CLOSED)]
    assert [f.kind for f in closed] == [FindingKind.SSH_KEY]
    after.lock()


async def test_a_sweep_left_while_it_runs_still_records_what_it_found(
    practice: Gateway, sweep_host: SweepSshd
) -> None:
    """Going back while the hosts are read: the sweep goes on, its findings are recorded."""
    _key_left_on(practice, sweep_host)
    app = ItexitApp(practice.location, gateway=practice)
    async with unlocked(app, MANAGER, MANAGER_PASSPHRASE) as pilot:
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, SweepScreen)
        await pilot.press("s")
        assert await until(pilot, lambda: any(w.group == "sweep-run" for w in working(app)))
        await pilot.press("escape")
        assert not isinstance(app.screen, SweepScreen)
        session = app.session
        assert session is not None
        assert await until(pilot, lambda: len(session.sweep.findings()) == 3)
