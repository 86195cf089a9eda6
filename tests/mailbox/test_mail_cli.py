"""`itexit mailbox` as scripts use it: add, import, messages, review, list, and `remind`."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from mailgen import message, write_mbox

from itexit.cli import main
from itexit.domain.credentials import Category
from vaulthelpers import MANAGER, MANAGER_PASS, add_credential, new_vault


@pytest.fixture
def cli(tmp_path: Path) -> list[str]:
    path = tmp_path / "vault.sqlite"
    vault = new_vault(path)
    add_credential(vault.manager, "Mail", category=Category.EMAIL)
    vault.close()
    pp = tmp_path / "pp"
    pp.write_text(MANAGER_PASS + "\n")
    pp.chmod(0o600)
    return ["--vault", str(path), "--user", MANAGER, "--passphrase-file", str(pp)]


def test_add_import_messages_review_and_remind(
    cli: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    left = (date.today() - timedelta(days=3)).isoformat()
    too_early = (date.today() + timedelta(days=100)).isoformat()
    assert (
        main(
            [
                *cli,
                "mailbox",
                "add",
                "gary@clinic.example",
                "--left-on",
                left,
                "--keep-until",
                too_early,
            ]
        )
        == 2
    )
    assert "at least" in capsys.readouterr().err
    assert (
        main(
            [
                *cli,
                "mailbox",
                "add",
                "gary@clinic.example",
                "--name",
                "gary",
                "--left-on",
                left,
                "--credential",
                "Mail",
                "--host",
                "imap.clinic.example",
            ]
        )
        == 0
    )
    assert "Monitoring gary@clinic.example" in capsys.readouterr().out
    mbox = write_mbox(tmp_path / "g.mbox", [message(i) for i in range(14)])
    assert main([*cli, "mailbox", "import", "gary", str(mbox)]) == 0
    assert "Imported 14 messages" in capsys.readouterr().out
    assert main([*cli, "mailbox", "messages", "gary", "--class", "newsletter", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2 and all(r["msg_class"] == "newsletter" for r in rows)
    assert main([*cli, "mailbox", "messages", "gary", "--search", "invoice"]) == 0
    assert "Invoice 1234" in capsys.readouterr().out
    # the first review was due the day after leaving: overdue now
    assert main([*cli, "remind", "--json"]) == 1
    due = json.loads(capsys.readouterr().out)["due"]
    assert any(r["area"] == "mailbox" and r["overdue"] for r in due)
    assert main([*cli, "mailbox", "review", "gary", "--note", "Two invoices found."]) == 0
    out = capsys.readouterr().out
    assert "14 messages since the last review" in out and "Next review due" in out
    assert main([*cli, "mailbox", "list", "--json"]) == 0
    [box] = json.loads(capsys.readouterr().out)
    assert box["messages"] == 14 and not box["overdue"]
    assert main([*cli, "mailbox", "unsubscribe", "gary", str(rows[0]["id"])]) == 0
    assert "https://weekly.example/u?x=1" in capsys.readouterr().out


def test_rules_can_be_listed_and_added(cli: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                *cli,
                "mailbox",
                "rule",
                "add",
                "Lab courier",
                "--class",
                "support",
                "--from",
                "courier\\.example",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main([*cli, "mailbox", "rule", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "Lab courier" in lines[0] and "(practice)" in lines[0]
    assert any("(shipped)" in line for line in lines)

    assert main([*cli, "mailbox", "rule", "remove", "Personal mail"]) == 2
    assert "shipped with itexit" in capsys.readouterr().err
    assert main([*cli, "mailbox", "rule", "remove", "lab courier"]) == 0
    assert "'Lab courier' removed" in capsys.readouterr().out
    assert main([*cli, "mailbox", "rule", "list"]) == 0
    assert "Lab courier" not in capsys.readouterr().out
    assert main([*cli, "mailbox", "rule", "remove", "Lab courier"]) == 2
    assert "no practice mail rule" in capsys.readouterr().err


def test_folders_are_chosen_and_listed(cli: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    left = date.today().isoformat()
    assert main([*cli, "mailbox", "add", "old@clinic.example", "--left-on", left]) == 0
    assert main([*cli, "mailbox", "folders", "old@clinic.example", "INBOX", "Sent"]) == 0
    assert "syncing INBOX, Sent" in capsys.readouterr().out
    assert main([*cli, "mailbox", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["folders"] == ["INBOX", "Sent"]
    assert main([*cli, "mailbox", "folders", "old@clinic.example", " "]) == 2
    assert "at least one folder" in capsys.readouterr().err


def test_sync_without_a_server_is_one_sentence(
    cli: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    left = date.today().isoformat()
    assert main([*cli, "mailbox", "add", "old@clinic.example", "--left-on", left]) == 0
    capsys.readouterr()
    assert main([*cli, "mailbox", "sync", "old@clinic.example"]) == 2
    err = capsys.readouterr().err
    assert "no IMAP server" in err and "Traceback" not in err
