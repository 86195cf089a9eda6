"""Live sessions the person still holds: IMAP on Dovecot (read with ``doveadm who`` over the
mail server's SSH admin account, ended with ``doveadm kick``) and connections to OpenLDAP (read
from ``cn=Monitor``; slapd cannot end one, and the finding says so instead of pretending)."""

from __future__ import annotations

import contextlib
import imaplib
import json
import secrets
import ssl
from collections.abc import Iterator

import pytest
from ldap3 import Connection, Server
from pydantic import SecretStr
from sweephelpers import open_case, ssh_admin

from itexit.domain.credentials import Category, NewCredential
from itexit.domain.errors import CheckFailed
from itexit.domain.sweep import Finding, FindingKind, FindingStatus
from servers.sieveserver import SieveServer
from servers.slapd import SlapdServer
from servers.sweephosts import SweepSshd
from vaulthelpers import Vault

pytestmark = pytest.mark.xdist_group("servers")


def imap_login(server: SieveServer, user: str) -> imaplib.IMAP4:
    client = imaplib.IMAP4(server.host, server.imap_port, timeout=10)
    client.starttls(ssl.create_default_context(cafile=server.ca_file))
    client.login(user, server.users[user])
    return client


def sessions(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.kind is FindingKind.SESSION]


@pytest.fixture
def mail_sessions(
    vault: Vault, ssh_host: SweepSshd, sieve_server: SieveServer
) -> Iterator[dict[str, object]]:
    """The mail server is an SSH host of the inventory; the person and a colleague are logged in."""
    tag = secrets.token_hex(3)
    person, colleague = f"gary{tag}@harbour.example", f"dora{tag}@harbour.example"
    sieve_server.add_users(person, colleague)
    case = open_case(vault)
    ssh_admin(
        vault, ssh_host, "Mail server", dovecot_config=str(sieve_server.base / "dovecot.conf")
    )
    vault.manager.sweep.set_identity(
        case, emails=[person.upper()], practice_domains=["harbour.example"]
    )
    held = {
        "person_imap": imap_login(sieve_server, person),
        "colleague_imap": imap_login(sieve_server, colleague),
    }
    try:
        yield {"person": person, "colleague": colleague, **held}
    finally:
        for client in held.values():
            with contextlib.suppress(imaplib.IMAP4.abort, OSError):
                client.logout()


def test_an_open_imap_session_is_found_ended_and_proven_ended(
    vault: Vault, mail_sessions: dict[str, object], sieve_server: SieveServer
) -> None:
    service = vault.manager.sweep
    (host,) = service.run().hosts
    assert host.reached and not host.problems, host.problems
    (found,) = sessions(host.findings)
    person = str(mail_sessions["person"])
    assert found.evidence["account"] == person and found.evidence["pid"].isdigit()
    assert found.evidence["entry"] == "imap 127.0.0.1"
    assert found.subject == f"mail session of {person} (imap from 127.0.0.1)"
    assert str(mail_sessions["colleague"]) not in json.dumps(
        [f.model_dump(mode="json") for f in host.findings]
    )
    outcome = service.close(found.id)
    assert outcome.proven and outcome.finding.status is FindingStatus.CLOSED
    assert "ended the mail session" in outcome.done
    person_client = mail_sessions["person_imap"]
    assert isinstance(person_client, imaplib.IMAP4)
    with pytest.raises((imaplib.IMAP4.abort, imaplib.IMAP4.error, OSError)):
        person_client.noop()
    colleague_client = mail_sessions["colleague_imap"]
    assert isinstance(colleague_client, imaplib.IMAP4)
    assert colleague_client.noop()[0] == "OK"  # only the person's session was ended
    assert sessions(service.run().findings) == []
    # Logging in again (say, with a password not yet changed) is found again.
    again = imap_login(sieve_server, person)
    try:
        (back,) = sessions(service.run().findings)
        assert back.evidence["account"] == person and back.id != found.id
    finally:
        again.logout()


def test_a_dovecot_that_cannot_be_asked_is_named_in_a_sentence(
    vault: Vault, ssh_host: SweepSshd
) -> None:
    case = open_case(vault)
    ssh_admin(vault, ssh_host, "Mail server", dovecot_config=str(ssh_host.base / "no-such.conf"))
    vault.manager.sweep.set_identity(case, emails=["gary@harbour.example"])
    (host,) = vault.manager.sweep.run().hosts
    assert host.reached and sessions(host.findings) == []
    assert any("did not list its mail sessions" in p for p in host.problems), host.problems


def _ldap_admin(vault: Vault, server: SlapdServer, user: str, password: str) -> None:
    vault.manager.credentials.add(
        NewCredential(
            system="Directory",
            host=server.host,
            port=server.ldap_port,
            category=Category.SERVER,
            username=user,
            secret=SecretStr(password),
            verifier="ldap",
            tls="starttls",
            endpoint_options={"ca_file": server.ca_file, "base": server.suffix},
            sweep_admin=True,
        )
    )


def _bound(server: SlapdServer, dn: str, password: str) -> Connection:
    conn = Connection(Server(server.host, port=server.ldap_port), user=dn, password=password)
    assert conn.bind()
    return conn


@pytest.fixture
def ldap_connections(vault: Vault, slapd_server: SlapdServer) -> Iterator[dict[str, object]]:
    tag = secrets.token_hex(3)
    person, colleague = f"gary{tag}", f"dora{tag}"
    password = f"ld-{secrets.token_hex(8)}"
    person_dn = slapd_server.add_user(person, password)
    colleague_dn = slapd_server.add_user(colleague, password)
    case = open_case(vault)
    _ldap_admin(vault, slapd_server, slapd_server.root_dn, slapd_server._root_pw)
    vault.manager.sweep.set_identity(case, accounts=[person])
    held = _bound(slapd_server, person_dn, password)
    other = _bound(slapd_server, colleague_dn, password)
    try:
        yield {"person": person, "dn": person_dn, "password": password, "held": held}
    finally:
        held.unbind()
        other.unbind()


def test_an_ldap_connection_is_listed_and_reported_as_needing_a_restart(
    vault: Vault, ldap_connections: dict[str, object], slapd_server: SlapdServer
) -> None:
    service = vault.manager.sweep
    (host,) = service.run().hosts
    assert host.reached and not host.problems, host.problems
    assert sorted(f.kind.value for f in host.findings) == ["account", "session"]
    (found,) = sessions(host.findings)
    assert found.evidence["entry"] == ldap_connections["dn"]
    assert found.evidence["pid"].isdigit() and found.evidence["peer"].startswith("127.0.0.1:")
    assert "Restart the directory server" in found.closes
    (exposure,) = [
        e for e in vault.manager.exposures.derive() if e.subject_ref == f"sweep:{found.id}"
    ]  # the ledger asks for the re-check a person runs after the restart
    assert exposure.closing.command == f"itexit sweep recheck {found.id}"
    assert "dora" not in json.dumps([f.model_dump(mode="json") for f in host.findings])
    # The app does not pretend: ending one connection needs a restart of slapd.
    with pytest.raises(CheckFailed, match="cannot end one open connection without a restart"):
        service.close(found.id)
    assert service.finding(found.id).status is FindingStatus.OPEN
    # Removing the password stops new logins, but the open connection still works: it stays open.
    account = next(f for f in host.findings if f.kind is FindingKind.ACCOUNT)
    assert service.close(account.id).proven
    held = ldap_connections["held"]
    assert isinstance(held, Connection)
    assert held.search(slapd_server.people, "(objectClass=*)") and held.entries
    assert not Connection(
        Server(slapd_server.host, port=slapd_server.ldap_port),
        user=str(ldap_connections["dn"]),
        password=str(ldap_connections["password"]),
    ).bind()
    assert service.recheck(found.id).status is FindingStatus.OPEN
    # Once the connection is gone (the client left, or slapd restarted) the re-check closes it.
    held.unbind()
    assert service.recheck(found.id).status is FindingStatus.CLOSED


def test_a_directory_without_a_readable_monitor_is_named_in_a_sentence(
    vault: Vault, slapd_server: SlapdServer
) -> None:
    tag = secrets.token_hex(3)
    password = f"ld-{secrets.token_hex(8)}"
    reader = slapd_server.add_user(f"reader{tag}", password)
    person_dn = slapd_server.add_user(f"gary{tag}", password)
    case = open_case(vault)
    _ldap_admin(vault, slapd_server, reader, password)  # may not read cn=Monitor
    vault.manager.sweep.set_identity(case, accounts=[f"gary{tag}"])
    held = _bound(slapd_server, person_dn, password)
    try:
        (host,) = vault.manager.sweep.run().hosts
    finally:
        held.unbind()
    assert host.reached and sessions(host.findings) == []
    assert any("monitor database (cn=Monitor)" in p for p in host.problems), host.problems
