"""Evidence, reasons and personal notes never reach the disk, the audit log or the wrong role."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

import pytest

from itexit.domain.checklist import MAX_BLOB_BYTES, CaseKind, NewCase
from itexit.domain.errors import BadInput
from itexit.domain.roles import Scope
from itexit.services.blobs import read_blob, store_blob
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    HR_PASS,
    HR_USER,
    VIEWER,
    populated,
    sidecars,
)

FILE_CANARY = b"CANARY-FILE-7f3a9 the admin password is Hunter2-canary"
NOTE_CANARY = "CANARY-NOTE-41b7 router admin pw"
REASON_CANARY = "CANARY-NA-88c2 on medical leave"
CASE_CANARY = "CANARY-CASE-5d01 grievance filed"


def test_evidence_and_personal_details_are_never_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "vault.sqlite"
    vault = populated(path, credentials=0)
    m = vault.manager
    case = m.cases.create(
        NewCase(
            name="Gary Thistle",
            kind=CaseKind.IT_EMPLOYEE,
            termination_date=date(2026, 11, 20),
            notes=CASE_CANARY,
            reason=CASE_CANARY,
        )
    )
    scan = tmp_path / "passwords.txt"
    scan.write_bytes(FILE_CANARY * 20)
    m.cases.complete(case.id, 9, evidence=NOTE_CANARY, attachment=scan)
    m.cases.not_applicable(case.id, 2, REASON_CANARY)
    bob = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    bob.cases.attach(case.id, 13, attachment=scan, note=NOTE_CANARY)
    audit_text = " ".join(str(r) for r in vault.rows("SELECT details, target FROM audit_events"))
    for canary in (NOTE_CANARY, REASON_CANARY, CASE_CANARY, "passwords.txt"):
        assert canary not in audit_text
    disk = b"".join(p.read_bytes() for p in [path, *sidecars(path)] if p.exists())
    vault.close()
    disk += b"".join(p.read_bytes() for p in [path, *sidecars(path)] if p.exists())
    needles = [
        FILE_CANARY[:24],
        base64.b64encode(FILE_CANARY * 3)[:32],
        NOTE_CANARY.encode(),
        REASON_CANARY.encode(),
        CASE_CANARY.encode(),
        b"passwords.txt",
    ]
    for needle in needles:
        assert needle not in disk, needle
    assert b"Gary Thistle" in disk  # the name is listed in plaintext, by design


def test_the_re_key_on_removal_covers_cases_events_and_files(tmp_path: Path) -> None:
    vault = populated(tmp_path / "vault.sqlite", credentials=0)
    m = vault.manager
    case = m.cases.create(
        NewCase(name="Gary", kind=CaseKind.IT_EMPLOYEE, termination_date=date(2026, 11, 20),
                notes="kept")
    )  # fmt: skip
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF evidence")
    m.cases.complete(case.id, 3, evidence="assessment", attachment=scan)
    before = vault.epoch()
    m.remove_user(VIEWER)
    assert vault.epoch() == before + 1
    assert vault.scalar("SELECT count(*) FROM blobs WHERE epoch = :e", e=before) == 0
    assert vault.scalar("SELECT count(*) FROM task_events WHERE epoch = :e", e=before) == 0
    hana = vault.unlock(HR_USER, HR_PASS)
    assert hana.cases.get(case.id).notes == "kept"
    task = hana.cases.task(case.id, 3)
    assert task.evidence_note == "assessment"
    ref, data = read_blob(hana.ctx, task.attachments[0].id)
    assert data == b"%PDF evidence" and ref.filename == "scan.pdf"
    vault.close()


def test_a_file_above_the_cap_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    vault = populated(tmp_path / "vault.sqlite", credentials=0)
    ctx = vault.manager.ctx
    with pytest.raises(BadInput, match="MB are refused"), ctx.transaction() as session:
        store_blob(ctx, session, b"x" * (MAX_BLOB_BYTES + 1), "huge.tif", Scope.HR)
    with pytest.raises(BadInput, match="empty"), ctx.transaction() as session:
        store_blob(ctx, session, b"", "empty.pdf", Scope.HR)
    assert vault.scalar("SELECT count(*) FROM blobs") == 0
    vault.close()


def test_a_consultant_cannot_open_an_hr_file(tmp_path: Path) -> None:
    from itexit.domain.errors import PermissionDenied

    vault = populated(tmp_path / "vault.sqlite", credentials=0)
    ctx = vault.manager.ctx
    with ctx.transaction() as session:
        ref = store_blob(ctx, session, b"signed statement scan", "signed.pdf", Scope.HR)
    bob = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    with pytest.raises(PermissionDenied):
        read_blob(bob.ctx, ref.id)
    vault.close()
