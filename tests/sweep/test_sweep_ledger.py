"""Sweep findings as the ledger sees them: recorded through one service, on the dashboard and in
`remind`, re-checks closing them, and a status edited in SQL detected rather than trusted."""

from __future__ import annotations

from datetime import date

import pytest
from sweephelpers import open_case

from itexit.domain.errors import IntegrityFailure, PermissionDenied
from itexit.domain.reminders import ReminderArea
from itexit.domain.roles import Role
from itexit.domain.sweep import (
    KIND_LABELS,
    Finding,
    FindingKind,
    FindingStatus,
    HostReport,
    Severity,
)
from itexit.services import sweep
from itexit.services.dashboard import AREAS as DASHBOARD_AREAS
from itexit.services.demo import sweep as sweep_demo
from itexit.services.remind import AREAS as REMIND_AREAS
from vaulthelpers import VIEWER, VIEWER_PASS, Vault

HOST = "ssh://fs01.example.test:22"


def key_finding(fingerprint: str, severity: Severity = Severity.ALERT) -> Finding:
    return Finding(
        kind=FindingKind.SSH_KEY,
        host=HOST,
        system="File server",
        subject=f"key {fingerprint[:12]} for backup",
        why="Their key still lets them log in as backup.",
        closes="Remove the key from /home/backup/.ssh/authorized_keys.",
        evidence={"fingerprint": fingerprint, "account": "backup", "file": "/k", "line": "1"},
        severity=severity,
    )


def test_recorded_findings_reach_the_dashboard_and_remind(vault: Vault) -> None:
    ctx = vault.manager.ctx
    today = date.today()
    assert any(a.key == "sweep" and a.service == "sweep" for a in DASHBOARD_AREAS)
    assert REMIND_AREAS is DASHBOARD_AREAS  # remind reads the same areas
    (idle,) = sweep.tiles(ctx, today)
    assert idle.severity == "idle" and idle.count is None
    case = open_case(vault)
    one, two = key_finding("SHA256:one"), key_finding("SHA256:two", Severity.WARN)
    stored = sweep.record(ctx, case, [HostReport(host=HOST, findings=[one, two])])
    assert {f.status for f in stored} == {FindingStatus.OPEN}
    (tile,) = sweep.tiles(ctx, today)
    assert (tile.count, tile.severity, tile.caption) == (2, "alert", "on 1 host")
    (reminder,) = sweep.reminders(ctx, today)
    assert reminder.area is ReminderArea.SWEEP and reminder.overdue and reminder.ref == HOST
    assert "2 ways in still open" in reminder.title
    ledger = sweep.open_findings(ctx)
    assert sorted(f.subject for f in ledger) == sorted([one.subject, two.subject])
    assert all(f.closes and f.why and f.severity for f in ledger)

    # A re-check that no longer sees one closes it; an unreached host changes nothing.
    sweep.record(ctx, case, [HostReport(host=HOST, reached=False)])
    assert len(sweep.open_findings(ctx)) == 2
    sweep.record(ctx, case, [HostReport(host=HOST, findings=[two])])
    (left,) = sweep.open_findings(ctx)
    assert left.evidence["fingerprint"] == "SHA256:two"
    closed = next(f for f in vault.manager.sweep.findings() if f.status is FindingStatus.CLOSED)
    assert "no longer found by the sweep" in closed.note and closed.closed_at is not None
    (tile,) = sweep.tiles(ctx, today)
    assert (tile.count, tile.severity) == (1, "warn")

    accepted = vault.manager.sweep.accept(left.id[:8], "the backup job needs it until Friday")
    assert accepted.status is FindingStatus.ACCEPTED
    assert sweep.open_findings(ctx) == [] and sweep.reminders(ctx, today) == []
    (tile,) = sweep.tiles(ctx, today)
    assert (tile.count, tile.severity) == (0, "ok")
    actions = [r[0] for r in vault.rows("SELECT action FROM audit_events ORDER BY seq")]
    assert actions.count("sweep.record") == 3 and "sweep.accept" in actions


def test_a_status_edited_in_sql_does_not_hide_an_open_finding(vault: Vault) -> None:
    ctx = vault.manager.ctx
    case = open_case(vault)
    sweep.record(ctx, case, [HostReport(host=HOST, findings=[key_finding("SHA256:k")])])
    vault.sql("UPDATE sweep_findings SET status = 'closed'")
    with pytest.raises(IntegrityFailure):
        sweep.open_findings(ctx)


def test_a_viewer_sees_the_tile_and_each_finding_by_kind_and_host_only(vault: Vault) -> None:
    """The auditor reads what kind of way in is left on which host; what it names (the key, the
    rule, the system) is sealed, and running the sweep is refused."""
    case = open_case(vault)
    sweep.record(vault.manager.ctx, case, [HostReport(host=HOST, findings=[key_finding("S:1")])])
    vault.manager.add_user(VIEWER, Role.VIEWER, VIEWER_PASS)
    viewer = vault.unlock(VIEWER, VIEWER_PASS)
    (tile,) = sweep.tiles(viewer.ctx, date.today())
    assert tile.count == 1
    with pytest.raises(PermissionDenied):
        viewer.sweep.run()
    (seen,) = viewer.sweep.findings()
    (full,) = vault.manager.sweep.findings()
    assert (seen.host, seen.kind, seen.status) == (full.host, full.kind, full.status)
    assert seen.subject == KIND_LABELS[seen.kind] != full.subject
    assert seen.evidence == {} and seen.system == "" and seen.why == ""
    assert full.evidence


def test_the_demo_practice_carries_sweep_findings(vault: Vault) -> None:
    from itexit.domain.checklist import CaseKind, NewCase

    vault.manager.cases.create(
        NewCase(name="Gary Thistle", kind=CaseKind.IT_EMPLOYEE, termination_date=date.today())
    )
    sweep_demo.build_demo(vault.manager, date.today())
    items = vault.manager.sweep.findings(status=None)
    assert len(items) == 5
    assert sum(f.status is FindingStatus.CLOSED for f in items) == 1
    assert {f.kind for f in sweep.open_findings(vault.manager.ctx)} == {
        FindingKind.SSH_KEY,
        FindingKind.SUDOERS,
        FindingKind.MAIL_FORWARD,
    }
    identity = vault.manager.sweep.identity("Gary Thistle")
    assert identity.accounts == ["gthistle", "gary"]


def test_the_sweep_readers_do_not_load_the_ui_toolkit() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import itexit.sweep.ssh, itexit.sweep.sieve, itexit.sweep.postgres, itexit.sweep.ldap\n"
        "import itexit.services.sweep, itexit.cli.sweep\n"
        "assert 'textual' not in sys.modules, 'textual was imported by the sweep'\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
