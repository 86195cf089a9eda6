"""Certificate expiry from a live TLS handshake to loopback servers with made certificates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from renewal_servers import CertMaker, TlsEndpoint

from itexit.domain.renewals import CheckStatus, NewRenewal, RenewalKind
from itexit.io.tls_expiry import TlsError, read_certificate, split_target
from vaulthelpers import Vault, new_vault


def open_endpoint(
    maker: CertMaker, endpoints: list[TlsEndpoint], name: str, not_after: datetime
) -> TlsEndpoint:
    endpoint = TlsEndpoint(maker.issue(name, not_after))
    endpoints.append(endpoint)
    return endpoint


def test_targets() -> None:
    assert split_target("portal.example") == ("portal.example", 443)
    assert split_target("portal.example:8443") == ("portal.example", 8443)
    assert split_target("https://portal.example/login") == ("portal.example", 443)
    assert split_target("[::1]:993") == ("::1", 993)
    with pytest.raises(TlsError, match="invalid port"):
        split_target("portal.example:http")
    with pytest.raises(TlsError, match="host name"):
        split_target("  ")


def test_a_trusted_certificate_expiring_in_ten_days(
    cert_maker: CertMaker, tls_endpoints: list[TlsEndpoint]
) -> None:
    expiry = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    endpoint = open_endpoint(cert_maker, tls_endpoints, "portal.test", expiry)
    facts = read_certificate(endpoint.target, timeout=5, cafile=str(cert_maker.ca_file))
    assert facts.verified, facts.verify_error
    assert facts.not_after == expiry
    assert facts.issuer == "Renewal Test Root CA"
    assert facts.subject == "portal.test"
    assert facts.names == ["portal.test", "localhost"]


def test_an_expired_certificate_is_read_and_reported(
    cert_maker: CertMaker, tls_endpoints: list[TlsEndpoint]
) -> None:
    expiry = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
    endpoint = open_endpoint(cert_maker, tls_endpoints, "old.test", expiry)
    facts = read_certificate(endpoint.target, timeout=5, cafile=str(cert_maker.ca_file))
    assert not facts.verified
    assert "expired" in facts.verify_error
    assert facts.not_after == expiry


def test_an_untrusted_issuer_is_a_finding_not_a_failure(
    tmp_path_factory: pytest.TempPathFactory, tls_endpoints: list[TlsEndpoint]
) -> None:
    stranger = CertMaker.make(tmp_path_factory.mktemp("stranger"), "Unknown Issuer CA")
    expiry = (datetime.now(UTC) + timedelta(days=200)).replace(microsecond=0)
    endpoint = open_endpoint(stranger, tls_endpoints, "portal.test", expiry)
    facts = read_certificate(endpoint.target, timeout=5)  # the system store does not know it
    assert not facts.verified
    assert "certificate" in facts.verify_error
    assert facts.issuer == "Unknown Issuer CA"
    assert facts.not_after == expiry


def test_nothing_listening_is_a_clear_failure(tls_endpoints: list[TlsEndpoint]) -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(TlsError, match=f"Could not connect to 127.0.0.1:{port}"):
        read_certificate(f"127.0.0.1:{port}", timeout=2)


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    v = new_vault(db_url)
    try:
        yield v
    finally:
        v.close()


def test_check_stores_the_certificates_real_expiry(
    vault: Vault, cert_maker: CertMaker, tls_endpoints: list[TlsEndpoint]
) -> None:
    expiry = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    endpoint = open_endpoint(cert_maker, tls_endpoints, "portal.test", expiry)
    s = vault.manager.renewals
    item = s.add(
        NewRenewal(
            kind=RenewalKind.CERTIFICATE,
            vendor="Example CA",
            item="Portal certificate",
            renewal_date=date.today() + timedelta(days=200),
            notice_days=21,
            check_target=endpoint.target,
        )
    )
    [result] = s.check(timeout=5)
    # the chain is not in the system store: changed date recorded, the chain is a warning on
    # the first check as on every later one
    assert result.status is CheckStatus.WARNING
    assert result.new_date == expiry.date()
    assert "chain does not verify" in result.message and "; was " in result.message
    assert result.source["issuer"] == "Renewal Test Root CA"
    stored = s.get(item.id)
    assert stored.renewal_date == expiry.date()
    assert stored.days_left is not None and stored.days_left < 0  # inside the 21-day lead
    assert vault.manager.recent_audit(1)[0].action == "renewal.date_changed"
    [again] = s.check(timeout=5)
    assert again.status is result.status is CheckStatus.WARNING
