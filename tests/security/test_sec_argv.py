"""Private fields never on the command line; a readable passphrase file warned about; a database
password never accepted on argv nor echoed."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from itexit.cli import main
from vaulthelpers import MANAGER, MANAGER_PASS, new_vault


@pytest.fixture
def base(tmp_path: Path) -> list[str]:
    vault = new_vault(tmp_path / "v.sqlite")
    vault.close()
    pp = tmp_path / "alice.pp"
    pp.write_text(MANAGER_PASS + "\n")
    pp.chmod(0o600)
    return ["--vault", str(tmp_path / "v.sqlite"), "--user", MANAGER, "--passphrase-file", str(pp)]


NOTE = "harassment complaint filed by the front desk"
CASE_NEW = ["case", "new", "--name", "Gary", "--kind", "it-employee"]
CASE_NEW += ["--termination-date", "2026-12-01"]


@pytest.mark.parametrize(
    "command",
    [
        [*CASE_NEW, "--notes", NOTE],
        [*CASE_NEW, "--reason", NOTE],
        ["cred", "add", "EHR", "--no-secret", "--username", NOTE],
        ["cred", "add", "EHR", "--no-secret", "--notes", NOTE],
        ["vendor", "add", "Acme IT", "--account-number", "ACCT-99231"],
        ["vendor", "add", "Acme IT", "--notes", NOTE],
    ],
)
def test_private_fields_on_argv_are_refused(
    base: list[str], command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*base, *command]) == 2
    err = capsys.readouterr().err
    assert "is private and is not taken from the command line" in err and "-file FILE" in err
    assert NOTE not in err


def test_private_fields_come_from_a_file_or_standard_input(
    base: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text(NOTE + "\nsecond line\n")
    command = ["cred", "add", "EHR", "--no-secret", "--notes-file", str(notes)]
    monkeypatch.setattr("sys.stdin", io.StringIO("dr.gary\n"))
    assert main([*base, *command, "--username", "-", "--json"]) == 0
    cid = json.loads(capsys.readouterr().out)["id"]
    assert main([*base, "cred", "show", cid, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["notes"] == NOTE + "\nsecond line"
    assert shown["username"] == "dr.gary"
    # the other commands' private fields the same way: a case's reason and notes, a vendor's
    # account number
    monkeypatch.setattr("sys.stdin", io.StringIO("Gross misconduct\n"))
    case = [*CASE_NEW, "--reason", "-", "--notes-file", str(notes)]
    assert main([*base, *case]) == 0, capsys.readouterr().err
    capsys.readouterr()
    account = tmp_path / "account.txt"
    account.write_text("ACCT-99231\n")
    vendor = ["vendor", "add", "Acme IT", "--account-number-file", str(account), "--json"]
    assert main([*base, *vendor]) == 0
    assert "ACCT-99231" in capsys.readouterr().out


def test_a_passphrase_file_others_can_read_is_warned_about(
    base: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pp = tmp_path / "alice.pp"
    assert main([*base, "user", "list"]) == 0
    assert "can read the passphrase file" not in capsys.readouterr().err
    pp.chmod(0o644)
    assert main([*base, "user", "list"]) == 0
    err = capsys.readouterr().err
    assert "other people on this computer can read the passphrase file" in err
    assert f"chmod 600 {pp}" in err


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://gary:Hunter2Secret@127.0.0.1:1/itexit",
        "postgresql+psycopg://gary:Hunter2Secret@127.0.0.1:notaport/itexit",
        "gary:Hunter2Secret@somewhere/itexit",
    ],
)
def test_a_database_password_is_never_echoed(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # on the command line: refused before anything connects
    assert main(["--db", url, "audit", "verify"]) == 2
    err = capsys.readouterr().err
    assert "Hunter2Secret" not in err and "process list" in err
    # from the environment: used, and any failure names the URL without its password
    monkeypatch.setenv("ITEXIT_DB", url)
    code = main(["audit", "verify"])
    err = capsys.readouterr().err
    assert code == 2 and "Hunter2Secret" not in err and "unexpected" not in err, err
    log = Path(os.environ["ITEXIT_HOME"]) / "itexit.log"
    assert not log.exists() or "Hunter2Secret" not in log.read_text()
