"""Read message headers from mbox and .eml exports: headers only, fast, never fatal.

Parsing uses the standard library's `BytesHeaderParser` with the compat32 policy and explicit
RFC 2047 decoding (`email.header`); `policy.default` would do the same work about seven times
slower. Only each message's header block is handed to the parser, so bodies cost one search.
"""

from __future__ import annotations

import hashlib
import mmap
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email import errors as email_errors
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parsedate_to_datetime
from pathlib import Path

from itexit.domain.errors import BadInput
from itexit.domain.mailbox import HEADER_FIELDS, MessageHeaders

_PARSER = BytesHeaderParser(policy=compat32)
_WS = re.compile(r"\s+")
_HEADER_END = re.compile(rb"\r?\n\r?\n")

MAX_HEADER_BYTES = 256 * 1024
"""A header block larger than this is cut: real ones are a few kilobytes."""


@dataclass(slots=True)
class Parsed:
    """One message's headers, or None when nothing usable could be read, and whether it was odd."""

    headers: MessageHeaders | None
    malformed: bool


def decode(value: str | None) -> str:
    """Unfold and decode one header value; undecodable parts are replaced, never raised."""
    if not value:
        return ""
    if "=?" not in value:
        if value.isascii():
            return (
                _WS.sub(" ", value).strip() if ("\n" in value or "  " in value) else value.strip()
            )
        return _WS.sub(" ", _repair(value)).strip()
    if not value.isascii():
        value = _ENCODED_WORD.sub(_escape_raw_bytes, value)
    try:
        text = str(make_header(_readable_chunks(decode_header(value))))
    except (email_errors.HeaderParseError, LookupError, UnicodeError, ValueError):
        text = _repair(value)
    return _WS.sub(" ", text).strip()


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([qQ])\?([^?\s]*)\?=")


def _escape_raw_bytes(match: re.Match[str]) -> str:
    """Raw 8-bit bytes inside a Q-encoded word (kept as surrogates) become `=XX`, as meant."""
    charset, kind, text = match.groups()
    escaped = "".join(f"={ord(c) - 0xDC00:02X}" if "\udc80" <= c <= "\udcff" else c for c in text)
    return f"=?{charset}?{kind}?{escaped}?="


def _readable_chunks(
    chunks: list[tuple[bytes | str, str | None]],
) -> list[tuple[bytes | str, str | None]]:
    """A chunk whose bytes its charset cannot read is read as a mail client does: UTF-8 if it
    is, else Windows-1252 (which covers Latin-1)."""
    fixed: list[tuple[bytes | str, str | None]] = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes) and charset:
            try:
                chunk.decode(charset)
            except (LookupError, UnicodeDecodeError):
                try:
                    chunk.decode("utf-8")
                    charset = "utf-8"
                except UnicodeDecodeError:
                    chunk = chunk.decode("cp1252", "replace").encode("utf-8")
                    charset = "utf-8"
        fixed.append((chunk, charset))
    return fixed


def _repair(value: str) -> str:
    """compat32 keeps raw 8-bit bytes as surrogates: read them as UTF-8 where they are."""
    try:
        return value.encode("ascii", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        return value.encode("utf-8", "replace").decode("utf-8", "replace")


_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_RFC_DATE = re.compile(
    r"(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+"
    r"(\d{2}):(\d{2})(?::(\d{2}))?\s+([+-]\d{4})(?:\s*\(.*\))?\s*\Z"
)
_OFFSETS: dict[str, timezone] = {}


def _offset(zone: str) -> timezone:
    """The fixed offset for "+hhmm" or "-hhmm", made once per distinct value."""
    found = _OFFSETS.get(zone)
    if found is None:
        delta = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
        found = _OFFSETS[zone] = timezone(-delta if zone[0] == "-" else delta)
    return found


def parse_date(value: str | None) -> tuple[datetime | None, bool]:
    """The Date header as an aware UTC time, and whether it was present but unreadable.

    The usual RFC 5322 form is read directly; anything else goes to `email.utils`.
    """
    if not value:
        return None, False
    match = _RFC_DATE.match(value.strip())
    if match is not None:
        day, month, year, hh, mm, ss, zone = match.groups()
        number = _MONTHS.get(month.lower())
        if number is not None:
            try:
                when = datetime(
                    int(year),
                    number,
                    int(day),
                    int(hh),
                    int(mm),
                    int(ss or 0),
                    tzinfo=_offset(zone),
                )
                return when.astimezone(UTC), False
            except (ValueError, OverflowError):
                pass
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None, True
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC), False
    except (OverflowError, ValueError):
        return None, True


_WANTED = {name.lower(): name for name in HEADER_FIELDS}
_FIND = tuple((key, f"\n{key}:") for key in _WANTED)
_LINE = r"(?:[\x21-\x39\x3b-\x7e]+:[^\n]*|[ \t][^\n]*|)"
_WELL_FORMED = re.compile(_LINE + r"(?:\n" + _LINE + r")*")
"""Every line a field (a name of printable ASCII without space or colon, then a colon), a
continuation (it starts with a space or a tab) or empty."""


def _fast_fields(block: bytes) -> dict[str, str] | None:
    """The wanted header fields as compat32 would give them, or None to let it decide.

    A well-formed block is checked with one regular expression, and each wanted field is then
    found by its name at the start of a line; anything else goes to the standard library
    parser, which records its defects. A value keeps its continuation lines (unfolded later by
    `decode`); the first occurrence of a field wins, as with compat32's `get`.
    """
    text = block.decode("ascii", "surrogateescape").replace("\r\n", "\n")
    if text[:1] in (" ", "\t") or "\r" in text or _WELL_FORMED.fullmatch(text) is None:
        return None  # a lone carriage return ends a line for the standard library
    text = "\n" + text
    lowered = text.lower()  # same offsets: the text is ASCII and escaped bytes
    size = len(text)
    fields: dict[str, str] = {}
    for key, marker in _FIND:
        at = lowered.find(marker)
        if at == -1:
            continue
        start = at + len(marker)
        end = text.find("\n", start)
        while end != -1 and end + 1 < size and text[end + 1] in " \t":
            end = text.find("\n", end + 1)
        fields[key] = text[start : size if end == -1 else end].lstrip(" \t")
    return fields


def _stdlib_fields(block: bytes) -> tuple[dict[str, str], bool] | None:
    try:
        msg = _PARSER.parsebytes(block[:MAX_HEADER_BYTES])
    except Exception:  # the stdlib parser can raise almost anything on hostile input
        return None
    fields = {}
    for key in _WANTED:
        value = msg.get(key)
        if value is not None:
            fields[key] = str(value)
    return fields, bool(msg.defects)


def parse_headers(block: bytes) -> Parsed:
    """Parse one header block (the bytes before the first blank line)."""
    fast = _fast_fields(block[:MAX_HEADER_BYTES])
    if fast is not None:
        fields, malformed = fast, False
    else:
        slow = _stdlib_fields(block)
        if slow is None:
            return Parsed(None, True)
        fields, malformed = slow
    get = fields.get
    try:
        sender = decode(get("from"))
        subject = decode(get("subject"))
        message_id = decode(get("message-id"))
        when, bad_date = parse_date(get("date"))
        headers = MessageHeaders(
            sender=sender,
            to=decode(get("to")),
            subject=subject,
            date=when,
            list_id=decode(get("list-id")),
            list_unsubscribe=decode(get("list-unsubscribe")),
            precedence=decode(get("precedence")).lower(),
            message_id=message_id,
            header_digest=_digest(block) if not (message_id or get("date")) else "",
        )
    except Exception:
        return Parsed(None, True)
    if not (sender or subject or message_id):
        return Parsed(None, True)
    return Parsed(headers, malformed or bad_date)


def _digest(block: bytes) -> str:
    """The header block's SHA-256, the same whichever line ends it was stored with."""
    lines = block[:MAX_HEADER_BYTES].replace(b"\r\n", b"\n").rstrip().split(b"\n")
    return hashlib.sha256(b"\n".join(line.rstrip() for line in lines)).hexdigest()


def header_block(raw: bytes) -> bytes:
    end = _HEADER_END.search(raw, 0, MAX_HEADER_BYTES)
    return raw[: end.start()] + b"\n" if end else raw[:MAX_HEADER_BYTES]


MAX_CR_ONLY_BYTES = 512 * 1024 * 1024
"""An old Mac mbox (lines ended by CR alone) is converted in memory, up to this size."""


def mbox_header_blocks(
    path: Path, cancelled: Callable[[], bool] | None = None
) -> Iterator[tuple[bytes, int, int]]:
    """Each message's header block in an mbox file, with the bytes read so far and the total.

    The file is mapped, not read into memory, so an export of several gigabytes is fine. A
    message starts at a "From " line at the top of the file (after any blank lines) or after a
    blank line. A file whose lines end in a carriage return alone (old Mac OS) is read too.
    """
    with path.open("rb") as handle:
        size = path.stat().st_size
        if size == 0:
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            head = mapped[:65536]
            if b"\n" not in head and b"\r" in head:
                if size > MAX_CR_ONLY_BYTES:
                    raise BadInput(
                        f"{path.name} ends its lines with a carriage return alone (old Mac OS) "
                        "and is too large to convert here: convert its line ends to LF first."
                    )
                yield from _blocks(path.name, mapped[:].replace(b"\r", b"\n"), size, cancelled)
                return
            yield from _blocks(path.name, mapped, size, cancelled)


def _blocks(
    name: str, data: bytes | mmap.mmap, size: int, cancelled: Callable[[], bool] | None
) -> Iterator[tuple[bytes, int, int]]:
    start = 0
    while start < size and data[start : start + 1] in (b"\n", b"\r", b" ", b"\t"):
        start += 1
    if data[start : start + 5] != b"From ":
        raise BadInput(f"{name} is not an mbox file (it should start with 'From ').")
    crlf = data.find(b"\r\n", start, start + 4096) != -1
    separator = b"\r\n\r\nFrom " if crlf else b"\n\nFrom "
    blank = b"\r\n\r\n" if crlf else b"\n\n"
    count = 0
    while start < size:
        line_end = data.find(b"\n", start)
        if line_end == -1:
            return
        head_start = line_end + 1
        head_end = data.find(blank, head_start, head_start + MAX_HEADER_BYTES)
        if head_end == -1:
            head_end = min(size, head_start + MAX_HEADER_BYTES)
        following = data.find(separator, max(head_end, head_start) - 1)
        yield data[head_start:head_end] + b"\n", head_end, size
        count += 1
        if following == -1:
            return
        start = following + len(separator) - 5
        if cancelled is not None and count % 256 == 0 and cancelled():
            return


def read_eml(path: Path) -> bytes:
    try:
        return header_block(path.read_bytes())
    except OSError as exc:
        raise BadInput(f"Cannot read {path}: {exc.strerror}.") from None


def iter_export(
    path: Path, cancelled: Callable[[], bool] | None = None
) -> Iterator[tuple[Parsed, int, int]]:
    """Parsed headers from an mbox file, one .eml file, or a folder of .eml files."""
    if not path.exists():
        raise BadInput(f"There is no file {path}.")
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.eml") if p.is_file())
        if not files:
            raise BadInput(f"The folder {path} holds no .eml files.")
        for done, item in enumerate(files, start=1):
            if cancelled is not None and cancelled():
                return
            yield parse_headers(read_eml(item)), done, len(files)
        return
    if path.suffix.lower() == ".eml":
        yield parse_headers(read_eml(path)), 1, 1
        return
    try:
        for block, done, total in mbox_header_blocks(path, cancelled):
            yield parse_headers(block), done, total
    except OSError as exc:
        raise BadInput(f"Cannot read {path}: {exc.strerror}.") from None
