"""Each verifier against a real server on 127.0.0.1: right, wrong, changed, untrusted, closed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from itexit.domain.verify import Endpoint, TlsMode, VerifyOutcome, VerifyResult
from itexit.verifiers import get_verifier, run_with_timeout
from itexit.verifiers.ssh import HOST_KEY_OPTION
from servers.common import closed_port

TIMEOUT = 10.0
LDAP_DN = "uid={username},ou=people,dc=itexit,dc=test"


@dataclass
class Target:
    """One verifier pointed at one real server, with a user whose password can change."""

    verifier: str
    endpoint: Endpoint
    username: str
    password: str
    change: Callable[[str], None]
    untrusted: Endpoint | None
    """The same endpoint trusting an unrelated CA (None where TLS does not apply)."""

    def check(self, secret: str, endpoint: Endpoint | None = None) -> VerifyResult:
        result = run_with_timeout(
            get_verifier(self.verifier), endpoint or self.endpoint, self.username, secret, TIMEOUT
        )
        assert result.verifier == self.verifier
        assert secret not in result.detail
        assert result.detail.strip()
        return result


def _untrusted(endpoint: Endpoint, tls_ca) -> Endpoint:
    return endpoint.model_copy(update={"ca_file": str(tls_ca.untrusted_ca_file)})


def _imap(request, tls: TlsMode) -> Target:
    server = request.getfixturevalue("dovecot_server")
    name, password = request.getfixturevalue("imap_user")
    port = server.imaps_port if tls is TlsMode.TLS else server.imap_port
    ep = Endpoint(host=server.host, port=port, tls=tls, ca_file=server.ca_file)
    return Target(
        "imap",
        ep,
        name,
        password,
        lambda new: server.set_password(name, new),
        _untrusted(ep, request.getfixturevalue("tls_ca")),
    )


def _smtp(request, tls: TlsMode) -> Target:
    server = request.getfixturevalue("smtp_server")
    name, password = request.getfixturevalue("smtp_user")
    port = server.tls_port if tls is TlsMode.TLS else server.starttls_port
    ca = request.getfixturevalue("tls_ca")
    ep = Endpoint(host=server.host, port=port, tls=tls, ca_file=str(ca.ca_file))
    return Target(
        "smtp",
        ep,
        name,
        password,
        lambda new: server.users.__setitem__(name, new),
        _untrusted(ep, ca),
    )


def _http(request) -> Target:
    server = request.getfixturevalue("http_server")
    name, password = request.getfixturevalue("http_user")
    ca = request.getfixturevalue("tls_ca")
    ep = Endpoint(
        host=server.host, port=server.port, tls=TlsMode.TLS, ca_file=str(ca.ca_file), path="/admin"
    )
    return Target(
        "http",
        ep,
        name,
        password,
        lambda new: server.users.__setitem__(name, new),
        _untrusted(ep, ca),
    )


def _ssh(request) -> Target:
    server = request.getfixturevalue("sshd_server")
    name, password = request.getfixturevalue("ssh_login")
    ep = Endpoint(
        host=server.host,
        port=server.port,
        options={HOST_KEY_OPTION: server.host_key_fingerprint},
    )
    return Target("ssh", ep, name, password, server.set_password, None)


def _postgresql(request) -> Target:
    server = request.getfixturevalue("pg_login_server")
    role, password = request.getfixturevalue("pg_role")
    ep = Endpoint(host=server.host, port=server.port, tls=TlsMode.TLS, ca_file=server.ca_file)
    ca = request.getfixturevalue("tls_ca")
    return Target(
        "postgresql",
        ep,
        role,
        password,
        lambda new: server.set_password(role, new),
        _untrusted(ep, ca),
    )


def _ldap(request, tls: TlsMode) -> Target:
    server = request.getfixturevalue("slapd_server")
    uid, password = request.getfixturevalue("ldap_user")
    port = server.ldaps_port if tls is TlsMode.TLS else server.ldap_port
    ep = Endpoint(host=server.host, port=port, tls=tls, ca_file=server.ca_file, path=LDAP_DN)
    ca = request.getfixturevalue("tls_ca")
    return Target(
        "ldap", ep, uid, password, lambda new: server.set_password(uid, new), _untrusted(ep, ca)
    )


TARGETS: dict[str, Callable[[pytest.FixtureRequest], Target]] = {
    "imap-tls": lambda r: _imap(r, TlsMode.TLS),
    "imap-starttls": lambda r: _imap(r, TlsMode.STARTTLS),
    "smtp-tls": lambda r: _smtp(r, TlsMode.TLS),
    "smtp-starttls": lambda r: _smtp(r, TlsMode.STARTTLS),
    "http": _http,
    "ssh": _ssh,
    "postgresql": _postgresql,
    "ldap-tls": lambda r: _ldap(r, TlsMode.TLS),
    "ldap-starttls": lambda r: _ldap(r, TlsMode.STARTTLS),
}


@pytest.fixture(params=list(TARGETS))
def target(request: pytest.FixtureRequest) -> Target:
    return TARGETS[request.param](request)


@pytest.fixture(params=[name for name in TARGETS if name != "ssh"])
def tls_target(request: pytest.FixtureRequest) -> Target:
    """The targets that use TLS certificates (SSH pins host keys: test_verifier_specifics)."""
    return TARGETS[request.param](request)


def test_right_secret_is_accepted(target: Target) -> None:
    result = target.check(target.password)
    assert result.outcome is VerifyOutcome.ACCEPTED, result.detail
    assert 0 < result.seconds < TIMEOUT


def test_wrong_secret_is_rejected(target: Target) -> None:
    result = target.check(target.password + "-wrong")
    assert result.outcome is VerifyOutcome.REJECTED, result.detail
    assert "refused" in result.detail


def test_password_changed_on_the_server_kills_the_old_one(target: Target) -> None:
    old = target.password
    new = old[::-1] + "-rotated"
    assert target.check(old).outcome is VerifyOutcome.ACCEPTED
    target.change(new)
    dead = target.check(old)
    assert dead.outcome is VerifyOutcome.REJECTED, dead.detail
    alive = target.check(new)
    assert alive.outcome is VerifyOutcome.ACCEPTED, alive.detail
    assert old not in alive.detail and new not in dead.detail


def test_untrusted_certificate_is_unreachable(tls_target: Target) -> None:
    target = tls_target
    assert target.untrusted is not None
    result = target.check(target.password, target.untrusted)
    assert result.outcome is VerifyOutcome.UNREACHABLE, result.detail
    assert "not trusted" in result.detail


def test_system_store_does_not_trust_a_private_ca(tls_target: Target) -> None:
    target = tls_target
    bare = target.endpoint.model_copy(update={"ca_file": None})
    result = target.check(target.password, bare)
    assert result.outcome is VerifyOutcome.UNREACHABLE, result.detail


def test_non_ascii_password_round_trips(target: Target) -> None:
    new = "Grüße-Ångström-" + target.password[-6:]
    target.change(new)
    result = target.check(new)
    assert result.outcome is VerifyOutcome.ACCEPTED, result.detail
    assert target.check(target.password).outcome is VerifyOutcome.REJECTED


CLOSED = ["imap", "smtp", "ssh", "http", "postgresql", "ldap"]


@pytest.mark.parametrize("name", CLOSED)
@pytest.mark.parametrize("tls", [TlsMode.TLS, TlsMode.STARTTLS, TlsMode.NONE])
def test_closed_port_is_unreachable(name: str, tls: TlsMode) -> None:
    if name == "http" and tls is TlsMode.STARTTLS:
        tls = TlsMode.TLS  # HTTP has no STARTTLS (refused before connecting, tested apart)
    ep = Endpoint(host="127.0.0.1", port=closed_port(), tls=tls, options={HOST_KEY_OPTION: "x"})
    secret = "closed-port-secret-123"
    result = get_verifier(name).check(ep, "someone", secret, 5.0)
    assert result.outcome is VerifyOutcome.UNREACHABLE, result.detail
    assert f"No server answers at 127.0.0.1:{ep.port}" in result.detail
    assert "Errno" not in result.detail and secret not in result.detail


@pytest.mark.parametrize("name", CLOSED)
def test_a_server_that_never_answers_times_out(name: str, silent_server) -> None:
    tls = TlsMode.NONE if name == "http" else TlsMode.TLS
    ep = Endpoint(
        host=silent_server.host, port=silent_server.port, tls=tls, options={HOST_KEY_OPTION: "x"}
    )
    secret = "silent-secret-456"
    started = time.monotonic()
    result = get_verifier(name).check(ep, "someone", secret, 1.0)
    elapsed = time.monotonic() - started
    assert result.outcome is VerifyOutcome.UNREACHABLE, result.detail
    assert elapsed < 4.0  # libpq rounds its connect timeout up to 2 s
    assert secret not in result.detail


def test_run_with_timeout_bounds_a_silent_server(silent_server) -> None:
    ep = Endpoint(host=silent_server.host, port=silent_server.port, tls=TlsMode.STARTTLS)
    started = time.monotonic()
    result = run_with_timeout(get_verifier("imap"), ep, "someone", "whatever-secret", 1.0)
    assert result.outcome is VerifyOutcome.UNREACHABLE
    assert "did not answer within 1 s" in result.detail
    assert time.monotonic() - started < 3.5
