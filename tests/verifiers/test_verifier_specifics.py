"""What each verifier does beyond right/wrong: SSH host keys, HTTP pitfalls, trust, plaintext."""

from __future__ import annotations

from typing import Any

import pytest

from itexit.domain.verify import Endpoint, TlsMode, VerifyOutcome
from itexit.verifiers import get_verifier
from itexit.verifiers.ssh import HOST_KEY_OPTION, host_key_fingerprint

TIMEOUT = 10.0


def _trusted(server: Any, port: int, **fields: Any) -> Endpoint:
    """Implicit TLS to a test server, trusting the test CA that signed its certificate."""
    return Endpoint(host=server.host, port=port, tls=TlsMode.TLS, ca_file=server.ca_file, **fields)


# --- SSH: the host key is pinned before the password goes anywhere ----------------------


def _password_attempts(sshd_server) -> int:
    log = sshd_server.log_tail(1_000_000)
    return log.count("password for ")


def test_ssh_without_a_pinned_key_names_the_key_and_sends_nothing(sshd_server, ssh_login) -> None:
    name, password = ssh_login
    before = _password_attempts(sshd_server)
    ep = Endpoint(host=sshd_server.host, port=sshd_server.port)
    result = get_verifier("ssh").check(ep, name, password, TIMEOUT)
    assert result.outcome is VerifyOutcome.ERROR
    assert sshd_server.host_key_fingerprint in result.detail
    assert "nothing was sent" in result.detail
    assert _password_attempts(sshd_server) == before


def test_ssh_with_a_different_key_is_refused_and_sends_nothing(sshd_server, ssh_login) -> None:
    name, password = ssh_login
    before = _password_attempts(sshd_server)
    impostor = "SHA256:" + "A" * 43
    ep = Endpoint(host=sshd_server.host, port=sshd_server.port, options={HOST_KEY_OPTION: impostor})
    result = get_verifier("ssh").check(ep, name, password, TIMEOUT)
    assert result.outcome is VerifyOutcome.UNREACHABLE
    assert "impostor" in result.detail and sshd_server.host_key_fingerprint in result.detail
    assert _password_attempts(sshd_server) == before


def test_ssh_pinned_key_without_prefix_or_padding_matches(sshd_server, ssh_login) -> None:
    name, password = ssh_login
    bare = sshd_server.host_key_fingerprint.removeprefix("SHA256:") + "="
    ep = Endpoint(host=sshd_server.host, port=sshd_server.port, options={HOST_KEY_OPTION: bare})
    assert get_verifier("ssh").check(ep, name, password, TIMEOUT).outcome is (
        VerifyOutcome.ACCEPTED
    )


def test_ssh_host_key_fingerprint_matches_the_server(sshd_server) -> None:
    kind, fingerprint = host_key_fingerprint(Endpoint(host=sshd_server.host, port=sshd_server.port))
    assert kind == "ssh-ed25519"
    assert fingerprint == sshd_server.host_key_fingerprint


# --- HTTP: only a page that asks for the password can prove it --------------------------


def _http(http_server, tls_ca, path: str, **update: object) -> Endpoint:
    ep = Endpoint(
        host=http_server.host,
        port=http_server.port,
        tls=TlsMode.TLS,
        ca_file=str(tls_ca.ca_file),
        path=path,
    )
    return ep.model_copy(update=update)


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/open", "opens without any password"),
        ("/forbidden", "answered 403"),
        ("/redirect", "answered 302"),
        ("/missing", "answered 404"),
    ],
)
def test_http_pages_that_prove_nothing_are_errors(
    http_server, http_user, tls_ca, path: str, words: str
) -> None:
    name, password = http_user
    before = len(http_server.requests)
    result = get_verifier("http").check(_http(http_server, tls_ca, path), name, password, TIMEOUT)
    assert result.outcome is VerifyOutcome.ERROR
    assert words in result.detail
    assert len(http_server.requests) == before + 1  # the credentials were never sent


def test_http_has_no_starttls(http_server, http_user, tls_ca) -> None:
    name, password = http_user
    ep = _http(http_server, tls_ca, "/admin", tls=TlsMode.STARTTLS)
    result = get_verifier("http").check(ep, name, password, TIMEOUT)
    assert result.outcome is VerifyOutcome.ERROR and "STARTTLS" in result.detail


def test_http_untrusted_certificate_sends_no_request(http_server, http_user, tls_ca) -> None:
    name, password = http_user
    before = len(http_server.requests)
    ep = _http(http_server, tls_ca, "/admin", ca_file=str(tls_ca.untrusted_ca_file))
    result = get_verifier("http").check(ep, name, password, TIMEOUT)
    assert result.outcome is VerifyOutcome.UNREACHABLE
    assert len(http_server.requests) == before


def test_http_user_name_with_colon_is_refused(http_server, tls_ca) -> None:
    ep = _http(http_server, tls_ca, "/admin")
    result = get_verifier("http").check(ep, "a:b", "whatever-secret", TIMEOUT)
    assert result.outcome is VerifyOutcome.ERROR


# --- SMTP: no secret before TLS ---------------------------------------------------------


def test_smtp_untrusted_certificate_never_reaches_auth(smtp_server, smtp_user, tls_ca) -> None:
    name, password = smtp_user
    before = smtp_server.attempts
    ep = Endpoint(
        host=smtp_server.host,
        port=smtp_server.starttls_port,
        tls=TlsMode.STARTTLS,
        ca_file=str(tls_ca.untrusted_ca_file),
    )
    result = get_verifier("smtp").check(ep, name, password, TIMEOUT)
    assert result.outcome is VerifyOutcome.UNREACHABLE
    assert smtp_server.attempts == before


def test_smtp_without_tls_is_not_offered_auth(smtp_server, smtp_user) -> None:
    name, password = smtp_user
    ep = Endpoint(host=smtp_server.host, port=smtp_server.starttls_port, tls=TlsMode.NONE)
    result = get_verifier("smtp").check(ep, name, password, TIMEOUT)
    assert result.outcome is VerifyOutcome.ERROR
    assert "offers no AUTH" in result.detail


def test_starttls_asked_of_a_server_speaking_tls_is_unreachable(smtp_server, tls_ca) -> None:
    ep = Endpoint(
        host=smtp_server.host,
        port=smtp_server.tls_port,
        tls=TlsMode.STARTTLS,
        ca_file=str(tls_ca.ca_file),
    )
    result = get_verifier("smtp").check(ep, "someone", "some-secret-value", 1.0)
    assert result.outcome is VerifyOutcome.UNREACHABLE


# --- IMAP -------------------------------------------------------------------------------


def test_imap_plain_connection_to_a_tls_port_is_unreachable(dovecot_server) -> None:
    ep = Endpoint(host=dovecot_server.host, port=dovecot_server.imaps_port, tls=TlsMode.STARTTLS)
    result = get_verifier("imap").check(ep, "someone", "some-secret-value", 1.0)
    assert result.outcome is VerifyOutcome.UNREACHABLE


def test_imap_unknown_user_is_rejected(dovecot_server) -> None:
    ep = _trusted(dovecot_server, dovecot_server.imaps_port)
    result = get_verifier("imap").check(ep, "nobody-here", "some-secret-value", TIMEOUT)
    assert result.outcome is VerifyOutcome.REJECTED


# --- PostgreSQL -------------------------------------------------------------------------


def test_postgresql_trust_proves_nothing(pg_login_server) -> None:
    ep = _trusted(pg_login_server, pg_login_server.port)
    result = get_verifier("postgresql").check(ep, "itexit", "any-secret-at-all", TIMEOUT)
    assert result.outcome is VerifyOutcome.ERROR
    assert "without asking for a password" in result.detail


def test_postgresql_without_tls_still_checks_the_password(pg_login_server, pg_role) -> None:
    role, password = pg_role
    ep = Endpoint(host=pg_login_server.host, port=pg_login_server.port, tls=TlsMode.NONE)
    verifier = get_verifier("postgresql")
    assert verifier.check(ep, role, password, TIMEOUT).outcome is VerifyOutcome.ACCEPTED
    assert verifier.check(ep, role, password + "x", TIMEOUT).outcome is VerifyOutcome.REJECTED


def test_postgresql_missing_database_is_an_error(pg_login_server, pg_role) -> None:
    role, password = pg_role
    ep = _trusted(pg_login_server, pg_login_server.port, path="no_such_db")
    result = get_verifier("postgresql").check(ep, role, password, TIMEOUT)
    assert result.outcome is VerifyOutcome.ERROR and "no_such_db" in result.detail


def test_postgresql_unknown_role_is_rejected(pg_login_server) -> None:
    ep = _trusted(pg_login_server, pg_login_server.port)
    result = get_verifier("postgresql").check(ep, "verify_nobody", "some-secret", TIMEOUT)
    assert result.outcome is VerifyOutcome.REJECTED


# --- LDAP -------------------------------------------------------------------------------


def test_ldap_user_name_is_escaped_into_the_dn(slapd_server) -> None:
    ep = _trusted(
        slapd_server, slapd_server.ldaps_port, path="uid={username},ou=people,dc=itexit,dc=test"
    )
    result = get_verifier("ldap").check(ep, "x,ou=admins", "some-secret-value", TIMEOUT)
    assert result.outcome is VerifyOutcome.REJECTED
    assert "uid=x\\,ou\\=admins,ou=people" in result.detail


def test_ldap_full_dn_as_user_name(slapd_server, ldap_user) -> None:
    uid, password = ldap_user
    ep = _trusted(slapd_server, slapd_server.ldaps_port)
    result = get_verifier("ldap").check(ep, slapd_server.dn(uid), password, TIMEOUT)
    assert result.outcome is VerifyOutcome.ACCEPTED
