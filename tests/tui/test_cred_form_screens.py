"""The credential form's check settings, against real servers on loopback: a PostgreSQL login
read from its address and verified (and the reason when TLS is not offered), an SSH login with
its pinned host key, refusals kept beside what was typed, and snapshots at two sizes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import SecretStr
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select, Static, TextArea
from tui_steps import MANAGER, MANAGER_PASSPHRASE, fill, settle, unlock
from worlds import Worlds

from itexit.app import ItexitApp
from itexit.domain.credentials import Category, NewCredential
from itexit.screens.credentials.form import CredentialFormModal
from itexit.screens.credentials.modals import CheckResultModal, HistoryModal
from itexit.screens.credentials.screen import CredentialsScreen
from itexit.services.gateway import Gateway

Snap = Callable[..., bool]
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


async def on_credentials(pilot: Pilot[Any]) -> CredentialsScreen:
    await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
    await pilot.press("f5")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CredentialsScreen)
    screen.table.focus()
    await settle(pilot)
    return screen


def value(form: CredentialFormModal, selector: str) -> str:
    widget = form.query_one(selector)
    if isinstance(widget, Select):
        return str(widget.value)
    assert isinstance(widget, Input)
    return widget.value


def said(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def open_form(pilot: Pilot[Any], key: str = "a") -> CredentialFormModal:
    await pilot.press(key)
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, CredentialFormModal)
    return form


async def save(pilot: Pilot[Any]) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)


async def verify(pilot: Pilot[Any]) -> CheckResultModal:
    await pilot.press("v")
    await settle(pilot)
    modal = pilot.app.screen
    assert isinstance(modal, CheckResultModal)
    return modal


async def test_a_postgresql_login_from_its_address_then_the_tls_reason(
    practice: Gateway, pg_login_server: Any, pg_role: tuple[str, str], pg_server: Any
) -> None:
    role, password = pg_role
    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_credentials(pilot)
        form = await open_form(pilot)
        await fill(pilot, "#cf-system", "EHR database")
        url = f"postgresql://{role}@127.0.0.1:{pg_login_server.port}/postgres?sslmode=disable"
        await fill(pilot, "#cf-url", url)
        await settle(pilot)
        assert value(form, "#cf-verifier") == "postgresql"
        assert (value(form, "#cf-host"), value(form, "#cf-port")) == (
            "127.0.0.1",
            str(pilot_port := pg_login_server.port),
        )
        assert (value(form, "#cf-tls"), value(form, "#cf-path")) == ("none", "postgres")
        assert value(form, "#cf-username") == role
        assert form.query_one("#cf-path-label").display
        assert not form.query_one("#cf-host-key").display
        assert "PostgreSQL database; not encrypted" in said(form, "#cf-url-message")
        await fill(pilot, "#cf-secret", password)
        await save(pilot)
        assert app.screen is screen, said(form, "#cf-error")
        result = await verify(pilot)
        assert "accepted the login" in said(result, "#cr-detail")
        assert result.query_one("#cr-detail").region.width > 0
        await pilot.press("escape")
        await settle(pilot)

        # the same role at a server that offers no TLS, with the certificate to be checked
        form = await open_form(pilot, "e")
        url = f"postgres://{role}@127.0.0.1:{pg_server.port}/postgres?sslmode=require"
        await fill(pilot, "#cf-url", url)
        await settle(pilot)
        assert (value(form, "#cf-tls"), value(form, "#cf-port")) == ("tls", str(pg_server.port))
        assert pilot_port != pg_server.port
        await save(pilot)
        assert app.screen is screen, said(form, "#cf-error")
        result = await verify(pilot)
        detail = said(result, "#cr-detail")
        reason = "does not offer an encrypted connection (TLS), so the password was not sent"
        assert reason in detail and "Errno" not in detail and "sslmode" not in detail
        assert "could not be checked" in said(result, "#cr-title")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        history = app.screen
        assert isinstance(history, HistoryModal)
        rows = [str(s.render()) for s in history.query(".history-detail").results(Static)]
        assert any(reason in " ".join(r.split()) for r in rows), rows
        last = list(history.query(".history-detail").results(Static))[-1]
        assert last.region.height >= 2  # the whole sentence, wrapped, not cut
    session = practice.unlock(MANAGER, MANAGER_PASSPHRASE)
    detail = session.credentials.detail("EHR database")
    assert (detail.summary.verifier, detail.tls, detail.path) == ("postgresql", "tls", "postgres")
    assert detail.username == role
    session.lock()


async def test_an_ssh_login_with_its_pinned_host_key(
    practice: Gateway, sshd_server: Any, ssh_login: tuple[str, str]
) -> None:
    user, password = ssh_login
    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_credentials(pilot)
        form = await open_form(pilot)
        await fill(pilot, "#cf-system", "File server")
        await fill(pilot, "#cf-url", f"ssh://{user}@127.0.0.1:{sshd_server.port}")
        await settle(pilot)
        assert value(form, "#cf-verifier") == "ssh"
        assert form.query_one("#cf-host-key").display and not form.query_one("#cf-tls").display
        await fill(pilot, "#cf-secret", password)
        await fill(pilot, "#cf-host-key", "SHA256:short")
        await save(pilot)
        assert app.screen is form
        assert "43 letters" in said(form, "#cf-error")
        assert value(form, "#cf-secret") == password and value(form, "#cf-system") == "File server"
        assert form.query_one("#cf-host-key").has_focus
        impostor = "SHA256:" + "A" * 43
        await fill(pilot, "#cf-host-key", impostor)
        await save(pilot)
        assert app.screen is screen, said(form, "#cf-error")
        result = await verify(pilot)
        assert "may be an impostor, so nothing was sent" in said(result, "#cr-detail")
        await pilot.press("escape")
        await settle(pilot)
        form = await open_form(pilot, "e")
        assert value(form, "#cf-host-key") == impostor
        await fill(pilot, "#cf-host-key", sshd_server.host_key_fingerprint)
        await save(pilot)
        assert app.screen is screen, said(form, "#cf-error")
        result = await verify(pilot)
        assert f"accepted the password for {user}" in said(result, "#cr-detail")
        assert "the secret works" in said(result, "#cr-title")
    session = practice.unlock(MANAGER, MANAGER_PASSPHRASE)
    detail = session.credentials.detail("File server")
    assert detail.endpoint_options["host_key"] == sshd_server.host_key_fingerprint
    assert detail.summary.port == sshd_server.port and detail.username == user
    session.lock()


async def test_a_refused_save_keeps_what_was_typed(practice: Gateway) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_credentials(pilot)
        form = await open_form(pilot)
        await fill(pilot, "#cf-system", "S" * 250)
        await fill(pilot, "#cf-username", "front-desk")
        form.query_one("#cf-notes", TextArea).text = "line one\nline two"
        await save(pilot)
        assert app.screen is form
        assert "at most 200 characters" in said(form, "#cf-error")
        assert value(form, "#cf-username") == "front-desk"
        assert form.query_one("#cf-notes", TextArea).text == "line one\nline two"
        await fill(pilot, "#cf-system", "Front desk PC")
        await fill(pilot, "#cf-url", "imaps://mail.example:99999")
        await save(pilot)
        assert app.screen is form
        assert "port in the address" in said(form, "#cf-error")
        assert form.query_one("#cf-url").has_focus
        await fill(pilot, "#cf-url", "https://portal.example")
        await save(pilot)
        assert isinstance(app.screen, CredentialsScreen)
    session = practice.unlock(MANAGER, MANAGER_PASSPHRASE)
    detail = session.credentials.detail("Front desk PC")
    assert detail.notes == "line one\nline two" and detail.summary.verifier == "manual"
    session.lock()


@pytest.fixture
def with_notes(frozen_now: object, practice: Gateway, worlds: Worlds) -> Gateway:
    """A practice with one credential whose notes run over several lines."""

    def build(practice: Gateway) -> None:
        session = practice.unlock(MANAGER, MANAGER_PASSPHRASE)
        session.credentials.add(
            NewCredential(
                system="Practice database",
                category=Category.SERVER,
                url="postgresql://ehr_admin@db.greenway.example/ehr",
                verifier="postgresql",
                path="ehr",
                username="ehr_admin",
                secret=SecretStr("not-a-real-secret-2291"),
                notes="Gary set this up in 2019.\nThe backup job logs in as the same role.\n"
                "Ask the EHR vendor before changing it.",
            )
        )
        session.lock()

    return worlds.restore(practice, "notes-credential", build)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_edit_form_for_a_database(
    snap_compare: Snap, with_notes: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        pilot.app.animation_level = "none"
        await on_credentials(pilot)
        await pilot.press("e")
        await settle(pilot)

    app = ItexitApp(with_notes.location, gateway=with_notes)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_edit_form_scrolled_to_the_notes(
    snap_compare: Snap, with_notes: Gateway, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        pilot.app.animation_level = "none"
        await on_credentials(pilot)
        await pilot.press("e")
        await settle(pilot)
        notes = pilot.app.screen.query_one("#cf-notes", TextArea)
        notes.focus()
        pilot.app.screen.query_one("#cred-form-fields").scroll_to_widget(notes, animate=False)
        await settle(pilot)

    app = ItexitApp(with_notes.location, gateway=with_notes)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def test_the_sweep_admin_mark_is_set_and_cleared_in_the_form(with_notes: Gateway) -> None:
    app = ItexitApp(with_notes.location, gateway=with_notes)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_credentials(pilot)
        form = await open_form(pilot, "e")
        box = form.query_one("#cf-sweep-admin", Checkbox)
        assert str(box.label) == "An admin account the sweep uses" and not box.value
        box.value = True
        await save(pilot)
        assert isinstance(app.screen, CredentialsScreen)
        form = await open_form(pilot)  # a new one, marked as it is added
        await fill(pilot, "#cf-system", "File server admin")
        await fill(pilot, "#cf-url", "ssh://root@files.example")
        form.query_one("#cf-sweep-admin", Checkbox).value = True
        await save(pilot)
        assert isinstance(app.screen, CredentialsScreen)
    session = with_notes.unlock(MANAGER, MANAGER_PASSPHRASE)
    assert session.credentials.detail("Practice database").sweep_admin
    assert session.credentials.detail("File server admin").sweep_admin
    marks = [e for e in session.recent_audit(limit=10) if e.action == "cred.sweep_admin"]
    assert len(marks) == 2
    session.lock()
    app = ItexitApp(with_notes.location, gateway=with_notes)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_credentials(pilot)
        form = await open_form(pilot, "e")
        box = form.query_one("#cf-sweep-admin", Checkbox)
        assert box.value  # shown as stored
        box.value = False
        await save(pilot)
    session = with_notes.unlock(MANAGER, MANAGER_PASSPHRASE)
    marked = [
        c.system for c in session.credentials.list() if session.credentials.detail(c.id).sweep_admin
    ]
    assert len(marked) == 1
    session.lock()
