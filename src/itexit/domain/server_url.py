"""Which verifier a server address names: ``postgresql://``, ``imaps://``, ``ssh://``…

One reader of such addresses for the app's form, ``itexit cred add --url`` and the importers.
:func:`read_server_url` returns the verifier settings an address implies, None for a web page
or an address that names no server kind (it stays a web login, checked by a person), and raises
:class:`BadInput` with one sentence for an address that names a server kind but cannot be used
as it is (a password in it, a port out of range, a host name that is not one…).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import ConfigDict

from itexit.domain.base import Model
from itexit.domain.errors import BadInput

MAX_URL_CHARS = 2048

_SCHEMES: dict[str, tuple[str, str]] = {
    "postgresql": ("postgresql", "tls"),
    "postgres": ("postgresql", "tls"),
    "mysql": ("mariadb", "tls"),
    "mariadb": ("mariadb", "tls"),
    "imaps": ("imap", "tls"),
    "imap": ("imap", "starttls"),
    "ldaps": ("ldap", "tls"),
    "ldap": ("ldap", "starttls"),
    "smtps": ("smtp", "tls"),
    "smtp": ("smtp", "starttls"),
    "submission": ("smtp", "starttls"),
    "ssh": ("ssh", "tls"),
}
"""Address scheme → (verifier, how it connects). Plain ``imap://`` and ``ldap://`` mean the
usual port with STARTTLS: the password is never sent unencrypted unless a person chooses so."""

SERVER_SCHEMES: tuple[str, ...] = tuple(_SCHEMES)

_SSLMODES = {
    "disable": "none",
    "allow": "tls",
    "prefer": "tls",
    "require": "tls",
    "verify-ca": "tls",
    "verify-full": "tls",
}
"""PostgreSQL's ``sslmode`` (and MySQL's ``ssl-mode``, lower-cased) → how the check connects.
Every encrypted mode checks the server's certificate: a check that trusts any certificate
proves nothing about who answered."""

_MYSQL_SSLMODES = {
    "disabled": "none",
    "preferred": "tls",
    "required": "tls",
    "verify_ca": "tls",
    "verify_identity": "tls",
}

_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$")
_DATABASE = re.compile(r"^[^\x00-\x1f\x7f/\\]{1,63}$")


class ServerUrl(Model):
    """What a server address says about how to check a credential."""

    model_config = ConfigDict(frozen=True)

    verifier: str
    host: str
    port: int | None = None
    tls: str = "tls"
    path: str = ""
    """The PostgreSQL database named in the address ('' when none)."""
    username: str = ""


def _scheme(text: str) -> str:
    head, sep, _ = text.partition("://")
    return head.strip().lower() if sep else ""


def names_server(url: str) -> bool:
    """True when ``url`` starts with a scheme that names a server kind (``ssh://`` …)."""
    return _scheme(url) in _SCHEMES


def read_server_url(url: str) -> ServerUrl | None:
    """The verifier settings ``url`` implies; None when it is no server address (a web page).

    Raises BadInput, one sentence saying what to change, when it names a server kind but
    cannot be read: control characters or spaces, a password, a bad port, no or a bad host,
    a ``sslmode`` no client knows.
    """
    text = url.strip()
    scheme = _scheme(text)
    if scheme not in _SCHEMES:
        return None
    verifier, tls = _SCHEMES[scheme]
    if len(text) > MAX_URL_CHARS:
        raise BadInput(f"The address is longer than {MAX_URL_CHARS} characters; shorten it.")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c.isspace() for c in text):
        raise BadInput("The address holds spaces or control characters; type it again on one line.")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        if "port" in str(exc).lower():
            raise BadInput("The port in the address is not a number from 1 to 65535.") from None
        raise BadInput(
            "The address cannot be read: check the brackets around an IPv6 address."
        ) from None
    if port == 0:
        raise BadInput("The port in the address is not a number from 1 to 65535.")
    if parts.password is not None:
        raise BadInput(
            "The address holds a password: leave it out and type the password as the secret."
        )
    host = _host(parts.hostname or "", parts.netloc)
    username = unquote(parts.username or "")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in username) or len(username) > 256:
        raise BadInput("The user name in the address holds control characters or is too long.")
    path = ""
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if verifier == "postgresql":
        path = _database(parts.path)
        tls = _tls_from_query(query, "sslmode", _SSLMODES, tls)
    elif verifier == "mariadb":
        tls = _tls_from_query(query, "ssl-mode", _MYSQL_SSLMODES, tls)
        tls = _tls_from_query(query, "sslmode", _MYSQL_SSLMODES | _SSLMODES, tls)
    return ServerUrl(verifier=verifier, host=host, port=port, tls=tls, path=path, username=username)


def _host(hostname: str, netloc: str) -> str:
    if not hostname:
        raise BadInput("The address names no server: add its host name after '://'.")
    if netloc.rpartition("@")[2].startswith("["):
        return hostname  # an IPv6 literal, already checked by urlsplit
    try:
        ascii_host = hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise BadInput(f"{hostname!r} is not a host name that can be looked up.") from None
    if hostname.startswith("-") or not _HOST.match(ascii_host) or ".." in ascii_host:
        raise BadInput(f"{hostname!r} is not a host name (letters, digits, dots and dashes).")
    return hostname


def _database(path: str) -> str:
    name = unquote(path.lstrip("/"))
    if not name:
        return ""
    if not _DATABASE.match(name):
        raise BadInput(
            "The database in the address is not a database name (one name after the host, "
            "at most 63 characters, no slashes)."
        )
    return name


def _tls_from_query(query: dict[str, str], key: str, modes: dict[str, str], default: str) -> str:
    if key not in query:
        return default
    value = query[key].strip().lower()
    if value not in modes:
        raise BadInput(
            f"{key}={query[key]!r} is not a mode the check knows; use "
            f"{', '.join(sorted(set(modes)))}."
        )
    return modes[value]


_FINGERPRINT = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}$")


def clean_host_key(text: str) -> str:
    """A pinned SSH host key fingerprint as ``ssh-keygen -lf`` prints it ('' for none).

    Accepts it with or without the ``SHA256:`` prefix and the trailing ``=``; BadInput for
    anything else (an MD5 fingerprint, a whole public key, a typo of length).
    """
    value = "".join(text.split())
    if not value:
        return ""
    if not value.upper().startswith("SHA256:"):
        value = "SHA256:" + value
    value = "SHA256:" + value.split(":", 1)[1].rstrip("=")
    if not _FINGERPRINT.match(value):
        raise BadInput(
            "The server's key fingerprint should look like SHA256: and 43 letters, digits, "
            "+ or / (as ssh-keygen -lf prints it); ask the server's administrator for it."
        )
    return value
