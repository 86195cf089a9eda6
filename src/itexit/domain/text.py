"""Text from outside made harmless: no terminal control sequence ever reaches a screen or file.

Names, notes, mail headers, RDAP and certificate fields arrive from imports, mail anyone can
send, servers and typing. A terminal obeys some byte sequences in them: `ESC ] 52 ; c ; …`
(OSC 52) writes the reader's clipboard, `ESC [ 2 J` clears the screen, U+202E reverses the text
that follows. `clean` strips them where text enters; `for_terminal` neutralises whatever is
left on the way out. Both leave ordinary text, accents and emoji alone.
"""

from __future__ import annotations

import re
import socket

# ESC-introduced sequences: CSI (`ESC [` ... final byte), OSC/DCS/SOS/PM/APC strings (ended by
# BEL or ST), and two-byte escapes; then the C1 forms (U+009B CSI, U+009D OSC, ...).
_SEQUENCE = re.compile(
    r"\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|\x1b[\]PX^_].*?(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[\x20-\x7e]?"
    r"|\x9b[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|[\x90\x98\x9d\x9e\x9f].*?(?:\x07|\x1b\\|\x9c|$)",
    re.DOTALL,
)
# C0 (tab and line ends handled apart), DEL, C1, and the bidirectional embeddings, overrides
# and isolates (U+202A-U+202E, U+2066-U+2069) that make text read in another order.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"\r\n?|[\n\t\x0b\x0c\u2028\u2029\x85]")
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]|\t|\n")
_UNSAFE_MULTILINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

MULTILINE_FIELDS = frozenset(
    {
        "notes",
        "note",
        "guidance",
        "text",
        "reason",
        "evidence",
        "description",
        "details",
        "detail",
        "findings",
        "body",
        "comment",
        "attested_how",
        "how",
        "recovery_codes",
        "address",
    }
)
"""Fields whose text keeps its line breaks and tabs; every other field is one line."""


def clean(value: str, *, multiline: bool = False) -> str:
    """`value` without control sequences, control characters or bidirectional overrides.

    A multi-line field keeps tabs and line breaks (CR LF and CR become LF); a one-line field
    has them turned into spaces.
    """
    if not (_UNSAFE_MULTILINE if multiline else _UNSAFE).search(value):
        return value
    value = _SEQUENCE.sub("", value)
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        return _CONTROL.sub("", value)
    value = _LINE_BREAKS.sub(" ", value)
    return _CONTROL.sub("", value)


def clean_any(value: object, *, multiline: bool = False) -> object:
    """`clean` applied to a string, or to the strings directly inside a list, tuple or dict
    (nested models clean their own fields)."""
    if isinstance(value, str):
        return clean(value, multiline=multiline)
    if isinstance(value, list | tuple):
        items = [clean(i, multiline=multiline) if isinstance(i, str) else i for i in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {
            (clean(k) if isinstance(k, str) else k): (
                clean(v, multiline=multiline) if isinstance(v, str) else v
            )
            for k, v in value.items()
        }
    return value


def is_multiline(field: str) -> bool:
    """Whether a field of this name keeps its line breaks (notes, guidance, reasons...)."""
    return field in MULTILINE_FIELDS or field.endswith(("_notes", "_note", "_text", "_reason"))


_VISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def for_terminal(text: str) -> str:
    """Text safe to write to a terminal: each control character left becomes a visible mark
    (U+FFFD), so nothing in it can be obeyed as a command. Tabs, line feeds and the carriage
    return a progress bar redraws its line with stay (cleaned text never holds a lone CR)."""
    if not _VISIBLE.search(text):
        return text
    return _VISIBLE.sub("\ufffd", text)


_ERRNO = re.compile(r"\[(?:Errno|WinError) -?\d+\]\s*|\[SSL(?:: [A-Z_]+)?\]\s*")


def without_errno(text: str) -> str:
    """`text` without the "[Errno -2] " / "[SSL: ...] " tags the operating system puts in."""
    return _ERRNO.sub("", text)


def plain_reason(exc: BaseException) -> str:
    """Why a file or network operation failed, in words: "the host name cannot be found",
    "no answer in time", "permission denied" — never "[Errno -2] Name or service not known"."""
    if isinstance(exc, socket.gaierror):
        return "the host name cannot be found"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "no answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "the connection was refused (nothing is listening there)"
    if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return "the other side closed the connection"
    verify = getattr(exc, "verify_message", None)
    if verify:
        return f"its certificate is not trusted ({verify})"
    reason = getattr(exc, "reason", None) if type(exc).__name__.startswith("SSL") else None
    if reason:
        return f"the secure connection failed ({str(reason).replace('_', ' ').lower()})"
    words = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return without_errno(" ".join(str(words).split())).rstrip(".")
