"""A directory with a password policy (OpenLDAP ``ppolicy``) refuses a new secret that is too
short: itexit reports the refusal in one sentence and promotes nothing; a policy that fits goes
through."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from changer_systems import make_ldap, password
from test_auto_rotation import add, works

from itexit.domain.changing import AutoStep, ChangeMethod
from itexit.domain.credentials import CredentialStatus, PasswordPolicy
from itexit.services.credentials.changing import ChangingService
from servers.certs import TestCA
from servers.common import serve, started
from servers.slapd import SLAPD_MISSING, SUFFIX, SlapdServer, SlapdUnavailable
from vaulthelpers import Vault

POLICY_DN = f"cn=default,ou=policies,{SUFFIX}"
MIN_LENGTH = 30


class PolicySlapd(SlapdServer):
    """slapd with the ppolicy overlay: at least 30 characters, checked on every change."""

    def _write_config(self, schema: Path) -> None:
        super()._write_config(schema)
        config = self.base / "slapd.conf"
        text = config.read_text()
        text = text.replace("moduleload back_mdb\n", "moduleload back_mdb\nmoduleload ppolicy\n")
        overlay = f'overlay ppolicy\nppolicy_default "{POLICY_DN}"\n'
        # an overlay belongs to the database above it: the directory's, not the monitor's
        if "database monitor" in text:
            text = text.replace("database monitor", overlay + "\ndatabase monitor", 1)
        else:
            text += overlay
        config.write_text(text)

    def _seed(self) -> None:
        super()._seed()
        with self._admin() as conn:
            conn.add(f"ou=policies,{SUFFIX}", ["organizationalUnit"], {"ou": "policies"})
            ok = conn.add(
                POLICY_DN,
                ["pwdPolicy", "person"],
                {
                    "cn": "default",
                    "sn": "default",
                    "pwdAttribute": "userPassword",
                    "pwdMinLength": str(MIN_LENGTH),
                    "pwdCheckQuality": "2",
                    "pwdInHistory": "3",
                },
            )
            assert ok, conn.result


@pytest.fixture(scope="module")
def policy_slapd(tls_ca: TestCA) -> Iterator[SlapdServer]:
    yield from serve(
        started(lambda: PolicySlapd.start(tls_ca), SlapdUnavailable, [SLAPD_MISSING], "slapd")
    )


def test_a_too_short_secret_is_refused_and_nothing_is_promoted(
    vault: Vault, policy_slapd: SlapdServer
) -> None:
    old = password() + "-long-enough-for-the-policy"
    account = make_ldap(policy_slapd, old)
    account.credential.policy = PasswordPolicy(length=20)
    cid = add(vault, account)
    service = ChangingService(vault.manager.ctx)
    service.set_method(cid, ChangeMethod.SELF)

    refused = service.auto_rotate(cid)

    assert not refused.done and refused.reached is AutoStep.SET
    assert "refused the new secret" in refused.sentence
    assert "(the password is too short)" in refused.sentence
    detail = vault.manager.credentials.detail(cid)
    assert detail.summary.status is CredentialStatus.VERIFIED and not detail.has_pending
    assert vault.manager.credentials.reveal(cid) == old and works(account, old) == "accepted"

    vault.manager.credentials.set_policy(cid, PasswordPolicy(length=MIN_LENGTH + 2))
    passed = service.auto_rotate(cid)
    assert passed.done, passed.sentence
    assert works(account, old) == "rejected"

    # Putting a used password back is refused too (the directory keeps a history).
    from pydantic import SecretStr

    current = vault.manager.credentials.reveal(cid)
    vault.manager.credentials.start_rotation(cid, secret=SecretStr(old))
    again = service.auto_rotate(cid)
    assert not again.done and "(the password was used before" in again.sentence
    assert vault.manager.credentials.reveal(cid) == current
    detail = vault.manager.credentials.detail(cid)
    assert not detail.has_pending and detail.summary.status is CredentialStatus.LOCKED_OUT
    assert works(account, current) == "accepted" and works(account, old) == "rejected"
