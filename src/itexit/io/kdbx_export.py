"""Write a new KeePass database (KDBX 4, Argon2id) that KeePassXC and KeePass open.

The database is built in memory and written once, encrypted, to a file the caller created
private (mode 0600); nothing readable is ever on disk. One-time passwords go in KeePassXC's
`otp` attribute as an `otpauth://` address carrying the seed and its settings.
"""

from __future__ import annotations

import base64
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from itexit.domain.errors import BadInput

ARGON2ID_UUID = b"\x9e)\x8b\x19V\xdbGs\xb2=\xfc>\xc6\xf0\xa1\xe6"
ARGON2_MEMORY_BYTES = 64 * 1024 * 1024
ARGON2_ITERATIONS = 3
ARGON2_PARALLELISM = 2

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_BASE32 = re.compile(r"^[A-Z2-7]+=*$")


@dataclass(frozen=True)
class KdbxEntry:
    """One credential as KeePass shows it."""

    group: str
    title: str
    username: str = ""
    password: str = ""
    url: str = ""
    notes: str = ""
    otp: str = ""
    """An `otpauth://` address, or empty."""
    protected: dict[str, str] = field(default_factory=dict)
    """More secret fields (recovery codes, a secret waiting to be set), kept protected."""


def xml_text(value: str) -> str:
    """Text KeePass's XML can hold: control characters other than tab and newline dropped."""
    return _NOT_XML.sub("", value.replace("\r\n", "\n"))


def otp_uri(seed: str, issuer: str, account: str) -> str:
    """KeePassXC's `otp` value for a stored seed: an otpauth address as given, or one built
    from a bare base32 seed with the usual settings (30 seconds, 6 digits, SHA-1)."""
    text = seed.strip()
    if not text:
        return ""
    if text.lower().startswith("otpauth://"):
        parts = urlsplit(text)
        secret = parse_qs(parts.query).get("secret", [""])[0]
        if parts.netloc.lower() not in ("totp", "hotp") or not secret:
            raise BadInput(f"The one-time password settings of {issuer} are not readable.")
        return text
    secret = re.sub(r"[\s-]", "", text).upper()
    if not _BASE32.match(secret):
        raise BadInput(f"The one-time password seed of {issuer} is not base32 text.")
    try:
        base64.b32decode(secret + "=" * (-len(secret.rstrip("=")) % 8))
    except ValueError:
        raise BadInput(f"The one-time password seed of {issuer} is not base32 text.") from None
    label = quote(f"{issuer}:{account}" if account else issuer, safe="")
    query = urlencode(
        {
            "secret": secret.rstrip("="),
            "period": "30",
            "digits": "6",
            "algorithm": "SHA1",
            "issuer": issuer,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"


def build(passphrase: str, name: str, entries: list[KdbxEntry]) -> bytes:
    """The encrypted database's bytes: KDBX 4, ChaCha20/AES as pykeepass's template, Argon2id."""
    from pykeepass import create_database

    database = create_database(io.BytesIO(), password=passphrase)
    kdf = database.kdbx.header.value.dynamic_header.kdf_parameters.data.dict
    kdf["$UUID"].value = ARGON2ID_UUID
    kdf["M"].value = ARGON2_MEMORY_BYTES
    kdf["I"].value = ARGON2_ITERATIONS
    kdf["P"].value = ARGON2_PARALLELISM
    database.root_group.name = xml_text(name) or "itexit"
    database.database_name = database.root_group.name
    groups: dict[str, object] = {}
    for item in entries:
        group_name = xml_text(item.group) or "Credentials"
        group = groups.get(group_name)
        if group is None:
            group = database.add_group(database.root_group, group_name)
            groups[group_name] = group
        entry = database.add_entry(
            group,
            xml_text(item.title) or "(untitled)",
            xml_text(item.username),
            xml_text(item.password),
            url=xml_text(item.url) or None,
            notes=xml_text(item.notes) or None,
            force_creation=True,
        )
        if item.otp:
            entry.otp = xml_text(item.otp)
        for key, value in item.protected.items():
            if value:
                entry.set_custom_property(xml_text(key), xml_text(value), protect=True)
    buffer = io.BytesIO()
    database.save(buffer)
    return buffer.getvalue()


def write(path: Path, data: bytes) -> None:
    """Write the encrypted bytes to `path` (already created 0600) and flush them to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
