"""Rotation against real servers on 127.0.0.1: the new secret proven to work, the old one dead.

The servers (Dovecot, OpenSSH) are started by the tests themselves; their passwords are changed
on the server between the steps, exactly as a consultant would on the real system.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from itexit.cli import main
from itexit.domain.credentials import Category, CredentialStatus, NewCredential, PasswordPolicy
from itexit.domain.credentials import SecretStage as Stage
from servers.common import closed_port
from vaulthelpers import MANAGER, MANAGER_PASS, Vault, new_vault

S = CredentialStatus


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    v = new_vault(db_url)
    yield v
    v.close()


def imap_credential(
    server: Any, name: str, password: str, *, port: int | None = None
) -> NewCredential:
    return NewCredential(
        system="Practice mail (IMAP)",
        host=server.host,
        port=port or server.imaps_port,
        category=Category.EMAIL,
        username=name,
        secret=SecretStr(password),
        known_to_departing=True,
        verifier="imap",
        tls="tls",
        endpoint_options={"ca_file": server.ca_file},
        # The test server's user file cannot hold ':'; a practice's mail server has no such limit.
        policy=PasswordPolicy(length=24, symbols=False),
    )


def test_imap_rotation_against_dovecot(
    vault: Vault, dovecot_server: Any, imap_user: tuple[str, str]
) -> None:
    name, old = imap_user
    creds = vault.manager.credentials
    cid = creds.add(imap_credential(dovecot_server, name, old)).id

    checked = creds.verify(cid)
    assert checked.ok and checked.outcome == "accepted"
    assert checked.summary.status is S.VERIFIED and checked.summary.last_verified is not None

    started = creds.start_rotation(cid)
    new = started.secret.get_secret_value()
    assert started.summary.status is S.ROTATION_PENDING
    assert creds.reveal(cid, "pending") == new  # committed before it was shown

    # Confirmed before the password was changed on the server: Dovecot refuses it; nothing moves.
    early = creds.confirm_rotation(cid)
    assert not early.ok and early.outcome == "rejected"
    assert early.summary.status is S.ROTATION_PENDING
    assert "set it there, then confirm again" in early.guidance
    assert creds.reveal(cid) == old and creds.reveal(cid, "pending") == new

    dovecot_server.set_password(name, new)
    confirmed = creds.confirm_rotation(cid)
    assert confirmed.ok and confirmed.outcome == "accepted"
    assert confirmed.summary.status is S.ROTATED
    assert creds.reveal(cid) == new and creds.reveal(cid, "previous") == old

    dead = creds.verify(cid, old=True)
    assert dead.ok and dead.outcome == "rejected" and dead.stage == Stage.PREVIOUS.value
    assert dead.summary.status is S.LOCKED_OUT and dead.summary.locked_out_at is not None
    assert "dead" in dead.guidance
    for text in (checked.detail, early.detail, confirmed.detail, dead.detail):
        assert old not in text and new not in text

    kinds = [(h.kind, h.outcome, h.status_after) for h in creds.history(cid)]
    assert kinds == [
        ("added", "saved", "unverified"),
        ("verify", "accepted", "verified"),
        ("rotate_start", "saved", "rotation_pending"),
        ("rotate_confirm", "rejected", "rotation_pending"),
        ("rotate_confirm", "accepted", "rotated"),
        ("verify_old", "rejected", "locked_out"),
    ]


def test_old_secret_still_working_does_not_lock_out(
    vault: Vault, dovecot_server: Any, imap_user: tuple[str, str]
) -> None:
    """If the system still takes the old password, the credential is not proven locked out."""
    name, old = imap_user
    creds = vault.manager.credentials
    cid = creds.add(imap_credential(dovecot_server, name, old)).id
    new = creds.start_rotation(cid).secret.get_secret_value()
    # Attested by hand (the person changed it somewhere else), but the server still takes `old`.
    assert creds.confirm_rotation(cid, attest="logged in with it at the webmail").ok
    still = creds.verify(cid, old=True)
    assert not still.ok and still.outcome == "accepted"
    assert still.summary.status is S.ROTATED
    assert "STILL WORKS" in still.guidance
    assert new not in still.detail


def test_unreachable_server_changes_nothing(
    vault: Vault, dovecot_server: Any, imap_user: tuple[str, str]
) -> None:
    name, old = imap_user
    creds = vault.manager.credentials
    creds.timeout = 3.0
    cid = creds.add(imap_credential(dovecot_server, name, old, port=closed_port())).id
    first = creds.verify(cid)
    assert not first.ok and first.outcome == "unreachable"
    assert first.summary.status is S.UNVERIFIED and first.summary.last_verified is None

    new = creds.start_rotation(cid).secret.get_secret_value()
    version = creds.detail(cid).summary.version
    confirm = creds.confirm_rotation(cid)
    assert not confirm.ok and confirm.outcome == "unreachable"
    assert confirm.summary.status is S.ROTATION_PENDING
    assert "stays pending" in confirm.guidance
    assert creds.reveal(cid, "pending") == new and creds.reveal(cid) == old

    resumed = creds.reconcile(cid)
    assert not resumed.ok and "nothing was changed" in resumed.guidance
    after = creds.detail(cid)
    assert after.summary.status is S.ROTATION_PENDING and after.has_pending
    assert creds.reveal(cid, "pending") == new
    assert after.summary.version >= version


def test_ssh_rotation_with_a_pinned_host_key(
    vault: Vault, sshd_server: Any, ssh_login: tuple[str, str]
) -> None:
    name, old = ssh_login
    creds = vault.manager.credentials
    cid = creds.add(
        NewCredential(
            system="Server room file server (SSH)",
            host=sshd_server.host,
            port=sshd_server.port,
            category=Category.SERVER,
            username=name,
            secret=SecretStr(old),
            known_to_departing=True,
            verifier="ssh",
            endpoint_options={"host_key": sshd_server.host_key_fingerprint},
            policy=PasswordPolicy(passphrase_words=6),  # chpasswd cannot take ':'
        )
    ).id
    assert creds.verify(cid).summary.status is S.VERIFIED
    new = creds.start_rotation(cid).secret.get_secret_value()
    assert creds.confirm_rotation(cid).summary.status is S.ROTATION_PENDING
    sshd_server.set_password(new)
    assert creds.confirm_rotation(cid).summary.status is S.ROTATED
    dead = creds.verify(cid, old=True)
    assert dead.outcome == "rejected" and dead.summary.status is S.LOCKED_OUT


def test_ssh_without_a_pinned_host_key_sends_nothing_and_changes_nothing(
    vault: Vault, sshd_server: Any, ssh_login: tuple[str, str]
) -> None:
    name, password = ssh_login
    creds = vault.manager.credentials
    cid = creds.add(
        NewCredential(
            system="Unpinned SSH",
            host=sshd_server.host,
            port=sshd_server.port,
            username=name,
            secret=SecretStr(password),
            verifier="ssh",
        )
    ).id
    result = creds.verify(cid)
    assert result.outcome == "error" and result.summary.status is S.UNVERIFIED
    assert sshd_server.host_key_fingerprint.removeprefix("SHA256:") in result.detail


# --- the same through the command line, in a separate process --------------------------------


def itexit(base: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "itexit", *base, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        check=False,
    )


def run_main(base: list[str], *args: str) -> tuple[int, str]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main([*base, *args])
    return code, buffer.getvalue()


def test_imap_rotation_through_the_command_line(
    tmp_path: Path, dovecot_server: Any, imap_user: tuple[str, str]
) -> None:
    """Each step a separate `itexit` process where it matters: the pending secret, the promotion
    and the proof that the old one is dead survive between processes."""
    name, old = imap_user
    path = tmp_path / "cli.sqlite"
    new_vault(path).close()
    pass_file = tmp_path / "pass"
    pass_file.write_text(MANAGER_PASS + "\n")
    pass_file.chmod(0o600)
    secret_file = tmp_path / "secret"
    secret_file.write_text(old + "\n")
    base = ["--vault", str(path), "--user", MANAGER, "--passphrase-file", str(pass_file)]
    username_file = tmp_path / "username"
    username_file.write_text(name + "\n")

    code, out = run_main(
        base,
        "cred",
        "add",
        "Practice mail",
        "--host",
        dovecot_server.host,
        "--port",
        str(dovecot_server.imaps_port),
        "--username-file",
        str(username_file),
        "--category",
        "email",
        "--verifier",
        "imap",
        "--ca-file",
        dovecot_server.ca_file,
        "--known-to-departing",
        "--secret-file",
        str(secret_file),
        "--json",
    )
    assert code == 0
    cid = json.loads(out)["id"]
    code, out = run_main(base, "cred", "verify", cid, "--json")
    assert code == 0 and json.loads(out)["status"] == "verified"

    started = itexit(base, "cred", "rotate", "start", cid, "--no-symbols")
    assert started.returncode == 0, started.stderr
    code, new = run_main(base, "cred", "show", cid, "--field", "pending")
    new = new.strip()
    assert code == 0 and new and f"\n    {new}\n" in started.stdout

    early = itexit(base, "cred", "rotate", "confirm", cid)
    assert early.returncode == 1
    assert "set it there, then confirm again" in early.stdout
    assert "Status: pending." in early.stdout
    assert early.stderr == ""

    dovecot_server.set_password(name, new)
    code, out = run_main(base, "cred", "rotate", "confirm", cid, "--json")
    assert code == 0 and json.loads(out)["status"] == "rotated"

    dead = itexit(base, "cred", "verify", cid, "--old", "--json")
    assert dead.returncode == 0, dead.stdout + dead.stderr
    result = json.loads(dead.stdout)
    assert (result["outcome"], result["status"]) == ("rejected", "locked_out")
    for run in (started, early, dead):
        assert old not in run.stdout + run.stderr
