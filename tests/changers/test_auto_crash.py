"""A SIGKILL between any two steps of a rotation itexit carries out leaves a state the next run
finishes from, with nothing lost: tested for each kind of system, at each point."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from changer_systems import KINDS, Account
from test_auto_rotation import add, works

from itexit.domain.changing import ChangeMethod
from itexit.domain.credentials import CredentialStatus
from itexit.domain.credentials import SecretStage as Stage
from itexit.services.credentials.changing import ChangingService
from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation
from vaulthelpers import MANAGER, MANAGER_PASS, Vault

HERE = Path(__file__).parent
S = CredentialStatus

POINTS = ("before_set", "after_set", "inside_confirm", "before_test_old", "inside_verify_old")


def killed(path: Path, cred_id: str, point: str) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [
            sys.executable,
            str(HERE / "auto_crash_step.py"),
            str(path),
            MANAGER,
            MANAGER_PASS,
            cred_id,
            point,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stdout + done.stderr


def reopen(path: Path) -> tuple[Gateway, ChangingService]:
    gw = Gateway.open(VaultLocation(path=path))
    return gw, ChangingService(gw.unlock(MANAGER, MANAGER_PASS).ctx)


@pytest.mark.parametrize("kind", KINDS)
def test_a_kill_at_every_step_resumes_to_a_proven_rotation(
    vault: Vault, make_account: Callable[..., Account], kind: str
) -> None:
    path = vault.path
    assert path is not None
    accounts = {point: make_account(kind) for point in POINTS}
    ids = {point: add(vault, a) for point, a in accounts.items()}
    service = ChangingService(vault.manager.ctx)
    for cid in ids.values():
        service.set_method(cid, ChangeMethod.SELF)
    vault.close()

    for point in POINTS:
        account, cid = accounts[point], ids[point]
        old = account.credential.secret.get_secret_value()
        killed(path, cid, point)
        gw, service = reopen(path)
        try:
            creds_status = service._status(cid)
            expected = {
                "before_set": S.ROTATION_PENDING,
                "after_set": S.ROTATION_PENDING,
                "inside_confirm": S.ROTATION_PENDING,
                "before_test_old": S.ROTATED,
                "inside_verify_old": S.ROTATED,
            }[point]
            assert creds_status is expected, point
            with service.ctx.reading() as session:
                from itexit.domain.credentials import SecretStage
                from itexit.services.credentials.records import secret_row

                stage = (
                    SecretStage.PENDING if expected is S.ROTATION_PENDING else SecretStage.CURRENT
                )
                row = secret_row(session, cid, stage)
                assert row is not None, point
                saved = str(service.ctx.unseal(row)["secret"])
            if point == "before_set":
                assert works(account, old) == "accepted" and works(account, saved) == "rejected"
            if point in ("after_set", "inside_confirm", "before_test_old"):
                assert works(account, saved) == "accepted", point  # the system has it: kept

            resumed = service.auto_rotate(cid)

            assert resumed.done, (point, resumed.sentence)
            assert resumed.status is S.LOCKED_OUT
            with service.ctx.reading() as session:
                current = secret_row(session, cid, Stage.CURRENT)
                assert current is not None
                new = str(service.ctx.unseal(current)["secret"])
            assert new == saved, point  # the secret saved before the crash is the one in use
            assert works(account, new) == "accepted" and works(account, old) == "rejected"
        finally:
            gw.close()
    gw = Gateway.open(VaultLocation(path=path))
    try:
        assert gw.verify_audit().ok
    finally:
        gw.close()
