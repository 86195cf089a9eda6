"""`itexit import` from the command line: dry run, report, exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from exports import BITWARDEN_CSV, CANARY, KEEPASS_XML, kdbx_from_xml, write

from itexit.cli import main
from vaulthelpers import MANAGER, MANAGER_PASS, Vault, populated


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    opened = populated(tmp_path / "cli.sqlite", credentials=0)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def base(vault: Vault, tmp_path: Path) -> list[str]:
    passphrase = write(tmp_path, "passphrase", MANAGER_PASS + "\n")
    passphrase.chmod(0o600)
    return ["--vault", str(vault.path), "--user", MANAGER, "--passphrase-file", str(passphrase)]


def count(vault: Vault) -> int:
    return int(vault.scalar("SELECT count(*) FROM credentials"))


def test_a_dry_run_shows_what_and_why_and_adds_nothing(
    base: list[str], vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "bw.csv", BITWARDEN_CSV)
    assert main([*base, "import", "bitwarden-csv", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "bw.csv: 6 rows read, 3 to import, 3 skipped" in out
    assert "Front desk router" in out and "gary@greenway.example" in out
    assert "row 6" in out and "duplicate of row 4" in out
    assert "Dry run: nothing was added." in out
    assert CANARY not in out
    assert count(vault) == 0


def test_an_import_reports_counts_and_skips(
    base: list[str], vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "bw.csv", BITWARDEN_CSV)
    assert main([*base, "import", "bitwarden-csv", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Imported 3 credentials from bw.csv (fingerprint ")
    assert "marked known to the departing person and due for rotation" in out
    assert "Skipped 3 rows:" in out and "a secure note, not a login" in out
    assert count(vault) == 3


def test_json_report_for_scripts(
    base: list[str], vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "keepass.xml", KEEPASS_XML)
    assert main([*base, "import", "keepass-xml", str(path), "--not-departing", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["imported"] == 2 and report["known_to_departing"] is False
    assert [s["reason"] for s in report["skipped"]] == [
        "no password (a note or an empty login)",
        "in the recycle bin",
    ]


def test_keepass_with_password_file_and_a_wrong_one_exits_3(
    base: list[str], vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = kdbx_from_xml(tmp_path, KEEPASS_XML, "kp-pass-1")
    wrong = write(tmp_path, "wrong", "kp-pass-2\n")
    assert (
        main([*base, "import", "keepass", str(database), "--keepass-password-file", str(wrong)])
        == 3
    )
    err = capsys.readouterr().err
    assert "do not open made-by-keepassxc.kdbx; nothing was imported" in err
    assert count(vault) == 0
    right = write(tmp_path, "right", "kp-pass-1\n")
    assert (
        main([*base, "import", "keepass", str(database), "--keepass-password-file", str(right)])
        == 0
    )
    assert count(vault) == 2


def test_a_malformed_file_exits_2_naming_the_row(
    base: list[str], vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = BITWARDEN_CSV + f',,login,"Broken,,,0,,admin,{CANARY}-x,\n'
    path = write(tmp_path, "bw.csv", text)
    assert main([*base, "import", "bitwarden-csv", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Row 8 of the Bitwarden CSV export is not valid CSV" in err
    assert CANARY not in err
    assert count(vault) == 0


def test_a_generic_csv_needs_a_mapping(
    base: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "any.csv", "Name,Pass\nRouter,x\n")
    assert main([*base, "import", "csv", str(path)]) == 2
    assert "needs --map" in capsys.readouterr().err
    assert main([*base, "import", "csv", str(path), "--map", "system=Name,secret=Pass"]) == 0
    assert "Imported 1 credential from any.csv" in capsys.readouterr().out


def test_the_report_reminds_to_delete_the_export_and_lists_notes_to_review(
    base: list[str], vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "bw.csv", BITWARDEN_CSV)
    assert main([*base, "import", "bitwarden-csv", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Now delete bw.csv" in out
    assert "Alarm code" in out.split("To review")[1] and "review it" in out


def test_an_empty_keepass_password_file_is_the_empty_password(
    base: list[str], vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from exports import kpcli

    database = tmp_path / "empty.kdbx"
    kpcli("db-create", "-p", str(database), stdin="\ny\n")
    kpcli("add", "-u", "admin", "-p", str(database), "Router", stdin=f"\n{CANARY}\n{CANARY}\n")
    empty = write(tmp_path, "empty-password", "")
    args = ["import", "keepass", str(database), "--keepass-password-file", str(empty)]
    assert main([*base, *args]) == 0
    assert count(vault) == 1
    assert "Now delete" not in capsys.readouterr().out  # the database itself stays encrypted
