"""What every importer shares: the parsed entry, skipped rows, decoding, CSV reading, categories.

Importers read from bytes already in memory and never write anything: a decrypted export or
database exists only in this process. Error sentences name the row (and column) but never echo a
cell's content, since any cell of a password export may be a secret.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, SecretStr

from itexit.domain.base import Model
from itexit.domain.credentials import Category
from itexit.domain.errors import BadInput
from itexit.domain.server_url import ServerUrl, read_server_url
from itexit.domain.text import clean

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_SYSTEM_CHARS = 200
MAX_FIELD_CHARS = 65_536


class ImportFileError(BadInput):
    """The export cannot be read as the chosen format; nothing was imported."""


class ImportedEntry(Model):
    """One login read from an export, before it becomes a credential."""

    model_config = ConfigDict(frozen=True)

    row: int
    """Where it was in the file: CSV row (the header is row 1), JSON item or XML entry number."""
    system: str
    url: str = ""
    host: str = ""
    port: int | None = None
    username: str = Field(default="", repr=False)
    secret: SecretStr = SecretStr("")
    notes: str = Field(default="", repr=False)
    totp: SecretStr = SecretStr("")
    folder: str = ""
    category: Category = Category.OTHER
    verifier: str = "manual"
    """The check a server address implies (postgresql://, imaps://, ssh://…); else manual."""
    tls: str = "tls"
    path: str = ""
    """The PostgreSQL database the address names."""


class SkippedRow(Model):
    """A row left out of the import, and why."""

    model_config = ConfigDict(frozen=True)

    row: int
    label: str
    """The entry's name (or '' when it has none): never a secret."""
    reason: str


@dataclass
class ParsedFile:
    """What an importer read: the entries to import, the rows it left out, and what a row is."""

    entries: list[ImportedEntry]
    skipped: list[SkippedRow]
    rows: int
    row_word: str = "row"
    remarks: list[SkippedRow] = field(default_factory=list)
    """Entries imported, or left out, that still need a look: an attachment not carried over,
    a secure note that may hold a secret."""


@dataclass
class RawEntry:
    """An entry as the format gives it, before the shared rules (names, URLs, skips) apply."""

    row: int
    title: str = ""
    url: str = ""
    username: str = ""
    secret: str = ""
    notes: str = ""
    totp: str = ""
    folder: str = ""
    type_hint: str = ""
    category: str = ""
    host: str = ""
    port: str = ""
    skip_reason: str = ""
    """Set by the format when the entry is not a login at all (a card, a note, a deleted item)."""
    port_column: str = ""
    extra_urls: list[str] = field(default_factory=list)
    """Further addresses the same login is used at, after the first (`url`)."""
    attachments: list[str] = field(default_factory=list)
    """Names of files attached to the entry: listed in the report, never imported."""
    review: str = ""
    """Set with `skip_reason` when the left-out entry may still hold a secret to look at."""


# --- decoding ---------------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, what: str, encoding: str | None = None) -> str:
    """Text of an export: a byte-order mark wins, then the given encoding, then strict UTF-8."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            f"The {what} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; "
            "split it or export fewer items."
        )
    if not data.strip():
        raise ImportFileError(f"The {what} is empty.")
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            f"This is not a {what} but a ZIP archive: for a 1Password .1pux choose the format "
            "1password-1pux, for a Proton Pass .zip protonpass-json."
        )
    chosen = encoding
    for bom, name in _BOMS:
        if data.startswith(bom):
            chosen = name
            break
    chosen = chosen or "utf-8"
    try:
        codecs.lookup(chosen)
    except LookupError:
        raise ImportFileError(f"{chosen!r} is not a text encoding Python knows.") from None
    try:
        text = data.decode(chosen)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"The {what} is not {chosen.upper()} text (line {line} has a byte that is not): "
            "export it again as UTF-8, or name its encoding (for example cp1252)."
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImportFileError(
            f"The {what} holds a NUL character on line {line}: it is binary, not a text export."
        )
    return text.lstrip("\ufeff")


def load_json(text: str, what: str) -> Any:
    """Parse a JSON export; every way it can be wrong is one sentence."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"The {what} is not valid JSON (line {exc.lineno}, column {exc.colno})."
        ) from None
    except RecursionError:
        raise ImportFileError(f"The {what} is nested too deeply to be an export.") from None
    except ValueError:
        # Python refuses to turn thousands of digits into a number (CVE-2020-10735).
        raise ImportFileError(
            f"The {what} holds a number thousands of digits long, which no export writes: "
            "export it again from the password manager."
        ) from None


# --- CSV ----------------------------------------------------------------------------------------


@dataclass
class CsvRow:
    row: int
    cells: dict[str, str]


def read_csv(text: str, what: str) -> tuple[list[str], Iterator[CsvRow]]:
    """The header (as written) and the data rows keyed by lower-cased header names.

    Quoted newlines, CRLF and a trailing empty cell are fine; a row with more or fewer cells than
    the header is an error naming the row, since it means a comma or quote went astray.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error:
        raise ImportFileError(
            f"The first row of the {what} is not valid CSV (line {reader.line_num})."
        ) from None
    if header is None or not any(cell.strip() for cell in header):
        raise ImportFileError(f"The {what} has no header row.")
    names = [cell.strip().lower() for cell in header]
    while names and not names[-1]:
        names.pop()

    def rows() -> Iterator[CsvRow]:
        number = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(
                    f"Row {number + 1} of the {what} is not valid CSV (line {reader.line_num}): "
                    f"{_csv_reason(exc)}."
                ) from None
            number += 1
            if not any(cell.strip() for cell in cells):
                continue
            while len(cells) > len(names) and not cells[-1].strip():
                cells.pop()
            if len(cells) != len(names):
                raise ImportFileError(
                    f"Row {number} of the {what} has {len(cells)} cells but the header has "
                    f"{len(names)}: a comma or quote went astray there (line {reader.line_num})."
                )
            yield CsvRow(
                number, {name: _clean(cell) for name, cell in zip(names, cells, strict=True)}
            )

    return names, rows()


def _csv_reason(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return (
            f"a cell is longer than {csv.field_size_limit():,} characters, more than any "
            "password export holds; check that this is the export"
        )
    if "EOF" in text or "unexpected end" in text:
        return "a quoted cell is never closed"
    if "expected" in text and "after" in text:
        return "a quote is followed by more text inside the same cell"
    return "the quoting is broken"


NOTE_REVIEW = "a secure note: it may hold a secret such as an alarm code or PIN, review it"


def _clean(cell: str) -> str:
    return cell.replace("\r\n", "\n").replace("\r", "\n")


def column(names: list[str], *candidates: str) -> str | None:
    """The first of `candidates` (lower case) present in the header."""
    for candidate in candidates:
        if candidate in names:
            return candidate
    return None


def require_columns(names: list[str], what: str, **needed: tuple[str, ...]) -> dict[str, str]:
    """Map each needed field to a header column, or say which columns the export lacks."""
    found: dict[str, str] = {}
    missing: list[str] = []
    for name, candidates in needed.items():
        hit = column(names, *candidates)
        if hit is None:
            missing.append(candidates[0])
        else:
            found[name] = hit
    if missing:
        raise ImportFileError(
            f"This is not a {what}: its first row lacks the column"
            f"{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)}. "
            "Check the format chosen."
        )
    return found


# --- the shared rules -------------------------------------------------------------------------


_CATEGORY_WORDS: tuple[tuple[Category, tuple[str, ...]], ...] = (
    (Category.SERVER, ("domain controller", "active directory")),
    (
        Category.EHR,
        (
            "ehr",
            "emr",
            "epic",
            "athena",
            "athenahealth",
            "eclinicalworks",
            "cerner",
            "nextgen",
            "kareo",
            "drchrono",
            "clinical",
            "charting",
            "practice management",
        ),
    ),
    (Category.BACKUP, ("backup", "backups", "veeam", "backblaze", "carbonite", "datto", "acronis")),
    (Category.DNS, ("dns", "cloudflare", "route 53", "route53")),
    (
        Category.DOMAIN_REGISTRAR,
        ("registrar", "domain", "domains", "godaddy", "namecheap", "gandi"),
    ),
    (
        Category.EMAIL,
        ("email", "e-mail", "mail", "gmail", "outlook", "exchange", "imap", "smtp", "webmail"),
    ),
    (Category.WIFI, ("wifi", "wi-fi", "wireless", "wlan", "ssid")),
    (
        Category.FIREWALL,
        (
            "firewall",
            "router",
            "firewalls",
            "routers",
            "vpn",
            "fortigate",
            "sonicwall",
            "pfsense",
            "meraki",
            "unifi",
        ),
    ),
    (
        Category.BANKING,
        ("bank", "banking", "payroll", "finance", "adp", "gusto", "paychex", "merchant"),
    ),
    (Category.PHONE, ("phone", "phones", "telephone", "voip", "pbx", "ringcentral", "fax")),
    (
        Category.CLOUD,
        (
            "cloud",
            "aws",
            "azure",
            "microsoft 365",
            "office 365",
            "m365",
            "google workspace",
            "dropbox",
            "onedrive",
        ),
    ),
    (
        Category.DEVICE,
        ("device", "devices", "printer", "printers", "camera", "cameras", "copier", "laptop"),
    ),
    (Category.SERVER, ("server", "servers", "ssh", "rdp", "nas", "hosting")),
    (Category.VENDOR_PORTAL, ("vendor", "vendors", "supplier", "suppliers", "portal")),
)

_PATTERNS = [
    (category, re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b"))
    for category, words in _CATEGORY_WORDS
]

_LABELS = {category.value.replace("_", " "): category for category in Category}


def category_for(text: str) -> Category | None:
    """The category a folder, group, type or name points to, if any word of it is known."""
    lowered = text.strip().lower()
    if not lowered:
        return None
    exact = _LABELS.get(lowered.replace("_", " ").replace("-", " "))
    if exact is not None:
        return exact
    for category, pattern in _PATTERNS:
        if pattern.search(lowered):
            return category
    return None


def categorize(entry: RawEntry) -> Category:
    """An explicit category first, then the folder (deepest first), the type, and the name."""
    texts: list[str] = [entry.category]
    texts.extend(reversed([part for part in re.split(r"[/\\]", entry.folder) if part]))
    texts.extend([entry.type_hint, entry.title])
    for text in texts:
        found = category_for(text)
        if found is not None:
            return found
    return Category.OTHER


def split_url(url: str) -> tuple[str, int | None]:
    """Host and port of a URL or a bare `host:port`; ('', None) when there is no host."""
    value = url.strip()
    if not value:
        return "", None
    if "://" not in value:
        value = "//" + value
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "", None
    return host, port if port else None


def _port(raw: RawEntry, what: str) -> int | None:
    text = raw.port.strip()
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ImportFileError(
            f"Row {raw.row} of the {what}, column {raw.port_column or 'port'}: "
            "that is not a port number (1 to 65535)."
        )
    return int(text)


def finish(raw_entries: Iterable[RawEntry], what: str, row_word: str = "row") -> ParsedFile:
    """Apply the rules every format shares: names, hosts, categories, skips and duplicates."""
    entries: list[ImportedEntry] = []
    skipped: list[SkippedRow] = []
    remarks: list[SkippedRow] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    count = 0
    for raw in raw_entries:
        count += 1
        _remark(raw, remarks)
        title = " ".join(raw.title.split())
        url = raw.url.strip()
        host, port = split_url(url)
        if raw.host.strip():
            host = raw.host.strip()
        explicit_port = _port(raw, what)
        port = explicit_port if explicit_port is not None else port
        # named as the entry will be: a name of control characters alone is no name
        label = " ".join(clean(title).split()) or " ".join(clean(host).split())
        if raw.skip_reason:
            skipped.append(SkippedRow(row=raw.row, label=label, reason=raw.skip_reason))
            if raw.review:
                remarks.append(SkippedRow(row=raw.row, label=label, reason=raw.review))
            continue
        if not any(
            s.strip() for s in (raw.title, raw.url, raw.username, raw.secret, raw.notes, raw.totp)
        ):
            skipped.append(SkippedRow(row=raw.row, label="", reason="empty entry"))
            continue
        if not raw.secret:
            skipped.append(
                SkippedRow(
                    row=raw.row, label=label, reason="no password (a note or an empty login)"
                )
            )
            continue
        if not label:
            skipped.append(
                SkippedRow(row=raw.row, label="", reason="no name and no URL to call it by")
            )
            continue
        for name, value, limit in (
            ("name", label, MAX_SYSTEM_CHARS),
            ("user name", raw.username, MAX_FIELD_CHARS),
            ("password", raw.secret, MAX_FIELD_CHARS),
            ("notes", raw.notes, MAX_FIELD_CHARS),
            ("URL", url, MAX_FIELD_CHARS),
        ):
            if len(value) > limit:
                raise ImportFileError(
                    f"{row_word.capitalize()} {raw.row} of the {what}: the {name} is longer "
                    f"than {limit:,} characters."
                )
        notes = _with_addresses(raw.notes.strip(), url, raw.extra_urls)
        if len(notes) > MAX_FIELD_CHARS:
            raise ImportFileError(
                f"{row_word.capitalize()} {raw.row} of the {what}: the notes and addresses are "
                f"longer than {MAX_FIELD_CHARS:,} characters."
            )
        key = (label.casefold(), raw.username.strip(), url, raw.secret)
        first = seen.get(key)
        if first is not None:
            skipped.append(
                SkippedRow(row=raw.row, label=label, reason=f"duplicate of {row_word} {first}")
            )
            continue
        seen[key] = raw.row
        server = _server(url, raw.row, label, remarks)
        entries.append(
            ImportedEntry(
                row=raw.row,
                system=label,
                url=url,
                host=host[:255],
                port=port,
                username=raw.username.strip() or (server.username if server else ""),
                secret=SecretStr(raw.secret),
                notes=notes,
                totp=SecretStr(raw.totp.strip()),
                folder=raw.folder.strip(),
                category=categorize(raw),
                **(
                    {"verifier": server.verifier, "tls": server.tls, "path": server.path}
                    if server
                    else {}
                ),
            )
        )
    return ParsedFile(
        entries=entries, skipped=skipped, rows=count, row_word=row_word, remarks=remarks
    )


def _server(url: str, row: int, label: str, remarks: list[SkippedRow]) -> ServerUrl | None:
    """The check a server address implies; one remark (never echoing the cell) when it names
    a server kind but cannot be used as it is, and the entry stays checked by a person."""
    try:
        return read_server_url(url)
    except BadInput:
        remarks.append(
            SkippedRow(
                row=row,
                label=label,
                reason="its address names a server that cannot be checked as written (a "
                "password, a port or a host name in it is wrong): it is kept as a login a "
                "person checks; correct the address on the credential",
            )
        )
        return None


def _with_addresses(notes: str, url: str, extra_urls: list[str]) -> str:
    """The notes, then every further address the login is used at (the first is the URL)."""
    others: list[str] = []
    for value in extra_urls:
        value = value.strip()
        if value and value != url and value not in others:
            others.append(value)
    if not others:
        return notes
    listed = "Also used at: " + ", ".join(others)
    return f"{notes}\n\n{listed}" if notes else listed


def _remark(raw: RawEntry, remarks: list[SkippedRow]) -> None:
    label = " ".join(raw.title.split()) or split_url(raw.url)[0]
    for name in raw.attachments:
        remarks.append(
            SkippedRow(
                row=raw.row,
                label=label,
                reason=f"has an attached file {name!r} that was not imported: "
                "save it from the password manager if it is needed",
            )
        )
