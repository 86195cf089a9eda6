"""Certificate expiry, issuer and names read from a live TLS handshake to host:port.

The certificate is read even when its chain does not verify (self-signed, unknown issuer,
wrong name, already expired): that is reported as a finding, not as a failure to read.
"""

from __future__ import annotations

import socket
import ssl
import urllib.parse
from datetime import datetime

from cryptography import x509
from cryptography.x509.oid import NameOID
from pydantic import ConfigDict

from itexit.domain.base import Model
from itexit.domain.text import plain_reason

DEFAULT_PORT = 443


class TlsError(Exception):
    """The certificate could not be read at all; `str()` is one sentence to show."""


class CertificateFacts(Model):
    model_config = ConfigDict(frozen=True)

    host: str
    port: int
    subject: str
    issuer: str
    names: list[str]
    not_before: datetime
    not_after: datetime
    verified: bool
    verify_error: str = ""


def split_target(target: str) -> tuple[str, int]:
    """`host`, `host:port`, `[v6]:port` or a URL → (host, port)."""
    text = target.strip()
    if not text:
        raise TlsError("Give a host name (and port) to read the certificate from.")
    if "://" not in text:
        text = "tls://" + text
    parts = urllib.parse.urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        raise TlsError(f"{target.strip()!r} has an invalid port.") from None
    host = parts.hostname or ""
    if not host:
        raise TlsError(f"{target.strip()!r} is not a host name.")
    return host, port or DEFAULT_PORT


def _name(name: x509.Name) -> str:
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        values = name.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return name.rfc4514_string() or "(no name)"


def parse_certificate(
    der: bytes, host: str, port: int, verified: bool, error: str
) -> CertificateFacts:
    """The facts of a DER certificate (expiry, issuer, subject and DNS names)."""
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        raise TlsError(f"{host}:{port} sent a certificate that cannot be parsed.") from None
    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = [str(n) for n in san.value.get_values_for_type(x509.DNSName)]
    except x509.ExtensionNotFound:
        pass
    subject = _name(cert.subject)
    if not names and subject:
        names = [subject]
    return CertificateFacts(
        host=host,
        port=port,
        subject=subject,
        issuer=_name(cert.issuer),
        names=names,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        verified=verified,
        verify_error=error,
    )


def _peer_der(host: str, port: int, context: ssl.SSLContext, timeout: float) -> bytes:
    with socket.create_connection((host, port), timeout=timeout) as raw:
        raw.settimeout(timeout)
        with context.wrap_socket(raw, server_hostname=host) as tls:
            der = tls.getpeercert(binary_form=True)
    if not der:
        raise TlsError(f"{host}:{port} completed the handshake without a certificate.")
    return der


def read_certificate(
    target: str, timeout: float = 10.0, cafile: str | None = None
) -> CertificateFacts:
    """Handshake with `target` and return its certificate; an unverified chain is a finding."""
    host, port = split_target(target)
    verifying = ssl.create_default_context(cafile=cafile)
    error = ""
    try:
        der = _peer_der(host, port, verifying, timeout)
        return parse_certificate(der, host, port, True, "")
    except ssl.SSLCertVerificationError as exc:
        error = str(exc.verify_message or exc.reason or "the chain does not verify")
    except ssl.SSLError as exc:
        raise TlsError(f"The TLS handshake with {host}:{port} failed: {exc.reason}.") from None
    except TimeoutError:
        raise TlsError(f"{host}:{port} did not answer within {timeout:g} s.") from None
    except OSError as exc:
        raise TlsError(f"Could not connect to {host}:{port}: {plain_reason(exc)}.") from None
    reading = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    reading.check_hostname = False
    reading.verify_mode = ssl.CERT_NONE
    try:
        der = _peer_der(host, port, reading, timeout)
    except ssl.SSLError as exc:
        raise TlsError(f"The TLS handshake with {host}:{port} failed: {exc.reason}.") from None
    except TimeoutError:
        raise TlsError(f"{host}:{port} did not answer within {timeout:g} s.") from None
    except OSError as exc:
        raise TlsError(f"Could not connect to {host}:{port}: {plain_reason(exc)}.") from None
    return parse_certificate(der, host, port, False, error)
