"""The import service on SQLite and PostgreSQL: preview, all-or-nothing commit, audit, roles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from exports import BITWARDEN_CSV, CANARY, KEEPASS_XML, write

from itexit.domain.errors import BadInput, PermissionDenied
from itexit.services.imports import ImportCancelled, ImportKind, ImportOptions
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    HR_PASS,
    HR_USER,
    VIEWER,
    VIEWER_PASS,
    Vault,
    add_credential,
    populated,
)

LASTPASS_HEADER = "url,username,password,totp,extra,name,grouping,fav\n"


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    opened = populated(db_url, credentials=1)
    try:
        yield opened
    finally:
        opened.close()


def count(vault: Vault) -> int:
    return int(vault.scalar("SELECT count(*) FROM credentials"))


def big_lastpass(rows: int, bad_row: int | None = None) -> str:
    lines = [LASTPASS_HEADER]
    for i in range(2, rows + 2):
        if i == bad_row:
            lines.append(f'https://h{i}.example,user{i},"{CANARY}-{i},,,System {i},Web,0\n')
        else:
            lines.append(f"https://h{i}.example,user{i},{CANARY}-{i},,,System {i},Web,0\n")
    return "".join(lines)


def test_preview_lists_names_and_reasons_but_never_a_secret(vault: Vault, tmp_path: Path) -> None:
    path = write(tmp_path, "bitwarden.csv", BITWARDEN_CSV)
    preview = vault.manager.imports.preview(ImportKind.BITWARDEN_CSV, path)
    assert (preview.rows, preview.to_import, len(preview.skipped)) == (6, 3, 3)
    assert [r.system for r in preview.sample] == [
        "Practice Webmail",
        "Front desk router",
        "Athena EHR",
    ]
    assert preview.sample[0].username == "gary@greenway.example" and preview.sample[0].has_totp
    assert preview.by_category == {"email": 1, "firewall": 1, "ehr": 1}
    assert CANARY not in preview.model_dump_json()
    assert count(vault) == 1, "a preview adds nothing"


def test_commit_adds_every_entry_marked_known_to_the_departing_person(
    vault: Vault, tmp_path: Path
) -> None:
    path = write(tmp_path, "bitwarden.csv", BITWARDEN_CSV)
    session = vault.manager
    preview = session.imports.preview(ImportKind.BITWARDEN_CSV, path)
    seen: list[tuple[int, int]] = []
    report = session.imports.commit(preview, on_progress=lambda d, t: seen.append((d, t)))
    assert report.imported == 3 and len(report.credential_ids) == 3
    assert seen[-1] == (3, 3)
    by_system = {c.system: c for c in session.credentials.list()}
    router = by_system["Front desk router"]
    assert router.known_to_departing and router.rotation_due
    assert router.source.value == "handed_over" and router.category.value == "firewall"
    assert router.host == "192.168.1.1" and router.port == 8443
    assert session.credentials.reveal(router.id) == f"{CANARY}-bw2"
    detail = session.credentials.detail(by_system["Practice Webmail"].id)
    assert detail.has_totp and "Admin mailbox" in detail.notes
    assert "Imported from Bitwarden CSV bitwarden.csv, row 2 (folder Email)." in detail.notes


def test_the_import_is_audited_once_with_the_file_hash_and_no_secret(
    vault: Vault, tmp_path: Path
) -> None:
    path = write(tmp_path, "bitwarden.csv", BITWARDEN_CSV)
    preview = vault.manager.imports.preview(ImportKind.BITWARDEN_CSV, path)
    vault.manager.imports.commit(preview)
    rows = vault.rows("SELECT action, target, details FROM audit_events ORDER BY seq")
    imports = [r for r in rows if r[0] == "import.commit"]
    assert len(imports) == 1
    details = json.loads(imports[0][2]) if isinstance(imports[0][2], str) else imports[0][2]
    assert imports[0][1] == "bitwarden.csv"
    assert details["sha256"] == preview.sha256 and len(preview.sha256) == 64
    assert (details["imported"], details["skipped"], details["format"]) == (
        3,
        3,
        "bitwarden-csv",
    )
    assert all(CANARY not in str(r) for r in rows)


def test_not_departing_entries_are_found_in_the_practice_and_not_due(
    vault: Vault, tmp_path: Path
) -> None:
    path = write(tmp_path, "keepass.xml", KEEPASS_XML)
    report = vault.manager.imports.run(ImportKind.KEEPASS_XML, path, departing=False)
    assert report.imported == 2 and not report.known_to_departing
    imported = [c for c in vault.manager.credentials.list() if c.id in report.credential_ids]
    assert all(not c.known_to_departing and c.source.value == "discovered" for c in imported)


def test_entries_already_in_the_vault_are_skipped(vault: Vault, tmp_path: Path) -> None:
    add_credential(vault.manager, "Athena EHR", username="dr.gary", secret="other")
    path = write(tmp_path, "bitwarden.csv", BITWARDEN_CSV)
    preview = vault.manager.imports.preview(ImportKind.BITWARDEN_CSV, path)
    assert preview.to_import == 2
    assert (7, "already in the vault (same system and user name)") in [
        (s.row, s.reason) for s in preview.skipped
    ]
    vault.manager.imports.commit(preview)
    again = vault.manager.imports.preview(ImportKind.BITWARDEN_CSV, path)
    assert again.to_import == 0
    with pytest.raises(BadInput, match="holds nothing to import"):
        vault.manager.imports.commit(again)


def test_an_unreadable_address_is_left_out_with_the_reason(vault: Vault, tmp_path: Path) -> None:
    broken = BITWARDEN_CSV.replace("http://192.168.1.1:8443", "http://[192.168.1.1")
    path = write(tmp_path, "bitwarden.csv", broken)
    preview = vault.manager.imports.preview(ImportKind.BITWARDEN_CSV, path)
    reasons = [s.reason for s in preview.skipped if s.label == "Front desk router"]
    assert reasons[0] == "'http://[192.168.1.1' is not a web address that can be read."
    intact = vault.manager.imports.preview(
        ImportKind.BITWARDEN_CSV, write(tmp_path, "ok.csv", BITWARDEN_CSV)
    )
    assert preview.to_import == intact.to_import - 1
    report = vault.manager.imports.commit(preview)
    assert report.imported == preview.to_import


def test_a_bad_row_500_of_1000_imports_nothing(vault: Vault, tmp_path: Path) -> None:
    path = write(tmp_path, "lastpass.csv", big_lastpass(1000, bad_row=501))
    with pytest.raises(BadInput, match=r"^Row 501 of the LastPass CSV export") as caught:
        vault.manager.imports.run(ImportKind.LASTPASS_CSV, path)
    assert CANARY not in str(caught.value)
    assert count(vault) == 1


def test_a_failure_at_entry_500_of_1000_rolls_everything_back(vault: Vault, tmp_path: Path) -> None:
    path = write(tmp_path, "lastpass.csv", big_lastpass(1000))
    preview = vault.manager.imports.preview(ImportKind.LASTPASS_CSV, path)
    assert preview.to_import == 1000
    audit_before = vault.scalar("SELECT count(*) FROM audit_events")

    def stop_at_500(done: int, total: int) -> None:
        if done == 500:
            raise OSError("disk went away")

    with pytest.raises(OSError):
        vault.manager.imports.commit(preview, on_progress=stop_at_500)
    assert count(vault) == 1
    assert vault.scalar("SELECT count(*) FROM audit_events") == audit_before
    report = vault.manager.imports.commit(preview)
    assert report.imported == 1000 and count(vault) == 1001


def test_cancelling_before_the_commit_adds_nothing(vault: Vault, tmp_path: Path) -> None:
    path = write(tmp_path, "lastpass.csv", big_lastpass(50))
    preview = vault.manager.imports.preview(ImportKind.LASTPASS_CSV, path)
    calls: list[int] = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) >= 20

    with pytest.raises(ImportCancelled, match="nothing was added"):
        vault.manager.imports.commit(preview, cancelled=cancelled)
    assert count(vault) == 1


def test_only_people_who_may_add_credentials_can_import(vault: Vault, tmp_path: Path) -> None:
    path = write(tmp_path, "bitwarden.csv", BITWARDEN_CSV)
    consultant = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    assert consultant.imports.run(ImportKind.BITWARDEN_CSV, path).imported == 3
    for name, passphrase in ((HR_USER, HR_PASS), (VIEWER, VIEWER_PASS)):
        with pytest.raises(PermissionDenied):
            vault.unlock(name, passphrase).imports.preview(ImportKind.BITWARDEN_CSV, path)


def test_a_missing_file_or_format_is_one_sentence(vault: Vault, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="There is no export file at"):
        vault.manager.imports.preview(ImportKind.LASTPASS_CSV, tmp_path / "nope.csv")
    with pytest.raises(BadInput, match="'dashlane' is not an import format"):
        vault.manager.imports.preview("dashlane", tmp_path / "nope.csv")
    with pytest.raises(BadInput, match="There is no key file at"):
        vault.manager.imports.preview(
            ImportKind.KEEPASS,
            write(tmp_path, "x.kdbx", b"x"),
            ImportOptions(keyfile=str(tmp_path / "missing.key")),
        )


def test_no_canary_reaches_the_database_file_in_the_clear(tmp_path: Path) -> None:
    vault = populated(tmp_path / "vault.sqlite", credentials=0)
    try:
        text = BITWARDEN_CSV.replace("gary@greenway.example", f"{CANARY}-user@x.example")
        text = text.replace("Admin mailbox", f"{CANARY}-note")
        path = write(tmp_path, "bitwarden.csv", text)
        report = vault.manager.imports.run(ImportKind.BITWARDEN_CSV, path)
        assert report.imported == 3
        assert vault.path is not None
        on_disk = [vault.path, Path(f"{vault.path}-wal")]
        blobs = b"".join(p.read_bytes() for p in on_disk if p.exists())
        assert b"Practice Webmail" in blobs, "the scan reads the right files"
        for needle in (CANARY, "JBSWY3DPEHPK3PXP"):
            assert needle.encode() not in blobs
            assert needle.encode("utf-16-le") not in blobs
    finally:
        vault.close()


def test_a_server_address_in_the_url_column_sets_the_check(vault: Vault, tmp_path: Path) -> None:
    text = LASTPASS_HEADER + (
        "postgresql://ehr_admin@db.example.test:6543/practice?sslmode=disable,,"
        f"{CANARY}-1,,,EHR database,Servers,0\n"
        f"ssh://admin@files.example.test:2222,,{CANARY}-2,,,File server,Servers,0\n"
        f"imaps://mail.example.test,front,{CANARY}-3,,,Front desk mail,Email,0\n"
        f"https://portal.example.test/login,front,{CANARY}-4,,,Vendor portal,Web,0\n"
        f"postgresql://ehr:{CANARY}-url@db.example.test/x,me,{CANARY}-5,,,Old database,,0\n"
    )
    path = write(tmp_path, "lastpass.csv", text)
    preview = vault.manager.imports.preview(ImportKind.LASTPASS_CSV, path)
    assert preview.to_import == 5
    [remark] = preview.remarks
    assert remark.row == 6 and "cannot be checked as written" in remark.reason
    assert CANARY not in remark.reason and "db.example" not in remark.reason
    vault.manager.imports.commit(preview)
    creds = vault.manager.credentials
    by_name = {s.system: s for s in creds.list()}
    ehr = creds.detail(by_name["EHR database"].id)
    assert (ehr.summary.verifier, ehr.summary.host, ehr.summary.port) == (
        "postgresql",
        "db.example.test",
        6543,
    )
    assert (ehr.tls, ehr.path, ehr.username) == ("none", "practice", "ehr_admin")
    files = creds.detail(by_name["File server"].id)
    assert (files.summary.verifier, files.summary.port, files.username) == ("ssh", 2222, "admin")
    mail = creds.detail(by_name["Front desk mail"].id)
    assert (mail.summary.verifier, mail.tls, mail.username) == ("imap", "tls", "front")
    assert by_name["Vendor portal"].verifier == "manual"
    assert by_name["Old database"].verifier == "manual"  # kept, for a person to correct
