"""`itexit statement …` as HR scripts it: prepare, list passwords, print, record, find."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from statement_helpers import DEPARTING, build_practice

from itexit.cli import main
from vaulthelpers import CONSULTANT, CONSULTANT_PASS, HR_PASS, HR_USER

SECRET = "Canary-Cli-Secret-55q"


@pytest.fixture
def vault_file(tmp_path: Path, frozen_now: object) -> Iterator[Path]:
    path = tmp_path / "vault.sqlite"
    build_practice(path).vault.close()
    (tmp_path / "hana.pp").write_text(HR_PASS + "\n")
    (tmp_path / "bob.pp").write_text(CONSULTANT_PASS + "\n")
    for pp in ("hana.pp", "bob.pp"):
        (tmp_path / pp).chmod(0o600)
    yield path


def itexit(
    vault: Path, user: str, *args: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    pp = vault.parent / ("hana.pp" if user == HR_USER else "bob.pp")
    code = main(["--vault", str(vault), "--user", user, "--passphrase-file", str(pp), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_hr_prepares_prints_records_and_finds_the_statement(
    vault_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def hr(*args: str) -> tuple[int, str, str]:
        return itexit(vault_file, HR_USER, *args, capsys=capsys)

    code, out, _ = hr("statement", "property", DEPARTING, "add", "Laptop (asset 0142)")
    assert code == 0 and "1 item, 1 outstanding" in out
    assert hr("statement", "property", DEPARTING, "add", "Door keys", "--returned")[0] == 0
    code, out, _ = hr("statement", "property", DEPARTING, "returned", "laptop (asset 0142)")
    assert code == 0 and "0 outstanding" in out
    username_file = tmp_path / "nas.username"
    username_file.write_text("gadmin\n")
    secret_file = tmp_path / "nas.secret"
    secret_file.write_text(SECRET + "\n")
    code, out, _ = hr(
        "statement",
        "password",
        DEPARTING,
        "--system",
        "Old NAS",
        "--username-file",
        str(username_file),
        "--secret-file",
        str(secret_file),
    )
    assert code == 0 and "sealed for the IT consultant" in out and SECRET not in out
    code, out, _ = hr("statement", "edit", DEPARTING, "--job-title", "IT administrator")
    assert code == 0

    pdf = tmp_path / "gary.pdf"
    code, out, _ = hr("statement", "pdf", DEPARTING, str(pdf))
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF")
    scan = tmp_path / "signed-scan.pdf"
    scan.write_bytes(b"%PDF-1.4 signed scan")
    code, out, _ = hr(
        "statement",
        "record",
        DEPARTING,
        "--signed-on",
        "2026-11-23",
        "--witness",
        "Wendy Marsh",
        "--signed-copy",
        str(scan),
    )
    assert code == 0 and "read-only" in out

    code, out, _ = hr("statement", "show", DEPARTING, "--json")
    shown = json.loads(out)
    assert code == 0 and shown["status"] == "signed"
    assert shown["signing"]["witness"] == "Wendy Marsh"
    assert [p["system"] for p in shown["passwords"]] == ["Old NAS"]
    assert SECRET not in out
    code, out, _ = hr("statement", "list", "--json")
    assert json.loads(out)[0]["signed_on"] == "2026-11-23"
    copy = tmp_path / "copy.pdf"
    assert hr("statement", "copy", DEPARTING, str(copy))[0] == 0
    assert copy.read_bytes() == scan.read_bytes()

    # after signing: read-only, exit 2 with one sentence
    code, _, err = hr("statement", "property", DEPARTING, "add", "Phone")
    assert code == 2 and err.startswith("itexit: This statement was signed on 2026-11-23")
    assert "Traceback" not in err
    assert hr("statement", "property", DEPARTING, "outstanding", "Door keys")[0] == 2


def test_property_returned_after_signing_from_the_command_line(
    vault_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def hr(*args: str) -> tuple[int, str, str]:
        return itexit(vault_file, HR_USER, *args, capsys=capsys)

    hr("statement", "property", DEPARTING, "add", "Laptop")
    hr("statement", "property", DEPARTING, "add", "Pager")
    code, _, err = hr("statement", "property", DEPARTING, "returned", "Pager", "--on", "2026-11-23")
    assert code == 2 and "--on and --received-by are for an item returned after" in err
    hr("statement", "pdf", DEPARTING, str(tmp_path / "s.pdf"))
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    hr("statement", "record", DEPARTING, "--signed-on", "2026-11-23", "--witness", "W M",
       "--signed-copy", str(scan))  # fmt: skip
    code, out, _ = hr(
        "statement", "property", DEPARTING, "returned", "laptop", "--received-by", "Anna Berg"
    )
    assert code == 0 and "Laptop: returned on 2026-11-23, received by Anna Berg" in out
    assert "1 outstanding" in out
    code, _, err = hr("statement", "property", DEPARTING, "returned", "Pager", "--on", "23.11.")
    assert code == 2 and "not a date" in err
    code, out, _ = hr("statement", "show", DEPARTING, "--json")
    items = {i["name"]: i for i in json.loads(out)["property_items"]}
    assert items["Laptop"]["after_signing"] and items["Laptop"]["state"] == "returned"
    assert items["Pager"]["state"] == "outstanding"


def test_consultant_sees_status_only_and_bad_input_is_one_sentence(
    vault_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        itexit(
            vault_file, HR_USER, "statement", "property", DEPARTING, "add", "Badge", capsys=capsys
        )[0]
        == 0
    )
    code, out, _ = itexit(vault_file, CONSULTANT, "statement", "show", DEPARTING, capsys=capsys)
    assert code == 0 and out.strip() == "Exit statement: drafted (its contents are HR records)."
    code, _, err = itexit(
        vault_file,
        CONSULTANT,
        "statement",
        "pdf",
        DEPARTING,
        str(tmp_path / "x.pdf"),
        capsys=capsys,
    )
    assert code == 3 and "An IT consultant cannot read HR records" in err
    code, _, err = itexit(
        vault_file,
        HR_USER,
        "statement",
        "record",
        DEPARTING,
        "--signed-on",
        "20/11/2026",
        "--witness",
        "W",
        "--signed-copy",
        str(tmp_path / "missing.pdf"),
        capsys=capsys,
    )
    assert code == 2 and "Cannot read the signed copy" in err
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF")
    code, _, err = itexit(
        vault_file,
        HR_USER,
        "statement",
        "record",
        DEPARTING,
        "--signed-on",
        "20/11/2026",
        "--witness",
        "W",
        "--signed-copy",
        str(scan),
        capsys=capsys,
    )
    assert code == 2 and "'20/11/2026' is not a date; write it as YYYY-MM-DD." in err
    code, _, err = itexit(vault_file, HR_USER, "statement", "show", "Nobody", capsys=capsys)
    assert code == 2 and "There is no case 'Nobody'" in err


def test_cred_list_points_at_the_hand_over_and_cred_receive_adds_it(
    vault_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret_file = tmp_path / "nas.secret"
    secret_file.write_text(SECRET + "\n")
    code, _, err = itexit(
        vault_file,
        HR_USER,
        "statement",
        "password",
        DEPARTING,
        "--system",
        "Old NAS",
        "--secret-file",
        str(secret_file),
        capsys=capsys,
    )
    assert code == 0, err
    # HR may not receive it; the consultant's list only reads and says what is waiting
    code, _, err = itexit(vault_file, HR_USER, "cred", "receive", capsys=capsys)
    assert code == 3 and "Only a practice manager or the IT consultant" in err
    for _ in range(2):
        code, out, err = itexit(vault_file, CONSULTANT, "cred", "list", "--json", capsys=capsys)
        assert code == 0 and "Old NAS" not in out
        assert "1 password listed on an exit statement is waiting" in err
    code, out, _ = itexit(vault_file, CONSULTANT, "cred", "receive", capsys=capsys)
    assert code == 0 and out.startswith("1 password listed on an exit statement was added")
    code, out, err = itexit(vault_file, CONSULTANT, "cred", "list", "--json", capsys=capsys)
    assert code == 0 and err == ""
    assert [r["source"] for r in json.loads(out) if r["system"] == "Old NAS"] == ["exit_statement"]
    code, out, _ = itexit(vault_file, CONSULTANT, "cred", "receive", "--json", capsys=capsys)
    assert code == 0 and json.loads(out) == {"received": 0}
