"""The campaign while the departing person can still unlock the vault: it stops and says so, and
offers "Rotate anyway". Chosen, the campaign runs against a real loopback MariaDB and the vault
records each step; declined, nothing is changed anywhere."""

from __future__ import annotations

from datetime import date
from typing import Any

from mariadb_account import self_changed_account
from textual.pilot import Pilot
from textual.widgets import Button, Static
from tui_steps import MANAGER, MANAGER_PASSPHRASE, settle, unlock, work_done

from itexit import verifiers
from itexit.app import ItexitApp
from itexit.domain.audit_words import AuditQuery
from itexit.domain.checklist import CaseKind, NewCase
from itexit.domain.credentials import CredentialStatus
from itexit.domain.roles import Role
from itexit.domain.verify import Endpoint, TlsMode
from itexit.screens.credentials.campaign import CampaignModal
from itexit.services.gateway import Gateway

LEAVER = "gary"
LEAVER_PASSPHRASE = "gary-thistle-beacon-09"
OLD = "Old-secret-for-the-pilot-2!"


def leaver_still_member(practice: Gateway, mariadb_server: Any) -> tuple[str, str]:
    """The leaver is still a vault user with an open case; one due MariaDB account that itexit
    changes itself. Returns the credential's id and the account's name."""
    session = practice.unlock(MANAGER, MANAGER_PASSPHRASE)
    session.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASSPHRASE)
    session.cases.create(
        NewCase(name=LEAVER, kind=CaseKind.IT_EMPLOYEE, termination_date=date.today())
    )
    cid, account = self_changed_account(session, mariadb_server, OLD)
    session.lock()
    return cid, account


def logs_in(mariadb_server: Any, account: str, secret: str) -> str:
    """What the MariaDB server itself says of the secret now: accepted or rejected."""
    endpoint = Endpoint(host=mariadb_server.host, port=mariadb_server.port, tls=TlsMode.NONE)
    return verifiers.verify("mariadb", endpoint, account, secret, 10).outcome.value


def rotation_entries(practice: Gateway) -> list[str]:
    """The rotation steps the audit log holds, oldest first."""
    session = practice.unlock(MANAGER, MANAGER_PASSPHRASE)
    try:
        lines = session.audit_log.page(AuditQuery(), limit=500).lines
        return [line.action for line in reversed(lines) if line.action.startswith("cred.rotate")]
    finally:
        session.lock()


async def refused_campaign(pilot: Pilot[Any]) -> CampaignModal:
    """Open the campaign from the credentials screen and press Start: it is refused."""
    await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
    await pilot.press("f5")
    await settle(pilot)
    await pilot.press("A")
    await settle(pilot)
    modal = pilot.app.screen
    assert isinstance(modal, CampaignModal)
    status = modal.query_one("#campaign-status", Static)
    assert "1 due credential can be changed by itexit" in str(status.render())
    start = modal.query_one("#campaign-start", Button)
    assert str(start.label) == "Start"
    await pilot.click("#campaign-start")
    await settle(pilot)
    await work_done(pilot)
    await settle(pilot)
    text = str(status.render())
    assert f"{LEAVER} can still unlock the vault and would read every new secret" in text
    assert "Users, F3" in text and "itexit user remove" not in text and "--while" not in text
    assert str(start.label) == "Rotate anyway" and not start.disabled
    return modal


async def test_rotate_anyway_runs_the_campaign_and_the_vault_records_it(
    frozen_now: object, practice: Gateway, mariadb_server: Any
) -> None:
    cid, account = leaver_still_member(practice, mariadb_server)

    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=(120, 36)) as pilot:
        modal = await refused_campaign(pilot)
        assert logs_in(mariadb_server, account, OLD) == "accepted"  # refused before any change
        await pilot.click("#campaign-start")
        await settle(pilot)
        await work_done(pilot)
        await settle(pilot)
        status = str(modal.query_one("#campaign-status", Static).render())
        assert "Rotated and proven: 1. Needs a person: 0." in status
        log = str(modal.query_one("#campaign-log", Static).render())
        assert "Practice database: new secret set and working" in log
        assert OLD not in log

    session = practice.unlock(MANAGER, MANAGER_PASSPHRASE)
    detail = session.credentials.detail(cid)
    assert detail.summary.status is CredentialStatus.LOCKED_OUT
    new = session.credentials.reveal(cid)
    history = [entry.kind for entry in session.credentials.history(cid)]
    session.lock()
    assert new != OLD
    assert logs_in(mariadb_server, account, new) == "accepted"
    assert logs_in(mariadb_server, account, OLD) == "rejected"
    assert "rotate_start" in history and "rotate_set" in history
    entries = rotation_entries(practice)
    assert entries[0] == "cred.rotate.anyway" and "cred.rotate.set" in entries


async def test_declining_to_rotate_anyway_changes_nothing(
    frozen_now: object, practice: Gateway, mariadb_server: Any
) -> None:
    cid, account = leaver_still_member(practice, mariadb_server)

    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=(120, 36)) as pilot:
        modal = await refused_campaign(pilot)
        await pilot.click("#campaign-close")
        await settle(pilot)
        assert pilot.app.screen is not modal
        assert not any(isinstance(s, CampaignModal) for s in pilot.app.screen_stack)

    session = practice.unlock(MANAGER, MANAGER_PASSPHRASE)
    detail = session.credentials.detail(cid)
    history = [entry.kind for entry in session.credentials.history(cid)]
    secret = session.credentials.reveal(cid)
    session.lock()
    assert detail.summary.status is CredentialStatus.UNVERIFIED
    assert secret == OLD
    assert not any(kind.startswith("rotate") for kind in history)
    assert rotation_entries(practice) == []
    assert logs_in(mariadb_server, account, OLD) == "accepted"
