"""Domain expiry and registrar by RDAP (RFC 9082/9083), bootstrapped from IANA's file (RFC 9224).

The bootstrap file ships in `itexit/data/rdap_dns.json` in IANA's exact format; the registry's
`domain/NAME` endpoint answers with RFC 9083 JSON whose `events` carry the expiration and
last-changed dates and whose registrar entity names the registrar in its vCard `fn`.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import ipaddress
import json
import socket
import ssl
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from pydantic import ConfigDict

from itexit import settings
from itexit.domain.base import Model
from itexit.domain.text import plain_reason

BASE_URL_ENV = "ITEXIT_RDAP_BASE_URL"  # read through `itexit.settings`
"""Test-only: send every lookup to this base URL instead of the bootstrap's registry."""

USER_AGENT = "itexit-renewals/1 (+RDAP)"
_MAX_BYTES = 1 << 20


class RdapError(Exception):
    """A lookup that could not be completed; `str()` is one sentence to show."""


class DomainFacts(Model):
    model_config = ConfigDict(frozen=True)

    domain: str
    server: str
    registrar: str = ""
    expires: datetime | None = None
    last_changed: datetime | None = None
    registered: datetime | None = None
    statuses: list[str] = []


@functools.cache
def _shipped_bootstrap() -> dict[str, Any]:
    """The shipped copy, read once however many domains are looked up."""
    return load_bootstrap(resources.files("itexit.data").joinpath("rdap_dns.json").read_text())


def load_bootstrap(text: str | None = None) -> dict[str, Any]:
    """The IANA DNS bootstrap document (the shipped copy unless `text` is given)."""
    if text is None:
        return _shipped_bootstrap()
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("services"), list):
        raise RdapError("The RDAP bootstrap file is not in IANA's format.")
    return data


def normalise(domain: str) -> str:
    name = domain.strip().strip(".").lower()
    if "://" in name:
        name = urllib.parse.urlsplit(name).hostname or ""
    if not name or "." not in name or any(c.isspace() for c in name):
        raise RdapError(f"{domain.strip()!r} is not a domain name.")
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        raise RdapError(f"{domain.strip()!r} is not a valid domain name.") from None


def base_urls(domain: str, bootstrap: dict[str, Any]) -> list[str]:
    """The registry's RDAP base URLs for the longest matching suffix, HTTPS first."""
    table: dict[str, list[str]] = {}
    for entry in bootstrap["services"]:
        if not (isinstance(entry, list) and len(entry) == 2):
            continue
        suffixes, urls = entry
        for suffix in suffixes:
            table[str(suffix).lower().strip(".")] = [str(u) for u in urls]
    labels = domain.split(".")
    for start in range(1, len(labels)):
        urls = table.get(".".join(labels[start:]))
        if urls:
            return sorted(urls, key=lambda u: not u.startswith("https://"))
    return []


_MAX_REDIRECTS = 3
_REDIRECTS = (301, 302, 303, 307, 308)


def _refused_address(host: str, port: int, deadline: float) -> tuple[str, str | None]:
    """The first address `host` resolves to, and why it is refused (None when it is public)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        reason = plain_reason(exc) if isinstance(exc, OSError) else str(exc)
        raise RdapError(f"Could not find the registry ({host}): {reason}.") from None
    if time.monotonic() > deadline:
        raise RdapError(f"The registry ({host}) did not answer in time.")
    address = str(infos[0][4][0])
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not ip.is_global or ip.is_multicast:
            return address, f"{ip}"
    return address, None


def _connect(url: str, deadline: float, vet: bool) -> tuple[http.client.HTTPConnection, str]:
    """A connection to the URL's host, to an address checked to be public when `vet` is set."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise RdapError(f"The RDAP address {url!r} is not a web address.")
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address, refused = _refused_address(host, port, deadline)
    if vet and refused is not None:
        raise RdapError(
            f"The registry's address {host} leads to a private or local network address "
            f"({refused}); itexit does not follow it there. Check the domain by hand."
        )
    remaining = max(deadline - time.monotonic(), 0.01)
    try:
        sock = socket.create_connection((address, port), timeout=remaining)
        if parts.scheme == "https":
            context = ssl.create_default_context()
            sock = context.wrap_socket(sock, server_hostname=host)
    except (OSError, ssl.SSLError) as exc:
        raise RdapError(f"Could not reach the registry ({host}): {plain_reason(exc)}.") from None
    connection = http.client.HTTPConnection(host, port, timeout=remaining)
    connection.sock = sock
    return connection, parts.netloc


def _fetch(url: str, timeout: float, vet_first: bool = True) -> dict[str, Any]:
    """GET the RDAP answer, within `timeout` seconds in all (not per read).

    Redirects are followed at most three times and never to a private or local address; the
    headers and body are bounded, and a JSON answer nested too deeply is refused.
    """
    deadline = time.monotonic() + timeout
    host = urllib.parse.urlsplit(url).netloc
    vet = vet_first
    for _ in range(_MAX_REDIRECTS + 1):
        connection, host = _connect(url, deadline, vet)
        watchdog = threading.Timer(max(deadline - time.monotonic(), 0.0), _cut, (connection,))
        watchdog.daemon = True
        watchdog.start()
        try:
            path = urllib.parse.urlsplit(url)
            target = (path.path or "/") + (f"?{path.query}" if path.query else "")
            connection.request(
                "GET",
                target,
                headers={
                    "Accept": "application/rdap+json, application/json",
                    "User-Agent": USER_AGENT,
                },
            )
            response = connection.getresponse()
            status = response.status
            location = response.getheader("Location") or ""
            body = b"" if status in _REDIRECTS else _read_bounded(response, deadline, host)
        except (http.client.HTTPException, OSError, ValueError) as exc:
            if time.monotonic() >= deadline:
                raise RdapError(
                    f"The registry ({host}) did not answer within {timeout:g} seconds."
                ) from None
            reason = (
                "it sent too many or too long header lines"
                if isinstance(exc, http.client.HTTPException)
                else str(exc) or type(exc).__name__
            )
            raise RdapError(f"Could not read the registry's answer ({host}): {reason}.") from None
        finally:
            watchdog.cancel()
            connection.close()
        if status in _REDIRECTS:
            if not location:
                raise RdapError(f"The registry ({host}) redirected nowhere.")
            url = urllib.parse.urljoin(url, location)
            vet = True
            continue
        if status == 404:
            raise RdapError(f"The registry ({host}) has no record of this domain.")
        if status >= 400:
            raise RdapError(f"The registry ({host}) answered HTTP {status}.")
        return _json(body, host)
    raise RdapError(f"The registry ({host}) redirected more than {_MAX_REDIRECTS} times.")


def _cut(connection: http.client.HTTPConnection) -> None:
    """End a connection whose time is up, wherever it is waiting."""
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _read_bounded(response: http.client.HTTPResponse, deadline: float, host: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() >= deadline:
            raise TimeoutError("time is up")
        chunk = response.read1(65536)
        if not chunk:
            if time.monotonic() >= deadline:  # cut by the watchdog, not ended by the server
                raise TimeoutError("time is up")
            return b"".join(chunks)
        size += len(chunk)
        if size > _MAX_BYTES:
            raise RdapError(f"The registry ({host}) sent an answer too large to be RDAP.")
        chunks.append(chunk)


def _json(body: bytes, host: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except RecursionError:
        raise RdapError(f"The registry ({host}) sent JSON nested too deeply to be RDAP.") from None
    except (ValueError, UnicodeDecodeError):
        raise RdapError(f"The registry ({host}) sent something that is not RDAP JSON.") from None
    if not isinstance(data, dict):
        raise RdapError(f"The registry ({host}) sent something that is not RDAP JSON.")
    return data


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _vcard_fn(entity: dict[str, Any]) -> str:
    """The vCard's formatted name, else its organisation (some registrars give only `org`)."""
    card = entity.get("vcardArray")
    found: dict[str, str] = {}
    if isinstance(card, list) and len(card) == 2 and isinstance(card[1], list):
        for prop in card[1]:
            if isinstance(prop, list) and len(prop) >= 4 and prop[0] in ("fn", "org"):
                value = prop[3]
                if isinstance(value, list):  # org is structured: name, then units
                    value = ", ".join(str(v) for v in value if isinstance(v, str) and v)
                if isinstance(value, str) and value.strip():
                    found.setdefault(str(prop[0]), value.strip())
    return found.get("fn") or found.get("org", "")


def parse_domain(domain: str, server: str, data: dict[str, Any]) -> DomainFacts:
    """Pick the facts a renewal needs out of an RFC 9083 domain object."""
    if data.get("objectClassName") not in (None, "domain") or "errorCode" in data:
        raise RdapError(f"The registry ({server}) did not return a domain record.")
    events = data.get("events") if isinstance(data.get("events"), list) else []
    dates: dict[str, datetime | None] = {}
    for event in events or []:
        if isinstance(event, dict) and isinstance(event.get("eventAction"), str):
            dates.setdefault(event["eventAction"].lower(), _date(event.get("eventDate")))
    registrar = ""
    for entity in data.get("entities") or []:
        if isinstance(entity, dict) and "registrar" in (entity.get("roles") or []):
            registrar = _vcard_fn(entity) or str(entity.get("handle") or "")
            break
    statuses = [str(s) for s in data.get("status") or [] if isinstance(s, str)]
    return DomainFacts(
        domain=str(data.get("ldhName") or domain).lower(),
        server=server,
        registrar=registrar,
        expires=dates.get("expiration"),
        last_changed=dates.get("last changed"),
        registered=dates.get("registration"),
        statuses=statuses,
    )


def lookup_domain(
    domain: str,
    timeout: float = 10.0,
    base_url: str | None = None,
    bootstrap: dict[str, Any] | None = None,
) -> DomainFacts:
    """Ask the domain's registry for its record; raises `RdapError` with one sentence."""
    name = normalise(domain)
    base = base_url or settings.current().rdap_base_url
    candidates = [base] if base else base_urls(name, bootstrap or load_bootstrap())
    if not candidates:
        tld = name.rsplit(".", 1)[-1]
        raise RdapError(
            f"No RDAP service is listed for .{tld} in the bootstrap file; check it by hand."
        )
    url = candidates[0].rstrip("/") + "/domain/" + urllib.parse.quote(name)
    server = urllib.parse.urlsplit(url).netloc
    return parse_domain(name, server, _fetch(url, timeout, vet_first=not base))
