"""Domain expiry by RDAP against a loopback registry replaying RFC 9083 answers."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from importlib import resources

import pytest
from renewal_servers import RdapRegistry, rdap_domain

from itexit.domain.renewals import CheckStatus, NewRenewal, RenewalKind
from itexit.io.rdap import BASE_URL_ENV, RdapError, base_urls, load_bootstrap, lookup_domain
from vaulthelpers import Vault, new_vault


def test_the_shipped_bootstrap_is_in_ianas_format() -> None:
    raw = json.loads(resources.files("itexit.data").joinpath("rdap_dns.json").read_text())
    assert set(raw) == {"description", "publication", "services", "version"}
    assert raw["version"] == "1.0"
    datetime.fromisoformat(raw["publication"].replace("Z", "+00:00"))
    for suffixes, urls in raw["services"]:
        assert suffixes and all(s == s.lower() and "." not in s for s in suffixes)
        assert urls and all(u.startswith("https://") and u.endswith("/") for u in urls)
    tlds = {s for suffixes, _ in raw["services"] for s in suffixes}
    assert {"com", "net", "org", "info", "us", "health", "clinic", "io", "co", "uk"} <= tlds


def test_bootstrap_picks_the_registry_by_the_longest_suffix() -> None:
    shipped = load_bootstrap()
    assert base_urls("practice.com", shipped) == ["https://rdap.verisign.com/com/v1/"]
    assert base_urls("surgery.co.uk", shipped) == ["https://rdap.nominet.uk/uk/"]
    custom = load_bootstrap(
        json.dumps(
            {
                "description": "t",
                "publication": "2026-01-01T00:00:00Z",
                "version": "1.0",
                "services": [
                    [["uk"], ["https://uk.example/"]],
                    [["co.uk"], ["http://plain.example/", "https://co-uk.example/"]],
                ],
            }
        )
    )
    assert base_urls("surgery.co.uk", custom)[0] == "https://co-uk.example/"
    assert base_urls("practice.invalid", custom) == []
    with pytest.raises(RdapError, match="IANA"):
        load_bootstrap('{"services": 3}')


def test_found_domain_gives_expiry_last_changed_and_registrar(rdap_registry: RdapRegistry) -> None:
    rdap_registry.domain("greenwayfp.com", body=rdap_domain("greenwayfp.com"))
    facts = lookup_domain("GreenwayFP.com.", base_url=rdap_registry.base_url, timeout=5)
    assert rdap_registry.requests == ["/rdap/domain/greenwayfp.com"]
    assert facts.domain == "greenwayfp.com"
    assert facts.expires == datetime(2027, 8, 13, 4, 0, tzinfo=UTC)
    assert facts.last_changed == datetime(2026, 7, 20, 4, 0, tzinfo=UTC)
    assert facts.registrar == "Example Registrar, Inc."
    assert facts.statuses == ["client transfer prohibited"]


def test_not_found_and_malformed_answers_are_clear_errors(rdap_registry: RdapRegistry) -> None:
    rdap_registry.domain("broken.com", body=b'{"objectClassName": "domain", "events": [')
    rdap_registry.domain("teapot.com", status=503, body=b"busy")
    with pytest.raises(RdapError, match="no record of this domain"):
        lookup_domain("missing.com", base_url=rdap_registry.base_url, timeout=5)
    with pytest.raises(RdapError, match="not RDAP JSON"):
        lookup_domain("broken.com", base_url=rdap_registry.base_url, timeout=5)
    with pytest.raises(RdapError, match="HTTP 503"):
        lookup_domain("teapot.com", base_url=rdap_registry.base_url, timeout=5)
    with pytest.raises(RdapError, match="not a domain name"):
        lookup_domain("not a domain", base_url=rdap_registry.base_url)
    with pytest.raises(RdapError, match=r"No RDAP service is listed for \.example"):
        lookup_domain("greenwayfp.example")


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def test_a_registry_that_never_answers_times_out(silent_port: int) -> None:
    with pytest.raises(RdapError, match="did not answer within"):
        lookup_domain("slow.com", base_url=f"http://127.0.0.1:{silent_port}/", timeout=0.3)


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    v = new_vault(db_url)
    try:
        yield v
    finally:
        v.close()


@pytest.mark.usefixtures("frozen_now")
def test_check_updates_a_changed_expiry_and_audits_it(
    vault: Vault, rdap_registry: RdapRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BASE_URL_ENV, rdap_registry.base_url)
    s = vault.manager.renewals
    item = s.add(
        NewRenewal(
            kind=RenewalKind.DOMAIN,
            vendor="Registrar",
            item="greenwayfp.com",
            renewal_date=date(2026, 12, 20),
            notice_days=30,
        )
    )
    rdap_registry.domain("greenwayfp.com", body=rdap_domain("greenwayfp.com"))
    steps: list[tuple[int, int, str]] = []
    [result] = s.check(progress=lambda d, t, w: steps.append((d, t, w)))
    assert steps == [(0, 1, "greenwayfp.com"), (1, 1, "done")]
    assert result.status is CheckStatus.CHANGED
    assert (result.old_date, result.new_date) == (date(2026, 12, 20), date(2027, 8, 13))
    assert result.source["registrar"] == "Example Registrar, Inc."
    stored = s.get(item.id)
    assert stored.renewal_date == date(2027, 8, 13)
    assert stored.check_status is CheckStatus.CHANGED
    assert "Example Registrar" in stored.check_message
    assert stored.version == item.version + 1
    event = vault.manager.recent_audit(1)[0]
    assert event.action == "renewal.date_changed"
    assert event.details["previous_date"] == "2026-12-20"
    assert event.details["renewal_date"] == "2027-08-13"

    # the same answer again: nothing changes, recorded as a plain check
    [again] = s.check([item.id])
    assert again.status is CheckStatus.OK
    assert vault.manager.recent_audit(1)[0].action == "renewal.check"

    # the registry loses the domain: the failure is shown, the date is kept
    rdap_registry.answers.clear()
    [gone] = s.check([item.id])
    assert gone.status is CheckStatus.FAILED
    assert "no record" in gone.message
    stored = s.get(item.id)
    assert stored.renewal_date == date(2027, 8, 13)
    assert stored.check_status is CheckStatus.FAILED


@pytest.mark.usefixtures("frozen_now")
def test_check_skips_what_cannot_be_read_live(vault: Vault) -> None:
    s = vault.manager.renewals
    s.add(
        NewRenewal(
            kind=RenewalKind.CONTRACT, vendor="V", item="Support", renewal_date=date(2027, 1, 1)
        )
    )
    assert s.check() == []
    [result] = s.check(["Support"])
    assert result.status is CheckStatus.FAILED
    assert "check it by hand" in result.message
    assert s.get("Support").check_status is CheckStatus.NEVER
