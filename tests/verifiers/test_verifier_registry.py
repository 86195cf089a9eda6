"""The registry, the timeout wrapper, manual attestation and the secret-scrubbing rules."""

from __future__ import annotations

import socket
import threading
import time

import pytest

import itexit.verifiers as verifiers
from itexit.domain.errors import BadInput
from itexit.domain.verify import Endpoint, TlsMode, VerifyOutcome, VerifyResult
from itexit.verifiers import (
    DEFAULT_PORTS,
    VERIFIER_NAMES,
    default_port,
    get_verifier,
    run_with_timeout,
    verify,
)
from itexit.verifiers.base import MASK, scrub

SECRET = "canary-Secret-7f3a!"


def test_every_named_verifier_is_registered() -> None:
    assert VERIFIER_NAMES == (
        "imap",
        "smtp",
        "ssh",
        "http",
        "postgresql",
        "ldap",
        "mariadb",
        "manual",
    )
    for name in VERIFIER_NAMES:
        assert get_verifier(name).name == name
    assert get_verifier(" IMAP ").name == "imap"


def test_unknown_verifier_is_bad_input_naming_the_choices() -> None:
    with pytest.raises(BadInput, match="choose one of imap, smtp"):
        get_verifier("telnet")


@pytest.mark.parametrize(
    ("name", "tls", "port"),
    [
        ("imap", TlsMode.TLS, 993),
        ("imap", TlsMode.STARTTLS, 143),
        ("smtp", TlsMode.TLS, 465),
        ("smtp", TlsMode.STARTTLS, 587),
        ("ssh", TlsMode.TLS, 22),
        ("http", TlsMode.TLS, 443),
        ("http", TlsMode.NONE, 80),
        ("postgresql", TlsMode.TLS, 5432),
        ("ldap", TlsMode.TLS, 636),
        ("ldap", "starttls", 389),
        ("manual", TlsMode.TLS, None),
    ],
)
def test_default_ports(name: str, tls: TlsMode, port: int | None) -> None:
    assert default_port(name, tls) == port


def test_every_network_verifier_has_ports_for_every_mode() -> None:
    assert set(DEFAULT_PORTS) == set(VERIFIER_NAMES) - {"manual"}
    for ports in DEFAULT_PORTS.values():
        assert set(ports) == set(TlsMode)


def test_manual_never_verifies_by_itself() -> None:
    result = verify("manual", Endpoint(host=""), "someone", SECRET)
    assert result.outcome is VerifyOutcome.ERROR
    assert "a person must attest" in result.detail


@pytest.mark.parametrize("name", [n for n in VERIFIER_NAMES if n != "manual"])
def test_empty_secret_or_host_is_never_sent(name: str) -> None:
    ep = Endpoint(host="127.0.0.1", port=1)
    empty = get_verifier(name).check(ep, "someone", "", 1.0)
    assert empty.outcome is VerifyOutcome.ERROR and "empty" in empty.detail
    nohost = get_verifier(name).check(Endpoint(host=" "), "someone", SECRET, 1.0)
    assert nohost.outcome is VerifyOutcome.ERROR and "No host" in nohost.detail


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("ssh", "No SSH user name is set"),
        ("postgresql", "No PostgreSQL role is set"),
        ("mariadb", "No MariaDB account is set"),
        ("ldap", "No bind DN or user name is set"),
    ],
)
def test_no_account_named_is_an_error_before_anything_is_sent(name: str, missing: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        ep = Endpoint(host="127.0.0.1", port=listener.getsockname()[1], tls=TlsMode.NONE)
        result = get_verifier(name).check(ep, "", SECRET, 1.0)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
    assert result.outcome is VerifyOutcome.ERROR
    assert result.detail.startswith(missing)
    assert SECRET not in result.detail


@pytest.mark.parametrize("name", [n for n in VERIFIER_NAMES if n != "manual"])
def test_missing_ca_file_is_an_error_not_a_crash(name: str, tmp_path) -> None:
    ep = Endpoint(host="127.0.0.1", port=1, ca_file=str(tmp_path / "nope.pem"))
    result = get_verifier(name).check(ep, "someone", SECRET, 1.0)
    assert result.outcome is VerifyOutcome.ERROR and "CA file" in result.detail


def test_unresolvable_host_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def no_such_host(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)  # no real DNS query
    ep = Endpoint(host="no-such-host.invalid", port=993)
    result = get_verifier("imap").check(ep, "someone", SECRET, 3.0)
    assert result.outcome is VerifyOutcome.UNREACHABLE
    assert "The name no-such-host.invalid could not be found" in result.detail
    assert "Errno" not in result.detail


@pytest.mark.parametrize("name", ["imap", "smtp", "ssh", "http", "postgresql", "mariadb", "ldap"])
def test_an_unknown_host_name_is_one_plain_sentence(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    import socket

    def no_such_host(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)  # no real DNS query
    ep = Endpoint(host="db.greenway.invalid", options={"host_key": "SHA256:" + "A" * 43})
    result = get_verifier(name).check(ep, "someone", SECRET, 3.0)
    assert result.outcome is VerifyOutcome.UNREACHABLE, result.detail
    assert result.detail.startswith("The name db.greenway.invalid could not be found"), (
        result.detail
    )
    assert "Errno" not in result.detail and "[" not in result.detail


# --- the timeout wrapper ----------------------------------------------------------------


class _Stuck:
    name = "imap"

    def __init__(self) -> None:
        self.release = threading.Event()

    def check(self, endpoint: Endpoint, username: str, secret: str, timeout: float) -> VerifyResult:
        self.release.wait(30)
        return VerifyResult(verifier=self.name, outcome=VerifyOutcome.ACCEPTED, detail="late")


class _Raises:
    name = "smtp"

    def check(self, endpoint: Endpoint, username: str, secret: str, timeout: float) -> VerifyResult:
        raise RuntimeError(f"library bug while sending {secret}")


def test_run_with_timeout_abandons_a_stuck_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verifiers, "GRACE", 0.05)
    stuck = _Stuck()
    started = time.monotonic()
    try:
        result = run_with_timeout(stuck, Endpoint(host="mail.example.test"), "u", SECRET, 0.2)
    finally:
        stuck.release.set()
    assert time.monotonic() - started < 2.0
    assert result.outcome is VerifyOutcome.UNREACHABLE
    assert result.detail == (
        "mail.example.test:993 gave no verdict within 0.2 s; the check was abandoned."
    )


def test_run_with_timeout_reports_a_raising_verifier_without_the_secret() -> None:
    result = run_with_timeout(_Raises(), Endpoint(host="h"), "u", SECRET, 1.0)
    assert result.outcome is VerifyOutcome.ERROR
    assert "RuntimeError" in result.detail
    assert SECRET not in result.detail and MASK in result.detail


def test_run_with_timeout_refuses_a_zero_timeout() -> None:
    with pytest.raises(BadInput):
        run_with_timeout(_Raises(), Endpoint(host="h"), "u", SECRET, 0)


# --- scrubbing --------------------------------------------------------------------------


def test_scrub_masks_the_secret_and_its_encodings() -> None:
    import base64
    import urllib.parse

    text = " ".join(
        [
            f"said {SECRET}",
            urllib.parse.quote(SECRET, safe=""),
            base64.b64encode(SECRET.encode()).decode(),
        ]
    )
    cleaned = scrub(text, SECRET)
    assert SECRET not in cleaned
    assert urllib.parse.quote(SECRET, safe="") not in cleaned
    assert base64.b64encode(SECRET.encode()).decode() not in cleaned
    assert cleaned.count(MASK) == 3


def test_scrub_leaves_text_alone_without_a_secret() -> None:
    assert scrub("nothing to hide", "") == "nothing to hide"
