"""Domain expiry and registrar by RDAP (RFC 9082/9083), bootstrapped from IANA's file (RFC 9224).

The bootstrap file ships in `itexit/data/rdap_dns.json` in IANA's exact format; the registry's
`domain/NAME` endpoint answers with RFC 9083 JSON whose `events` carry the expiration and
last-changed dates and whose registrar entity names the registrar in its vCard `fn`.
"""

from __future__ import annotations

import functools
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from pydantic import ConfigDict

from itexit.domain.base import Model

BASE_URL_ENV = "ITEXIT_RDAP_BASE_URL"
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


def _fetch(url: str, timeout: float) -> dict[str, Any]:
    if not url.startswith(("https://", "http://")):
        raise RdapError(f"The RDAP address {url!r} is not a web address.")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, headers={"Accept": "application/rdap+json, application/json", "User-Agent": USER_AGENT}
    )
    host = urllib.parse.urlsplit(url).netloc
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read(_MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise RdapError(f"The registry ({host}) has no record of this domain.") from None
        raise RdapError(f"The registry ({host}) answered HTTP {exc.code}.") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RdapError(f"Could not reach the registry ({host}): {reason}.") from None
    if len(body) > _MAX_BYTES:
        raise RdapError(f"The registry ({host}) sent an answer too large to be RDAP.")
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
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
    card = entity.get("vcardArray")
    if isinstance(card, list) and len(card) == 2 and isinstance(card[1], list):
        for prop in card[1]:
            if isinstance(prop, list) and len(prop) >= 4 and prop[0] == "fn":
                return str(prop[3])
    return ""


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
    base = base_url or os.environ.get(BASE_URL_ENV)
    candidates = [base] if base else base_urls(name, bootstrap or load_bootstrap())
    if not candidates:
        tld = name.rsplit(".", 1)[-1]
        raise RdapError(
            f"No RDAP service is listed for .{tld} in the bootstrap file; check it by hand."
        )
    url = candidates[0].rstrip("/") + "/domain/" + urllib.parse.quote(name)
    server = urllib.parse.urlsplit(url).netloc
    return parse_domain(name, server, _fetch(url, timeout))
