"""`itexit sweep` against a real sshd: exit 1 while something is found, 0 once all is closed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sweephelpers import open_case, ssh_admin

from itexit.cli import main
from servers.sweephosts import SweepSshd
from vaulthelpers import MANAGER, MANAGER_PASS, Vault


def run(vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(MANAGER_PASS + "\n")
    base = ["--vault", str(vault.path), "--user", MANAGER, "--passphrase-file", str(passphrase)]
    code = main([*base, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_sweep_command_finds_closes_and_proves(
    vault: Vault, ssh_host: SweepSshd, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    acc = ssh_host.accounts
    ssh_host.plant_keys(acc.person, acc.person_key.public_line)
    open_case(vault)
    ssh_admin(vault, ssh_host, "File server")
    pub = tmp_path / "gary.pub"
    pub.write_text(acc.person_key.public_line + "\n")
    code, out, err = run(
        vault,
        tmp_path,
        capsys,
        "sweep",
        "person",
        "--account",
        acc.person,
        "--key",
        str(pub),
        "--label",
        "laptop",
    )
    assert code == 0, err
    assert acc.person_key.fingerprint in out and acc.person in out

    code, out, err = run(vault, tmp_path, capsys, "sweep", "--json")
    assert code == 1, err
    data = json.loads(out)
    (host,) = data["hosts"]
    kinds = sorted(f["kind"] for f in host["findings"])
    assert kinds == ["account", "admin_role", "ssh_key"]
    assert acc.admin_password not in out

    code, out, err = run(vault, tmp_path, capsys, "sweep", "--host", "File server")
    assert code == 1
    assert "File server" in out and "To close:" in out and "3 ways in found on 1 host." in out

    key = next(f for f in host["findings"] if f["kind"] == "ssh_key")
    code, out, err = run(vault, tmp_path, capsys, "sweep", "close", key["id"][:8])
    assert code == 2 and "confirm with --yes" in err
    assert acc.person_key.public_line in (ssh_host.base / "keys" / acc.person).read_text()

    for item in host["findings"]:
        code, out, err = run(vault, tmp_path, capsys, "sweep", "close", item["id"], "--yes")
        assert code == 0, err
        assert "Proven closed" in out
    code, out, err = run(vault, tmp_path, capsys, "sweep")
    assert code == 0 and "Nothing found" in out
    code, out, err = run(vault, tmp_path, capsys, "sweep", "findings", "--status", "closed")
    assert code == 0 and out.count("[closed]") == 3

    code, out, err = run(vault, tmp_path, capsys, "sweep", "--host", "nowhere.example")
    assert code == 2 and "No admin account is marked for 'nowhere.example'" in err
    assert "Traceback" not in err
