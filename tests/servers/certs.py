"""A private certificate authority for the loopback servers, made with ``cryptography``.

``TestCA.make()`` gives a CA and a server certificate for ``127.0.0.1`` and ``localhost``; a
second, unrelated CA (``untrusted_ca_file``) lets a test prove that a certificate the client
does not trust is refused.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "itexit test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _make_ca(common_name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


@dataclass(frozen=True)
class TestCA:
    """Files of a CA, the server certificate it signed, and an unrelated CA."""

    __test__ = False  # not a test class, despite the name

    ca_file: Path
    cert_file: Path
    key_file: Path
    chain_file: Path
    """Certificate then key, in one PEM file (for servers that want both together)."""
    untrusted_ca_file: Path

    @classmethod
    def make(cls, directory: Path) -> TestCA:
        directory.mkdir(parents=True, exist_ok=True)
        ca_key, ca_cert = _make_ca("itexit test CA")
        _other_key, other_cert = _make_ca("itexit unrelated CA")

        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name("localhost"))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )

        pem = serialization.Encoding.PEM
        ca_file = directory / "ca.pem"
        ca_file.write_bytes(ca_cert.public_bytes(pem))
        untrusted = directory / "untrusted-ca.pem"
        untrusted.write_bytes(other_cert.public_bytes(pem))
        cert_file = directory / "server.pem"
        cert_file.write_bytes(cert.public_bytes(pem))
        key_file = directory / "server.key"
        _write_key(key_file, key)
        chain_file = directory / "server-chain.pem"
        chain_file.write_bytes(cert_file.read_bytes() + key_file.read_bytes())
        chain_file.chmod(0o600)
        for p in (ca_file, untrusted, cert_file):
            p.chmod(0o644)
        return cls(ca_file, cert_file, key_file, chain_file, untrusted)

    def server_context(self) -> ssl.SSLContext:
        """An SSL context for a Python server presenting the server certificate."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        """An SSL context for a test client that trusts this CA."""
        return ssl.create_default_context(cafile=str(self.ca_file))
