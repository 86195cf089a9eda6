"""itexit sets the new secret itself on real servers on 127.0.0.1, then proves the old one dead.

Every kind of system (PostgreSQL, MariaDB, OpenLDAP, Linux over SSH) is changed both by the
account itself and with a linked admin credential; the new secret is then tested by the
system's verifier and the old one must be refused before the credential counts as rotated.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import psycopg
import pymysql
import pytest
from changer_systems import KINDS, Account

from itexit import verifiers
from itexit.changers.mariadb import native_hash
from itexit.domain.changing import AutoStep, ChangeMethod
from itexit.domain.credentials import CredentialStatus, SecretStage
from itexit.domain.errors import BadInput
from itexit.domain.verify import Endpoint, TlsMode
from itexit.services.credentials.changing import ChangingService
from vaulthelpers import Vault

S = CredentialStatus


def endpoint(account: Account) -> Endpoint:
    cred = account.credential
    options = dict(cred.endpoint_options)
    return Endpoint(
        host=cred.host,
        port=cred.port,
        tls=TlsMode(cred.tls),
        ca_file=options.pop("ca_file", None),
        path=cred.path,
        options=options,
    )


def works(account: Account, secret: str) -> str:
    """What the system's own verifier says of ``secret`` now: accepted or rejected."""
    kind = account.kind
    return verifiers.verify(kind, endpoint(account), account.username, secret, 10).outcome.value


def add(vault: Vault, account: Account) -> str:
    return vault.manager.credentials.add(account.credential).id


@pytest.mark.parametrize("kind", KINDS)
def test_self_change_end_to_end(
    vault: Vault, make_account: Callable[..., Account], kind: str
) -> None:
    account = make_account(kind)
    old = account.credential.secret.get_secret_value()
    creds = vault.manager.credentials
    cid = add(vault, account)
    service = ChangingService(vault.manager.ctx)
    service.set_method(cid, ChangeMethod.SELF)
    steps: list[AutoStep] = []

    result = service.auto_rotate(cid, on_step=steps.append)

    assert result.done, result.sentence
    assert result.status is S.LOCKED_OUT and not result.needs_person
    assert steps == [AutoStep.SAVE, AutoStep.SET, AutoStep.TEST_NEW, AutoStep.TEST_OLD]
    new = creds.reveal(cid)
    assert new != old and creds.reveal(cid, "previous") == old
    assert works(account, new) == "accepted"
    assert works(account, old) == "rejected"
    history = [(h.kind, h.outcome, h.status_after) for h in creds.history(cid)]
    assert history[-4:] == [
        ("rotate_start", "saved", "rotation_pending"),
        ("rotate_set", "changed", "rotation_pending"),
        ("rotate_confirm", "accepted", "rotated"),
        ("verify_old", "rejected", "locked_out"),
    ]
    for entry in creds.history(cid):
        assert new not in entry.detail and old not in entry.detail
    assert new not in result.sentence and old not in result.sentence
    assert vault.manager.verify_audit().ok
    audit = vault.rows("SELECT action, details FROM audit_events ORDER BY seq")
    assert "cred.rotate.set" in [a for a, _ in audit]
    assert all(new not in d and old not in d for _, d in audit)

    # A second run finds nothing to do and changes nothing.
    again = service.auto_rotate(cid)
    assert again.done and creds.reveal(cid) == new


@pytest.mark.parametrize("kind", KINDS)
def test_admin_change_is_audited_as_a_use_of_the_admin_credential(
    vault: Vault, make_account: Callable[..., Account], kind: str
) -> None:
    admin = make_account(kind, admin=True)
    account = make_account(kind)
    old = account.credential.secret.get_secret_value()
    admin_id = add(vault, admin)
    cid = add(vault, account)
    service = ChangingService(vault.manager.ctx)
    service.set_method(cid, ChangeMethod.ADMIN, admin_id)
    assert service.method(cid) == (ChangeMethod.ADMIN, admin_id)

    result = service.auto_rotate(cid)

    assert result.done, result.sentence
    new = vault.manager.credentials.reveal(cid)
    assert works(account, new) == "accepted" and works(account, old) == "rejected"
    uses = vault.rows(
        "SELECT target, details FROM audit_events WHERE action = 'cred.use' ORDER BY seq"
    )
    assert len(uses) == 1
    details = json.loads(uses[0][1])
    assert details["credential_id"] == admin_id and details["for_credential"] == cid
    # The admin's own secret is untouched.
    admin_secret = admin.credential.secret.get_secret_value()
    assert vault.manager.credentials.reveal(admin_id) == admin_secret


def test_mariadb_admin_change_reaches_every_host_variant(
    vault: Vault, make_account: Callable[..., Account], mariadb_server: object
) -> None:
    admin = make_account("mariadb", admin=True)
    account = make_account("mariadb")
    admin_id, cid = add(vault, admin), add(vault, account)
    service = ChangingService(vault.manager.ctx)
    service.set_method(cid, ChangeMethod.ADMIN, admin_id)
    assert service.auto_rotate(cid).done
    new = vault.manager.credentials.reveal(cid)
    hashes = mariadb_server.execute(  # type: ignore[attr-defined]
        "SELECT Host, Password FROM mysql.user WHERE User = %s ORDER BY Host",
        (account.username,),
    )
    assert hashes == [("%", native_hash(new)), ("localhost", native_hash(new))]


def test_a_person_method_keeps_the_manual_path(
    vault: Vault, make_account: Callable[..., Account]
) -> None:
    account = make_account("mariadb")
    cid = add(vault, account)
    result = ChangingService(vault.manager.ctx).auto_rotate(cid)
    assert not result.done and result.needs_person
    assert "changed by a person" in result.sentence
    detail = vault.manager.credentials.detail(cid)
    assert detail.summary.status is S.UNVERIFIED and not detail.has_pending


def test_a_system_without_a_changer_cannot_be_set_to_change_itself(vault: Vault) -> None:
    from pydantic import SecretStr

    from itexit.domain.credentials import NewCredential

    cid = vault.manager.credentials.add(
        NewCredential(system="Mail", host="127.0.0.1", verifier="imap", secret=SecretStr("x1"))
    ).id
    with pytest.raises(BadInput, match="stays with a person"):
        ChangingService(vault.manager.ctx).set_method(cid, ChangeMethod.SELF)


def test_a_refused_new_secret_promotes_nothing(
    vault: Vault, make_account: Callable[..., Account], mariadb_server: object
) -> None:
    """MariaDB with a password-quality plugin refuses the new secret: one sentence, and the
    credential keeps its working secret with no pending one left behind."""
    account = make_account("mariadb")
    old = account.credential.secret.get_secret_value()
    cid = add(vault, account)
    service = ChangingService(vault.manager.ctx)
    service.set_method(cid, ChangeMethod.SELF)
    server = mariadb_server
    server.execute("INSTALL SONAME 'simple_password_check'")  # type: ignore[attr-defined]
    try:
        result = service.auto_rotate(cid)
    finally:
        server.execute("UNINSTALL SONAME 'simple_password_check'")  # type: ignore[attr-defined]
    assert not result.done and result.reached is AutoStep.SET
    assert "refused the new secret" in result.sentence and "nothing was changed" in result.sentence
    assert result.sentence.count(". ") == 0  # one sentence
    detail = vault.manager.credentials.detail(cid)
    assert detail.summary.status is S.VERIFIED and not detail.has_pending
    assert vault.manager.credentials.reveal(cid) == old
    assert works(account, old) == "accepted"
    last = vault.manager.credentials.history(cid)[-1]
    assert (last.kind, last.outcome) == ("rotate_set", "refused")


def test_no_stored_secret_logs_in_leaves_the_pending_secret_saved(
    vault: Vault, make_account: Callable[..., Account]
) -> None:
    account = make_account("postgresql")
    cid = add(vault, account)
    account.reset("Changed-by-someone-else-1!")
    service = ChangingService(vault.manager.ctx)
    service.set_method(cid, ChangeMethod.SELF)
    result = service.auto_rotate(cid)
    assert not result.done and result.reached is AutoStep.SET
    assert "refused every stored secret" in result.sentence
    detail = vault.manager.credentials.detail(cid)
    assert detail.summary.status is S.ROTATION_PENDING and detail.has_pending


def test_postgresql_ends_the_roles_other_sessions_and_never_logs_the_password(
    vault: Vault, make_account: Callable[..., Account], pg_login_server: object
) -> None:
    server = pg_login_server
    with server.server.connect() as conn:  # type: ignore[attr-defined]
        conn.execute("ALTER SYSTEM SET log_statement = 'all'")
        conn.execute("SELECT pg_reload_conf()")
    try:
        account = make_account("postgresql")
        old = account.credential.secret.get_secret_value()
        cid = add(vault, account)
        other = psycopg.connect(
            host="127.0.0.1",
            port=server.port,  # type: ignore[attr-defined]
            user=account.username,
            password=old,
            dbname="postgres",
            sslmode="disable",
            autocommit=True,
        )
        service = ChangingService(vault.manager.ctx)
        service.set_method(cid, ChangeMethod.SELF)
        assert service.auto_rotate(cid).done
        with pytest.raises(psycopg.OperationalError):
            other.execute("SELECT 1")  # the open session was ended
        other.close()
        new = vault.manager.credentials.reveal(cid)
        log = Path(server.server.logfile).read_text(errors="replace")  # type: ignore[attr-defined]
        assert "ALTER ROLE" in log and "SCRAM-SHA-256$4096:" in log  # statements were logged
        assert new not in log  # (the old one is there: the test set it in the clear)
    finally:
        with server.server.connect() as conn:  # type: ignore[attr-defined]
            conn.execute("ALTER SYSTEM RESET log_statement")
            conn.execute("SELECT pg_reload_conf()")


def test_mariadb_ends_the_accounts_other_sessions_and_never_logs_the_password(
    vault: Vault, make_account: Callable[..., Account], mariadb_server: object
) -> None:
    server = mariadb_server
    log = Path(server.base) / "general.log"  # type: ignore[attr-defined]
    server.execute("SET GLOBAL general_log_file = %s", (str(log),))  # type: ignore[attr-defined]
    server.execute("SET GLOBAL general_log = ON")  # type: ignore[attr-defined]
    try:
        account = make_account("mariadb")
        old = account.credential.secret.get_secret_value()
        cid = add(vault, account)
        other = pymysql.connect(
            host="127.0.0.1",
            port=server.port,  # type: ignore[attr-defined]
            user=account.username,
            password=old,
        )
        service = ChangingService(vault.manager.ctx)
        service.set_method(cid, ChangeMethod.SELF)
        assert service.auto_rotate(cid).done
        with pytest.raises(pymysql.err.OperationalError), other.cursor() as cur:
            cur.execute("SELECT 1")
        new = vault.manager.credentials.reveal(cid)
        text = log.read_text(errors="replace")
        assert "SET PASSWORD" in text  # the statement was logged …
        assert new not in text  # … without the new password in it
    finally:
        server.execute("SET GLOBAL general_log = OFF")  # type: ignore[attr-defined]


def test_an_ssh_server_with_another_host_key_gets_no_password(
    vault: Vault, make_account: Callable[..., Account]
) -> None:
    account = make_account("ssh")
    account.credential.endpoint_options["host_key"] = "SHA256:" + "A" * 43
    cid = add(vault, account)
    service = ChangingService(vault.manager.ctx)
    service.set_method(cid, ChangeMethod.SELF)
    result = service.auto_rotate(cid)
    assert not result.done and "impostor" in result.sentence
    assert vault.manager.credentials.detail(cid).summary.status is S.ROTATION_PENDING
    account.credential.endpoint_options["host_key"] = account.server.host_key_fingerprint
    assert works(account, account.credential.secret.get_secret_value()) == "accepted"


def test_the_pending_secret_is_committed_before_it_is_sent(
    vault: Vault, make_account: Callable[..., Account]
) -> None:
    """When the set step begins, the secret it will send is already in the vault as pending."""
    account = make_account("ldap")
    cid = add(vault, account)
    service = ChangingService(vault.manager.ctx)
    service.set_method(cid, ChangeMethod.SELF)
    seen: dict[str, str] = {}

    def on_step(step: AutoStep) -> None:
        if step is AutoStep.SET:
            seen["pending"] = vault.manager.credentials.reveal(cid, "pending")

    assert service.auto_rotate(cid, on_step=on_step).done
    assert seen["pending"] == vault.manager.credentials.reveal(cid)
    assert vault.manager.credentials.detail(cid).has_previous
    assert SecretStage.PENDING.value not in {
        r[0]
        for r in vault.rows("SELECT stage FROM secret_versions WHERE credential_id = :c", c=cid)
    }


def test_the_credentials_password_policy_is_respected(
    vault: Vault, make_account: Callable[..., Account]
) -> None:
    from itexit.domain.credentials import PasswordPolicy

    account = make_account("ldap")
    account.credential.policy = PasswordPolicy(length=40, symbols=False)
    cid = add(vault, account)
    service = ChangingService(vault.manager.ctx)
    service.set_method(cid, ChangeMethod.SELF)
    assert service.auto_rotate(cid).done
    new = vault.manager.credentials.reveal(cid)
    assert len(new) == 40 and new.isalnum()
    assert works(account, new) == "accepted"
