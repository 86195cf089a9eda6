"""The credentials screen, its rotation wizard and dialogs: snapshots and the main flows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from tui_steps import (
    DEMO_MANAGER_PASSPHRASE,
    MANAGER,
    MANAGER_PASSPHRASE,
    fill,
    settle,
    unlock,
    work_done,
)
from worlds import Worlds

from itexit.app import ItexitApp
from itexit.domain.credentials import CredentialStatus
from itexit.screens.credentials.screen import CredentialsScreen
from itexit.services.demo import build_demo
from itexit.services.gateway import Gateway
from itexit.widgets.virtual_table import VirtualTable

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]
Snap = Callable[..., bool]


@pytest.fixture
def frozen_demo(frozen_now: object, gateway: Gateway, worlds: Worlds) -> Gateway:

    def build(gateway: Gateway) -> None:
        build_demo(gateway)

    return worlds.restore(gateway, "demo", build)


async def on_credentials(pilot: Pilot[Any]) -> None:
    await unlock(pilot, MANAGER, DEMO_MANAGER_PASSPHRASE)
    await pilot.press("f5")
    await settle(pilot)
    await work_done(pilot)
    await settle(pilot)


def then(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await on_credentials(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await work_done(pilot)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "keys",
    [
        pytest.param((), id="screen"),
        pytest.param(("r",), id="wizard"),
        pytest.param(("down", "down", "r"), id="wizard-start"),
        pytest.param(("a",), id="add"),
        pytest.param(("h",), id="history"),
        pytest.param(("v",), id="attest"),
    ],
)
def test_credentials_snapshots(
    snap_compare: Snap, frozen_demo: Gateway, size: tuple[int, int], keys: tuple[str, ...]
) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    assert snap_compare(app, terminal_size=size, run_before=then(*keys))


async def test_filter_reveal_and_attested_verify(frozen_demo: Gateway) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_credentials(pilot)
        screen = pilot.app.screen
        table = screen.query_one("#cred-table")
        assert table.row_count == 14  # type: ignore[attr-defined]
        await pilot.press("slash")
        for ch in "firewall":
            await pilot.press(ch)
        await settle(pilot)
        assert table.row_count == 1  # type: ignore[attr-defined]
        await pilot.press("enter", "s")
        await work_done(pilot)
        await settle(pilot)
        shown = str(screen.query_one("#cred-secret").render())
        assert shown.strip()  # the secret shows
        assert "hides in" in str(screen.query_one("#cred-secret-hint").render())
        screen._hide_secret()  # type: ignore[attr-defined]
        assert not str(screen.query_one("#cred-secret").render()).strip()
        assert "hides in" not in str(screen.query_one("#cred-secret-hint").render())
        await pilot.press("v")
        await settle(pilot)
        await fill(pilot, "#at-how", "logged in at the console")
        await pilot.press("enter")
        await work_done(pilot)
        await settle(pilot)
        await work_done(pilot)
        await settle(pilot)
        row = table.cursor_item  # type: ignore[attr-defined]
        assert row.system == "Front-office firewall" and row.status.value == "verified"
    with frozen_demo.store.engine.connect() as conn:
        from sqlalchemy import text

        actions = [r[0] for r in conn.execute(text("SELECT action FROM audit_events"))]
    assert "cred.reveal" in actions and "cred.verify" in actions


async def test_the_campaign_line_counts_as_the_dashboard_does(frozen_demo: Gateway) -> None:
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_credentials(pilot)
        line = str(pilot.app.screen.query_one("#cred-campaign").render())
        assert app.session is not None
        counts = {tile.key: tile.count for tile in app.session.dashboard().tiles}
        to_rotate, rotated, locked = (
            counts["credentials"],
            counts["credentials_rotated"],
            counts["credentials_locked_out"],
        )
        # Gary can still unlock itexit: every password is one he could read, even the one
        # rotated and the one proven dead
        assert (to_rotate, rotated, locked) == (14, 0, 0)
        assert line == (
            f"{to_rotate} to rotate · {rotated} old to try · {locked} old refused · 14 in all"
        )


async def test_first_row_shows_its_decrypted_fields_at_once(
    frozen_demo: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening the screen decrypts the first row once and keeps its fields on show: the
    highlight that every load announces must not blank them and fetch them again (a second
    request that failed used to leave the first row without its fields until the cursor moved)."""
    from itexit.domain.errors import StaleEdit
    from itexit.services.credentials.service import CredentialService

    real = CredentialService.detail
    calls: list[str] = []

    def detail(self: CredentialService, ref: str) -> Any:
        calls.append(ref)
        if len(calls) > 1 and calls[-1] == calls[0]:
            raise StaleEdit("The vault is busy; try again.")
        return real(self, ref)

    monkeypatch.setattr(CredentialService, "detail", detail)
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_credentials(pilot)
        screen = pilot.app.screen
        assert type(screen).__name__ == "CredentialsScreen"
        first = screen.query_one("#cred-table").cursor_item  # type: ignore[attr-defined]
        text = str(screen.query_one("#cred-detail-text").render())
        assert first.system in text
        assert "Username: " in text and "Owner: Maria Alvarez" in text, text
        assert calls == [first.id]
        await pilot.press("down")
        await work_done(pilot)
        await settle(pilot)
        second = screen.query_one("#cred-table").cursor_item  # type: ignore[attr-defined]
        assert calls == [first.id, second.id]
        assert second.system in str(screen.query_one("#cred-detail-text").render())


async def open_empty(pilot: Pilot[Any]) -> None:
    await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
    await pilot.press("f5")
    await settle(pilot)
    await work_done(pilot)
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_empty_inventory_snapshot(
    snap_compare: Snap, frozen_now: object, practice: Gateway, size: tuple[int, int]
) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    assert snap_compare(app, terminal_size=size, run_before=open_empty)


async def test_empty_inventory_says_how_to_start(frozen_now: object, practice: Gateway) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_empty(pilot)
        screen = pilot.app.screen
        table = screen.query_one("#cred-table")
        assert table.empty_text == "No credentials yet."  # type: ignore[attr-defined]
        detail = str(screen.query_one("#cred-detail-text").render())
        assert "Press a to add one, or i to import" in detail


async def test_wizard_shows_a_generated_secret_exactly(
    frozen_demo: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret holding markup-like brackets is shown character for character."""
    from pydantic import SecretStr

    from itexit.services.credentials.service import CredentialService

    odd = "Ab[/b]9\\[x]z-[red]q"
    real = CredentialService.start_rotation

    def start(self: CredentialService, ref: str, **kwargs: Any) -> Any:
        kwargs["secret"] = SecretStr(odd)
        return real(self, ref, **kwargs)

    monkeypatch.setattr(CredentialService, "start_rotation", start)
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await then()(pilot)
        table = pilot.app.screen.query_one("#cred-table")
        while table.cursor_item.status.value in ("rotation_pending", "needs_reconcile"):  # type: ignore[attr-defined]
            await pilot.press("down")
        await pilot.press("r")
        await settle(pilot)
        await pilot.click("#wiz-generate")
        await work_done(pilot)
        await settle(pilot)
        shown = pilot.app.screen.query_one("#wiz-secret")
        assert shown.display, str(pilot.app.screen.query_one("#wiz-message").render())
        assert f"New secret:  {odd}" in str(shown.render())


async def test_a_password_proven_dead_but_still_due_says_why_in_the_ledgers_words(
    frozen_demo: Gateway,
) -> None:
    """Gary can still unlock itexit: the password rotated and proven dead is due again, and the
    panel says so in the exposure's own sentence, not a guess about someone who left."""
    app = ItexitApp(frozen_demo.location, gateway=frozen_demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_credentials(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, CredentialsScreen)
        table = screen.query_one("#cred-table", VirtualTable)
        dead = next(r for r in table.rows if r.status is CredentialStatus.LOCKED_OUT)
        assert dead.rotation_due and "can still unlock itexit" in dead.rotation_reason
        text = screen._summary_text(dead)
    assert f"Next: rotate it again: {dead.rotation_reason}" in text
    assert "someone who left" not in text
