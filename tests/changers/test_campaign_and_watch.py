"""The campaign over every due credential, and the watch that keeps proving old secrets dead."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from changer_systems import KINDS, Account
from pydantic import SecretStr
from test_auto_rotation import add, works

from itexit import verifiers
from itexit.domain.changing import ChangeMethod, WatchFinding
from itexit.domain.checklist import CaseKind, NewCase
from itexit.domain.credentials import CredentialStatus, NewCredential
from itexit.domain.errors import BadInput
from itexit.domain.roles import Role
from itexit.domain.verify import Endpoint, VerifyResult
from itexit.services.credentials.changing import ChangingService, departing_members
from itexit.services.watch import WatchService, alarms
from servers.common import closed_port
from vaulthelpers import LEAVER, LEAVER_PASS, MANAGER, MANAGER_PASS, Vault

S = CredentialStatus


def rotated_world(vault: Vault, make_account: Callable[..., Account]) -> dict[str, Account]:
    """One account of each kind, set to change itself; returns them by credential id."""
    service = ChangingService(vault.manager.ctx)
    out = {}
    for n, kind in enumerate(KINDS):
        account = make_account(kind, n=n)
        cid = add(vault, account)
        service.set_method(cid, ChangeMethod.SELF)
        out[cid] = account
    return out


def test_campaign_rotates_every_system_it_can_and_names_the_rest(
    vault: Vault, make_account: Callable[..., Account]
) -> None:
    world = rotated_world(vault, make_account)
    creds = vault.manager.credentials
    creds.timeout = 3.0
    manual = creds.add(
        NewCredential(
            system="Practice mail",
            host="127.0.0.1",
            verifier="imap",
            secret=SecretStr("x-1"),
            known_to_departing=True,
        )
    ).id
    broken = make_account("mariadb", n=9)
    broken.credential.port = closed_port()
    broken_id = add(vault, broken)
    service = ChangingService(vault.manager.ctx, timeout=3.0)
    service.set_method(broken_id, ChangeMethod.SELF)
    olds = {cid: a.credential.secret.get_secret_value() for cid, a in world.items()}
    seen: list[tuple[int, int, str]] = []

    report = service.campaign(
        connections=3, on_progress=lambda d, t, r: seen.append((d, t, r.system))
    )

    assert sorted(r.credential_id for r in report.done) == sorted(world)
    assert [r.credential_id for r in report.needs_person] == [broken_id]
    assert "refused the connection" in report.needs_person[0].sentence
    assert "stays saved as pending" in report.needs_person[0].sentence
    assert report.manual == ["Practice mail: itexit cannot change this kind of system"]
    assert [d for d, _, _ in seen] == [1, 2, 3, 4, 5] and {t for _, t, _ in seen} == {5}
    for cid, account in world.items():
        assert creds.detail(cid).summary.status is S.LOCKED_OUT
        assert works(account, creds.reveal(cid)) == "accepted"
        assert works(account, olds[cid]) == "rejected"
    assert creds.detail(manual).summary.status is S.UNVERIFIED
    assert creds.detail(broken_id).summary.status is S.ROTATION_PENDING
    assert vault.manager.verify_audit().ok


def test_campaign_is_refused_while_the_departing_person_can_unlock(
    vault: Vault, make_account: Callable[..., Account]
) -> None:
    vault.manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
    vault.manager.cases.create(
        NewCase(name=LEAVER.upper(), kind=CaseKind.IT_EMPLOYEE, termination_date=date.today())
    )
    assert departing_members(vault.manager.ctx) == [LEAVER]
    world = rotated_world(vault, make_account)
    service = ChangingService(vault.manager.ctx)
    with pytest.raises(BadInput, match="can still unlock the vault"):
        service.campaign()
    assert all(
        vault.manager.credentials.detail(cid).summary.status is S.UNVERIFIED for cid in world
    )
    report = service.campaign(while_member=True)
    assert len(report.done) == len(world)
    vault.manager.remove_user(LEAVER)
    assert departing_members(vault.manager.ctx) == []


class Counting:
    """The real verifier, counting every attempt per (user, secret)."""

    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def lookup(self, name: str) -> Any:
        real = verifiers.get_verifier(name)
        calls = self.calls

        class Wrapped:
            def __init__(self) -> None:
                self.name = real.name

            def check(
                self, endpoint: Endpoint, username: str, secret: str, timeout: float
            ) -> VerifyResult:
                calls.append(username)
                return real.check(endpoint, username, secret, timeout)

        return Wrapped()


def test_watch_catches_an_old_secret_put_back_by_hand(
    vault: Vault, make_account: Callable[..., Account], tmp_path: Path
) -> None:
    world = rotated_world(vault, make_account)
    service = ChangingService(vault.manager.ctx)
    report = service.campaign()
    assert len(report.done) == len(world)
    vault.manager.cases.create(
        NewCase(
            name="Gary Thistle",
            kind=CaseKind.IT_EMPLOYEE,
            termination_date=date.today() - timedelta(days=10),
        )
    )
    calls: list[str] = []
    pauses: list[float] = []
    watch = WatchService(
        vault.manager.ctx, verifiers=Counting(calls).lookup, spacing=0.5, sleep=pauses.append
    )

    quiet = watch.run()
    assert quiet.until == date.today() + timedelta(days=170)
    assert {c.finding for c in quiet.checks} == {WatchFinding.OLD_DEAD}
    assert len(quiet.checks) == len(world) and not quiet.alarms
    assert len(calls) == 2 * len(world)  # one try of the old secret and one of the new, each
    assert pauses == [0.5] * (len(world) - 1)  # spaced out, one credential after the other

    # Someone puts the old PostgreSQL password back by hand.
    pg_id, pg = next((cid, a) for cid, a in world.items() if a.kind == "postgresql")
    old = pg.credential.secret.get_secret_value()
    pg.reset(old)
    calls.clear()

    alarmed = watch.run()
    assert [c.credential_id for c in alarmed.alarms] == [pg_id]
    assert alarmed.alarms[0].finding is WatchFinding.OLD_WORKS
    assert len(calls) == 2 * len(world)  # no retry, even of the alarm
    # Recorded as a finding, not as a rewritten status.
    assert vault.manager.credentials.detail(pg_id).summary.status is S.LOCKED_OUT
    assert [a[0] for a in alarms(vault.manager.ctx)] == [pg_id]
    tiles = {t.key: t for t in vault.manager.dashboard().tiles}
    assert tiles["watch"].severity == "alert" and pg.credential.system in tiles["watch"].caption
    critical = [r for r in vault.manager.reminders(date.today()) if r.critical]
    assert any(r.ref == pg_id and "old secret works again" in r.title for r in critical)
    actions = [r[0] for r in vault.rows("SELECT action FROM audit_events")]
    assert actions.count("cred.watch") == 2 * len(world)
    assert vault.manager.verify_audit().ok

    # From cron: `itexit watch` exits 1 and names it; `remind` exits 1 too.
    pass_file = tmp_path / "pass"
    pass_file.write_text(MANAGER_PASS + "\n")
    base = [
        sys.executable,
        "-m",
        "itexit",
        "--vault",
        str(vault.path),
        "--user",
        MANAGER,
        "--passphrase-file",
        str(pass_file),
    ]
    vault.manager.lock()
    cron = subprocess.run(
        [*base, "watch", "--spacing", "0"], capture_output=True, text=True, timeout=120
    )
    assert cron.returncode == 1, cron.stdout + cron.stderr
    assert "THE OLD SECRET WORKS AGAIN" in cron.stdout and pg.credential.system in cron.stdout
    assert old not in cron.stdout + cron.stderr
    remind = subprocess.run(
        [*base, "remind", "--json"], capture_output=True, text=True, timeout=120
    )
    assert remind.returncode == 1
    report = json.loads(remind.stdout)
    assert any(r["critical"] and r["ref"] == pg_id for r in report["due"])
    # the watch's alarm is an exposure too, read by remind from the ledger
    assert any(e["kind"] == "old_secret_works" for e in report["exposures"])

    # A new rotation answers the alarm.
    gw_session = vault.unlock(MANAGER, MANAGER_PASS)
    again = ChangingService(gw_session.ctx)
    creds = gw_session.credentials
    assert creds.detail(pg_id).summary.status is S.LOCKED_OUT
    creds.start_rotation(pg_id)
    assert again.auto_rotate(pg_id).done
    assert alarms(gw_session.ctx) == []
    assert works(pg, old) == "rejected"


def test_watch_runs_only_within_the_period_the_case_sets(
    vault: Vault, make_account: Callable[..., Account]
) -> None:
    account = make_account("ldap")
    cid = add(vault, account)
    service = ChangingService(vault.manager.ctx)
    service.set_method(cid, ChangeMethod.SELF)
    assert service.auto_rotate(cid).done
    watch = WatchService(vault.manager.ctx, spacing=0)
    assert watch.run().until is None  # no case at all
    case = vault.manager.cases.create(
        NewCase(
            name="Old vendor",
            kind=CaseKind.IT_VENDOR,
            termination_date=date.today() - timedelta(days=200),
        )
    )
    assert watch.run().until is None  # past the default 180 days
    until = watch.set_period(case.id, 365)
    assert until == date.today() + timedelta(days=165)
    report = watch.run()
    assert report.until == until and [c.finding for c in report.checks] == [WatchFinding.OLD_DEAD]
    with pytest.raises(BadInput):
        watch.set_period(case.id, 0)


def test_campaign_through_the_command_line(
    vault: Vault, make_account: Callable[..., Account], tmp_path: Path
) -> None:
    world = rotated_world(vault, make_account)
    pass_file = tmp_path / "pass"
    pass_file.write_text(MANAGER_PASS + "\n")
    vault.manager.lock()
    base = [
        sys.executable,
        "-m",
        "itexit",
        "--vault",
        str(vault.path),
        "--user",
        MANAGER,
        "--passphrase-file",
        str(pass_file),
    ]
    some = next(iter(world))
    said = subprocess.run(
        [*base, "cred", "changer", some, "person"], capture_output=True, text=True, timeout=60
    )
    assert said.returncode == 0 and "a person sets its new secret by hand" in said.stdout
    said = subprocess.run(
        [*base, "cred", "changer", some, "self"], capture_output=True, text=True, timeout=60
    )
    assert said.returncode == 0 and "changes its own password" in said.stdout
    wrong = subprocess.run(
        [*base, "cred", "changer", some, "admin"], capture_output=True, text=True, timeout=60
    )
    assert wrong.returncode == 2 and "Name the admin credential" in wrong.stderr
    refused = subprocess.run([*base, "cred", "rotate"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "--all-due --auto" in refused.stderr
    done = subprocess.run(
        [*base, "cred", "rotate", "--all-due", "--auto", "--connections", "2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Rotated and proven: {len(world)}. Needs a person: 0." in done.stdout
    assert done.stderr.count("[") >= len(world)  # progress, one line per system
    for account in world.values():
        assert account.credential.system in done.stdout
        assert account.credential.secret.get_secret_value() not in done.stdout + done.stderr


def test_a_stopped_campaign_finishes_the_system_under_way_and_starts_no_other(
    vault: Vault, make_account: Callable[..., Account]
) -> None:
    import threading

    from itexit import changers

    stop = threading.Event()

    class StopsTheCampaign:
        """The real changer; the first use asks the campaign to stop (as the app's Close does)."""

        name = "mariadb"

        def change(self, *args: Any) -> Any:
            stop.set()
            return changers.get_changer("mariadb").change(*args)  # type: ignore[union-attr]

    service = ChangingService(vault.manager.ctx, changers=lambda name: StopsTheCampaign())
    ids = []
    for n in range(3):
        cid = add(vault, make_account("mariadb", n=n))
        service.set_method(cid, ChangeMethod.SELF)
        ids.append(cid)
    report = service.campaign(connections=1, stop=stop)
    assert len(report.done) == 1
    assert len(report.needs_person) == 2
    assert all("not started" in r.sentence for r in report.needs_person)
    statuses = sorted(vault.manager.credentials.detail(c).summary.status.value for c in ids)
    assert statuses == ["locked_out", "unverified", "unverified"]


def test_an_alarm_edited_away_in_the_database_is_still_raised(
    vault: Vault, make_account: Callable[..., Account]
) -> None:
    """Someone with the database turns the watch's finding back into "still refused": the
    record no longer matches its sealed address, and the alarm stands."""
    account = make_account("mariadb")
    cid = add(vault, account)
    service = ChangingService(vault.manager.ctx)
    service.set_method(cid, ChangeMethod.SELF)
    old = account.credential.secret.get_secret_value()
    assert service.auto_rotate(cid).done
    vault.manager.cases.create(
        NewCase(name="Gary Thistle", kind=CaseKind.IT_EMPLOYEE, termination_date=date.today())
    )
    watch = WatchService(vault.manager.ctx, spacing=0)
    assert not watch.run().alarms and alarms(vault.manager.ctx) == []
    account.reset(old)
    assert [c.finding for c in watch.run().alarms] == [WatchFinding.OLD_WORKS]

    vault.sql("UPDATE watch_checks SET finding = 'old_dead', old_outcome = 'rejected'")

    assert [(a[0], a[2]) for a in alarms(vault.manager.ctx)] == [(cid, WatchFinding.OLD_WORKS)]
    assert any(r.critical and r.ref == cid for r in vault.manager.reminders(date.today()))
