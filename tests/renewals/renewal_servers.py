"""Loopback servers for the renewal checks (fixtures in conftest.py): an RDAP registry
replaying RFC 9083 answers, and TLS endpoints presenting certificates the tests make."""

from __future__ import annotations

import http.server
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from servers.certs import _make_ca as make_ca
from servers.certs import _name as certificate_name
from servers.certs import _write_key as write_key


def rdap_domain(
    name: str,
    expires: str = "2027-08-13T04:00:00Z",
    registrar: str = "Example Registrar, Inc.",
    changed: str = "2026-07-20T04:00:00Z",
) -> dict[str, object]:
    """A domain object as RFC 9083 §5.3 shapes it, with the events and registrar entity."""
    return {
        "objectClassName": "domain",
        "rdapConformance": ["rdap_level_0", "icann_rdap_response_profile_1"],
        "handle": "2336799_DOMAIN_COM-VRSN",
        "ldhName": name.upper(),
        "status": ["client transfer prohibited"],
        "events": [
            {"eventAction": "registration", "eventDate": "2016-08-14T04:00:00Z"},
            {"eventAction": "expiration", "eventDate": expires},
            {"eventAction": "last changed", "eventDate": changed},
            {"eventAction": "last update of RDAP database", "eventDate": "2026-11-22T10:00:00Z"},
        ],
        "entities": [
            {
                "objectClassName": "entity",
                "handle": "376",
                "roles": ["registrar"],
                "publicIds": [{"type": "IANA Registrar ID", "identifier": "376"}],
                "vcardArray": [
                    "vcard",
                    [["version", {}, "text", "4.0"], ["fn", {}, "text", registrar]],
                ],
            }
        ],
        "nameservers": [{"objectClassName": "nameserver", "ldhName": "NS1.EXAMPLE.NET"}],
    }


NOT_FOUND = {"errorCode": 404, "title": "Not Found", "description": ["Domain not found"]}


@dataclass
class RdapRegistry:
    """What the loopback registry answers, per domain; `requests` records each path asked."""

    base_url: str
    answers: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def domain(self, name: str, status: int = 200, body: object | bytes = b"") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.answers[name.lower()] = (status, data)


@pytest.fixture
def rdap_registry() -> Iterator[RdapRegistry]:
    registry = RdapRegistry(base_url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            registry.requests.append(self.path)
            name = self.path.rsplit("/domain/", 1)[-1].lower()
            status, body = registry.answers.get(name, (404, json.dumps(NOT_FOUND).encode()))
            self.send_response(status)
            self.send_header("Content-Type", "application/rdap+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    registry.base_url = f"http://127.0.0.1:{server.server_address[1]}/rdap/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield registry
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --- certificates and TLS endpoints -------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    cert_file: Path
    key_file: Path
    not_after: datetime


@dataclass(frozen=True)
class CertMaker:
    """A CA the client may trust, and a way to issue leaf certificates with chosen dates."""

    directory: Path
    ca_file: Path
    ca_key: ec.EllipticCurvePrivateKey
    ca_cert: x509.Certificate

    @classmethod
    def make(cls, directory: Path, ca_name: str = "Renewal Test Root CA") -> CertMaker:
        key, cert = make_ca(ca_name)
        ca_file = directory / f"{ca_name.replace(' ', '-')}.pem"
        ca_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cls(directory, ca_file, key, cert)

    def issue(self, name: str, not_after: datetime, not_before: datetime | None = None) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        start = not_before or min(not_after - timedelta(days=90), datetime.now(UTC))
        cert = (
            x509.CertificateBuilder()
            .subject_name(certificate_name(name))
            .issuer_name(self.ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(not_after)
            .add_extension(
                x509.SubjectAlternativeName([x509.DNSName(name), x509.DNSName("localhost")]),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()),
                critical=False,
            )
            .sign(self.ca_key, hashes.SHA256())
        )
        stem = self.directory / f"{name}-{not_after:%Y%m%d%H%M%S}"
        cert_file = stem.with_suffix(".crt")
        key_file = stem.with_suffix(".key")
        cert_file.write_bytes(
            cert.public_bytes(serialization.Encoding.PEM)
            + self.ca_cert.public_bytes(serialization.Encoding.PEM)
        )
        write_key(key_file, key)
        return Issued(cert_file, key_file, cert.not_valid_after_utc)


class TlsEndpoint:
    """A loopback TLS server presenting one certificate to every client, until closed."""

    def __init__(self, issued: Issued) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(issued.cert_file, issued.key_file)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.target = f"localhost:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            try:
                conn.settimeout(5)
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (ssl.SSLError, OSError):
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.listener.close()


@pytest.fixture
def tls_endpoints() -> Iterator[list[TlsEndpoint]]:
    """Collects endpoints a test opens and closes them afterwards."""
    opened: list[TlsEndpoint] = []
    try:
        yield opened
    finally:
        for endpoint in opened:
            endpoint.close()


@pytest.fixture(scope="module")
def cert_maker(tmp_path_factory: pytest.TempPathFactory) -> CertMaker:
    return CertMaker.make(Path(tmp_path_factory.mktemp("renewal-certs")))
