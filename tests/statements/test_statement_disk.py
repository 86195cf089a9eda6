"""Nothing HR types into a statement, and no listed password, reaches the disk in the clear."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

from pydantic import SecretStr
from statement_helpers import build_practice

from itexit.domain.statements import NewListedPassword, NewSigning, StatementEdit
from itexit.services.credentials.handover import receive

CANARIES = {
    "job_title": "CANARY-3e1f-JOBTITLE",
    "practice_text": "CANARY-8a2c-PRACTICE-TEXT",
    "personal_return": "CANARY-77d0-PERSONAL-PHOTOS",
    "property": "CANARY-5b9e-LAPTOP-ASSET",
    "secret": "CANARY-c4d1-LISTED-SECRET",
    "username": "CANARY-0f6a-LISTED-USER",
    "note": "CANARY-91ab-LISTED-NOTE",
    "witness": "CANARY-2d2d-WITNESS",
    "signatory": "CANARY-6e6e-SIGNATORY",
    "scan": "CANARY-4f4f-SCANNED-COPY",
}


def encodings(canary: str) -> list[bytes]:
    raw = canary.encode()
    return [raw, canary.encode("utf-16-le"), base64.b64encode(raw)[:-4], raw.hex().encode()]


def disk_bytes(path: Path) -> bytes:
    return b"".join(
        p.read_bytes() for p in [path, Path(f"{path}-wal"), Path(f"{path}-journal")] if p.exists()
    )


def test_statement_details_and_listed_passwords_are_never_plaintext_on_disk(
    tmp_path: Path, frozen_now: object
) -> None:
    path = tmp_path / "vault.sqlite"
    practice = build_practice(path)
    try:
        hr = practice.hr.statements
        case = practice.case_id
        hr.prepare(case)
        hr.edit(
            case,
            StatementEdit(
                job_title=CANARIES["job_title"],
                practice_text=CANARIES["practice_text"],
                personal_return=CANARIES["personal_return"],
            ),
        )
        hr.add_property(case, CANARIES["property"])
        hr.add_password(
            case,
            NewListedPassword(
                system="Old NAS",
                username=CANARIES["username"],
                secret=SecretStr(CANARIES["secret"]),
                note=CANARIES["note"],
            ),
        )
        on_disk = disk_bytes(path)
        for name, canary in CANARIES.items():
            if name in ("witness", "signatory", "scan"):
                continue
            for form in encodings(canary):
                assert form not in on_disk, f"{name} found on disk while pending"
        hr.print_pdf(case, tmp_path / "s.pdf")
        hr.record_signing(
            case,
            NewSigning(
                signed_on=date(2026, 11, 23),
                witness=CANARIES["witness"],
                signatory=CANARIES["signatory"],
                copy_filename="scan.pdf",
                copy_bytes=("%PDF " + CANARIES["scan"]).encode(),
            ),
        )
        assert receive(practice.consultant.ctx) == 1
        assert practice.consultant.credentials.reveal("Old NAS") == CANARIES["secret"]
        on_disk = disk_bytes(path)
        for name, canary in CANARIES.items():
            for form in encodings(canary):
                assert form not in on_disk, f"{name} found on disk"
        audit = " ".join(str(r) for r in practice.vault.rows("SELECT * FROM audit_events"))
        for name, canary in CANARIES.items():
            assert canary not in audit, f"{name} in the audit log"
    finally:
        practice.vault.close()
