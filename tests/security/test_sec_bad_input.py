"""Failures outside itexit's control get one sentence that says what happened and what to do:
a read-only vault, a disk filling during an import, a clean-up failing after a removal."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from itexit.cli import main
from itexit.domain.errors import BadInput
from itexit.domain.roles import Role
from itexit.store import engine as store_engine
from vaulthelpers import LEAVER, LEAVER_PASS, MANAGER, MANAGER_PASS, Vault, new_vault


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    v = new_vault(tmp_path / "v.sqlite")
    v.manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
    v.manager.lock()
    v.gw.store.engine.dispose()
    (tmp_path / "alice.pp").write_text(MANAGER_PASS + "\n")
    (tmp_path / "alice.pp").chmod(0o600)
    yield v
    v.close()


def _cli(
    vault: Vault, tmp_path: Path, *args: str, fsize: int | None = None
) -> tuple[int, str, str]:
    def limit() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    path = vault if isinstance(vault, Path) else vault.path
    login = ["--user", MANAGER, "--passphrase-file", str(tmp_path / "alice.pp")]
    done = subprocess.run(
        [sys.executable, "-m", "itexit", "--vault", str(path), *login, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "ITEXIT_KDF_PROFILE": "test"},
        stdin=subprocess.DEVNULL,
        timeout=120,
        preexec_fn=limit,
    )
    return done.returncode, done.stdout, done.stderr


def test_a_read_only_vault_is_one_sentence(vault: Vault, tmp_path: Path) -> None:
    path = str(vault.path)
    mounted = subprocess.run(["mount", "--bind", path, path], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("a read-only bind mount needs root")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", path], check=True)
        code, _, err = _cli(vault, tmp_path, "cred", "list")
        assert code == 2
        assert "cannot be written here" in err and "unexpected" not in err, err
        assert err.count("\n") == 1
        # checking the record needs no writing, and still works
        code, out, err = _cli(vault, tmp_path, "audit", "verify")
        assert code == 0 and "intact" in out, err
    finally:
        subprocess.run(["umount", path], check=True)
    # the whole disk read-only: SQLite cannot even open the file for its log
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)], check=True)
    try:
        copy = disk / "v.sqlite"
        copy.write_bytes(Path(path).read_bytes())
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        code, _, err = _cli(copy, tmp_path, "cred", "list")
        assert code == 2 and "cannot be written here" in err, err
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_disk_filling_during_an_import_changes_nothing(vault: Vault, tmp_path: Path) -> None:
    big = tmp_path / "export.csv"
    rows = "".join(
        f",,login,System {n:05},{'long note ' * 40},,0,https://s{n}.example,user{n},pw-{n},\n"
        for n in range(3000)
    )
    big.write_text(
        "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,"
        "login_password,login_totp\n" + rows
    )
    before = vault.scalar("SELECT count(*) FROM credentials")
    size = os.path.getsize(str(vault.path))
    code, _, err = _cli(
        vault, tmp_path, "import", "bitwarden-csv", str(big), fsize=size + 256 * 1024
    )
    assert code == 2, err
    assert "disk holding the vault is full" in err and "unexpected" not in err, err
    assert vault.scalar("SELECT count(*) FROM credentials") == before
    code, out, err = _cli(vault, tmp_path, "audit", "verify")
    assert code == 0 and "intact" in out, err


def test_a_removal_whose_clean_up_fails_says_what_was_done(
    vault: Vault,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def full_disk(_engine: object) -> None:
        raise OperationalError("VACUUM", {}, Exception("database or disk is full"))

    monkeypatch.setattr(store_engine, "checkpoint_and_vacuum", full_disk)
    base = ["--vault", str(vault.path), "--user", MANAGER]
    base += ["--passphrase-file", str(tmp_path / "alice.pp")]
    assert main([*base, "user", "remove", LEAVER]) == 1
    out, err = capsys.readouterr()
    assert f"Removed {LEAVER}. The vault's keys were changed" in out
    assert "did not finish (database or disk is full)" in err
    assert "nothing was half-written" not in err and "unexpected" not in err
    assert vault.epoch() == 2
    assert vault.scalar("SELECT status FROM users WHERE name = :n", n=LEAVER) == "removed"
    # running it again finishes the clean-up
    monkeypatch.undo()
    session = vault.unlock(MANAGER, MANAGER_PASS)
    with pytest.raises(BadInput, match="already removed; the clean-up of the vault file"):
        session.remove_user(LEAVER)
    assert session.verify_audit().ok
