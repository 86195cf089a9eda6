"""A crash between any two rotation steps never loses the pending secret; resume finds it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from credfakes import FakeServer
from pydantic import SecretStr

from itexit.domain.credentials import CredentialStatus, NewCredential
from vaulthelpers import MANAGER, MANAGER_PASS, new_vault

HERE = Path(__file__).parent
OLD = "old-secret-before-crash"


def crash(path: Path, cred_id: str, step: str, server_password: str) -> str:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [
            sys.executable,
            str(HERE / "crash_step.py"),
            str(path),
            MANAGER,
            MANAGER_PASS,
            cred_id,
            step,
            server_password,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    return done.stdout.strip()


def test_crash_after_each_step_then_resume(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    vault = new_vault(path)
    cid = vault.manager.credentials.add(
        NewCredential(
            system="Mail",
            host="mail.test",
            secret=SecretStr(OLD),
            verifier="imap",
            known_to_departing=True,
        )
    ).id
    vault.close()

    # 1. killed right after the pending secret was committed (before it was set anywhere)
    pending = crash(path, cid, "after_start", OLD)
    assert pending
    vault = new_vault_reopen(path)
    creds = vault.manager.credentials
    assert creds.detail(cid).summary.status is CredentialStatus.ROTATION_PENDING
    assert creds.reveal(cid, "pending") == pending
    vault.close()

    # 2. killed inside the confirm transaction: nothing promoted, the pending secret intact
    crash(path, cid, "inside_confirm", pending)
    vault = new_vault_reopen(path)
    creds = vault.manager.credentials
    assert creds.detail(cid).summary.status is CredentialStatus.ROTATION_PENDING
    assert creds.reveal(cid, "pending") == pending and creds.reveal(cid) == OLD
    server = FakeServer(password=pending)  # it had been set on the system
    creds.verifiers = server.lookup
    resumed = creds.reconcile(cid)
    assert resumed.summary.status is CredentialStatus.ROTATED and creds.reveal(cid) == pending
    vault.close()

    # 3. killed inside the proof that the old secret fails: still rotated, proof can be redone
    crash(path, cid, "inside_verify_old", pending)
    vault = new_vault_reopen(path)
    creds = vault.manager.credentials
    creds.verifiers = server.lookup
    assert creds.detail(cid).summary.status is CredentialStatus.ROTATED
    assert creds.verify(cid, old=True).summary.status is CredentialStatus.LOCKED_OUT
    assert vault.manager.verify_audit().ok
    vault.close()


def new_vault_reopen(path: Path):  # type: ignore[no-untyped-def]
    from itexit.services.gateway import Gateway
    from itexit.services.location import VaultLocation
    from vaulthelpers import Vault

    location = VaultLocation(path=path)
    gw = Gateway.open(location)
    return Vault(gw, gw.unlock(MANAGER, MANAGER_PASS), "", location)
