"""`itexit backup`, `restore`, `settings backup-max-age`, `remind` and `export kdbx` in-process:
output, exit codes and one-sentence refusals."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from itexit.cli import main
from itexit.domain.roles import Role
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    LEAVER,
    LEAVER_PASS,
    MANAGER,
    MANAGER_PASS,
    populated,
)

Run = Callable[..., tuple[int, str, str]]
EXPORT_PASS = "lighthouse pebble marmalade crescent 84"


@pytest.fixture
def itexit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    vault = populated(tmp_path / "vault.sqlite")
    vault.manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
    vault.close()
    files = {MANAGER: MANAGER_PASS, CONSULTANT: CONSULTANT_PASS, LEAVER: LEAVER_PASS}
    for name, passphrase in files.items():
        (tmp_path / f"{name}.pp").write_text(passphrase + "\n")

    def run(*args: str, user: str = MANAGER) -> tuple[int, str, str]:
        code = main(
            ["--vault", str(tmp_path / "vault.sqlite"), "--user", user,
             "--passphrase-file", str(tmp_path / f"{user}.pp"), *args]
        )  # fmt: skip
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def one_sentence(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("itexit: "), err
    assert "Traceback" not in err
    return lines[0]


def test_backup_then_restore_on_another_path_and_the_refusals(
    itexit: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = itexit("backup", str(tmp_path / "nightly.itexit-backup"))
    assert code == 0, err
    assert f"Backup written to {tmp_path / 'nightly.itexit-backup'}" in out
    assert "Verified: restored into a temporary place" in out and "off this machine" in out
    assert stat.S_IMODE((tmp_path / "nightly.itexit-backup").stat().st_mode) == 0o600

    code, _, err = itexit("backup", str(tmp_path / "nightly.itexit-backup"))
    assert code == 2 and "already exists" in one_sentence(err)

    code, out, err = itexit("backup", "--json")
    assert code == 0, err
    made = json.loads(out)
    assert Path(made["path"]).parent == tmp_path / "itexit-home" / "backups"
    assert made["manifest"]["made_by"] == MANAGER

    code, _, err = itexit("user", "remove", LEAVER)
    assert code == 0, err

    # Over the live vault: needs --replace, and (older than what this machine saw) a reason.
    code, _, err = itexit("restore", str(tmp_path / "nightly.itexit-backup"))
    assert code == 2 and "older than the vault this workstation last saw" in one_sentence(err)
    code, _, err = itexit("restore", str(tmp_path / "nightly.itexit-backup"), "--reason", "test")
    assert code == 2 and "Give --replace to overwrite it" in one_sentence(err)
    code, out, err = itexit(
        "restore", str(tmp_path / "nightly.itexit-backup"), "--replace", "--reason", "drill"
    )
    assert code == 0, err
    assert "replacing the vault that was there" in out
    assert "your reason is recorded" in out
    assert "opens it with the passphrase they had then: alice, bob, hana, ivan, vic." in out
    assert f"{LEAVER} was removed after this backup was made" in out
    assert f"itexit user remove {LEAVER}" in out

    code, _, err = itexit(
        "restore", str(tmp_path / "nightly.itexit-backup"), "--to", "a", "--db", "sqlite://"
    )
    assert code == 2 and "not both" in one_sentence(err)


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_a_truncated_backup_is_refused_with_one_sentence(
    itexit: Run, tmp_path: Path, cut: float
) -> None:
    backup = tmp_path / "b.itexit-backup"
    assert itexit("backup", str(backup))[0] == 0
    data = backup.read_bytes()
    backup.write_bytes(data[: int(len(data) * cut)])
    code, _, err = itexit("restore", str(backup), "--to", str(tmp_path / "r.sqlite"))
    line = one_sentence(err)
    assert code == 2
    assert line.startswith("itexit: b.itexit-backup cannot be used as a backup: ")
    assert line.endswith("nothing was restored.")
    assert not (tmp_path / "r.sqlite").exists()
    code, _, err = itexit("restore", str(tmp_path / "missing"), "--to", str(tmp_path / "r"))
    assert code == 2 and "There is no backup file" in one_sentence(err)


def test_settings_and_remind_warn_when_the_last_verified_backup_is_too_old(
    itexit: Run, tmp_path: Path, frozen_now: object
) -> None:
    from datetime import timedelta

    assert itexit("backup", str(tmp_path / "b.itexit-backup"))[0] == 0
    code, out, _ = itexit("remind", "--json")
    assert not [r for r in json.loads(out)["due"] if r["area"] == "backups"]
    frozen_now.shift(timedelta(days=9))  # type: ignore[attr-defined]
    code, out, _ = itexit("remind", "--json")
    (row,) = [r for r in json.loads(out)["due"] if r["area"] == "backups"]
    assert row["overdue"] and code == 1
    assert "9 days old" in row["detail"]
    code, out, _ = itexit("remind")
    assert "Make a backup of the vault" in out
    code, _, err = itexit("settings", "backup-max-age", "14", user=CONSULTANT)
    assert code == 3 and "cannot change the practice's settings" in one_sentence(err)
    code, out, err = itexit("settings", "backup-max-age", "14")
    assert code == 0, err
    assert "14 days old" in out
    code, out, _ = itexit("remind", "--json")
    assert not [r for r in json.loads(out)["due"] if r["area"] == "backups"]
    code, _, err = itexit("settings", "backup-max-age", "0")
    assert code == 2 and "from 1 to 365" in one_sentence(err)


def test_export_kdbx_from_the_command_line(itexit: Run, tmp_path: Path) -> None:
    (tmp_path / "new.pp").write_text(EXPORT_PASS + "\n")
    out_file = tmp_path / "leaving.kdbx"
    code, out, err = itexit(
        "export", "kdbx", str(out_file), "--new-passphrase-file", str(tmp_path / "new.pp")
    )
    assert code == 0, err
    assert "Wrote 3 credentials" in out and "KeePassXC opens" in out
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    from itexit.io.importers import ImportKind, parse

    parsed = parse(ImportKind.KEEPASS, out_file.read_bytes(), password=EXPORT_PASS)
    assert sorted(e.system for e in parsed.entries) == ["System0", "System1", "System2"]
    code, _, err = itexit(
        "export", "kdbx", str(tmp_path / "again.kdbx"),
        "--new-passphrase-file", str(tmp_path / f"{MANAGER}.pp"),
    )  # fmt: skip
    assert code == 2 and "not your vault passphrase" in one_sentence(err)
    assert not (tmp_path / "again.kdbx").exists()
