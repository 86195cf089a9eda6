"""KeePass: KDBX 3 and 4 databases (opened in memory with pykeepass) and KeePass 2 XML exports.

Both hold the same XML tree (a KDBX is that tree, encrypted), so one walker reads both. The
decrypted tree never leaves this process: the database is parsed from bytes, not a path.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from itexit.domain.errors import AuthenticationFailed
from itexit.io.importers.common import (
    MAX_FILE_BYTES,
    ImportFileError,
    ParsedFile,
    RawEntry,
    decode,
    finish,
)

STANDARD_KEYS = {"Title", "UserName", "Password", "URL", "Notes"}
TOTP_KEYS = ("otp", "TOTP Seed", "TimeOtp-Secret-Base32", "TimeOtp-Secret")
HIDDEN_KEYS = ("TOTP Settings", "TimeOtp-Length", "TimeOtp-Period", "TimeOtp-Algorithm")
KDBX_SIGNATURE = bytes.fromhex("03d9a29a67fb4bb5")


def keepass_xml(data: bytes, encoding: str | None = None) -> ParsedFile:
    what = "KeePass XML export"
    text = decode(data, what, encoding)
    # The XML declaration names an encoding the text no longer has once decoded.
    if text.startswith("<?xml"):
        end = text.find("?>")
        text = text[end + 2 :] if end > 0 else text
    from lxml import etree  # type: ignore[import-untyped]

    # No entities resolved, nothing fetched: an export is plain data.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        line, col = exc.position
        raise ImportFileError(
            f"The {what} is not well-formed XML (line {line}, column {col})."
        ) from None
    return walk(root, what, protected_ok=False)


def kdbx(data: bytes, password: str | None, keyfile: bytes | None, name: str) -> ParsedFile:
    """Open a KDBX 3.1 or 4 database from memory with its password and/or key file."""
    from pykeepass import PyKeePass
    from pykeepass.exceptions import (
        CredentialsError,
        HeaderChecksumError,
        PayloadChecksumError,
    )

    _use_fast_aes_kdf()
    what = "KeePass database"
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(f"The {what} is larger than {MAX_FILE_BYTES // 2**20} MB.")
    if not data.startswith(KDBX_SIGNATURE):
        raise ImportFileError(f"{name} is not a KeePass database (.kdbx).")
    if not password and keyfile is None:
        raise ImportFileError(
            f"{name} needs its password or key file to open (--keepass-password-file, --keyfile)."
        )
    try:
        database: Any = PyKeePass(
            io.BytesIO(data),
            password=password or None,
            keyfile=io.BytesIO(keyfile) if keyfile is not None else None,
        )
    except CredentialsError:
        raise AuthenticationFailed(
            f"That password and key file do not open {name}; nothing was imported."
        ) from None
    except (HeaderChecksumError, PayloadChecksumError):
        raise ImportFileError(f"{name} is damaged: its checksums do not match.") from None
    except Exception as exc:  # the parser raises many types for one cause: unreadable input
        raise ImportFileError(
            f"{name} could not be read as a KeePass database ({type(exc).__name__})."
        ) from None
    return walk(database.tree.getroot(), what, protected_ok=True)


def walk(root: Any, what: str, *, protected_ok: bool) -> ParsedFile:
    """Every entry of the tree's groups (history left out), numbered in document order."""
    if root.tag != "KeePassFile" or root.find("Root") is None:
        raise ImportFileError(f"This is not a {what}: there is no KeePassFile/Root element.")
    bin_uuid = ""
    meta = root.find("Meta")
    if meta is not None and (meta.findtext("RecycleBinEnabled") or "True").lower() == "true":
        bin_uuid = (meta.findtext("RecycleBinUUID") or "").strip()
    top = root.find("Root/Group")
    if top is None:
        raise ImportFileError(f"The {what} holds no groups.")

    def entries() -> Iterator[RawEntry]:
        counter = 0

        def visit(group: Any, path: list[str], in_bin: bool) -> Iterator[RawEntry]:
            nonlocal counter
            for entry in group.findall("Entry"):
                counter += 1
                yield _raw(entry, counter, path, in_bin, what, protected_ok)
            for child in group.findall("Group"):
                uuid = (child.findtext("UUID") or "").strip()
                name = (child.findtext("Name") or "").strip()
                yield from visit(
                    child, [*path, name], in_bin or (bool(bin_uuid) and uuid == bin_uuid)
                )

        yield from visit(top, [], False)

    return finish(entries(), what, row_word="entry")


def _raw(
    entry: Any, number: int, path: list[str], in_bin: bool, what: str, protected_ok: bool
) -> RawEntry:
    fields: dict[str, str] = {}
    extra: list[str] = []
    for string in entry.iterchildren("String") if hasattr(entry, "iterchildren") else entry:
        if string.tag != "String":
            continue
        key, value, value_node = "", "", None
        for part in string:
            if part.tag == "Key":
                key = (part.text or "").strip()
            elif part.tag == "Value":
                value_node, value = part, part.text or ""
        if (
            not protected_ok
            and value_node is not None
            and (value_node.get("Protected") or "").lower() == "true"
        ):
            raise ImportFileError(
                f"Entry {number} of the {what} holds a protected (still encrypted) value: "
                "export from KeePass as 'KeePass XML (2.x)' instead."
            )
        if key in STANDARD_KEYS or key in TOTP_KEYS:
            fields[key] = value
        elif key and value and key not in HIDDEN_KEYS:
            extra.append(f"{key}: {value}")
    notes = fields.get("Notes", "")
    if extra:
        notes = (notes.rstrip() + "\n\n" if notes.strip() else "") + "\n".join(extra)
    totp = next((fields[k] for k in TOTP_KEYS if fields.get(k)), "")
    return RawEntry(
        row=number,
        title=fields.get("Title", ""),
        url=fields.get("URL", ""),
        username=fields.get("UserName", ""),
        secret=fields.get("Password", ""),
        notes=notes,
        totp=totp,
        folder="/".join(path),
        skip_reason="in the recycle bin" if in_bin else "",
    )


_CHUNK_BLOCKS = 1 << 16


def aes_kdf(key: bytes, rounds: int, key_composite: bytes) -> bytes:
    """KeePass's AES-KDF: each 16-byte half AES-encrypted `rounds` times, then SHA-256.

    Encrypting zeros in CBC mode with the previous output as IV is one more ECB round per block,
    so the rounds run inside the cipher in chunks instead of one Python call each: the same
    result as pykeepass's loop, about a hundred times faster (KeePassXC's default is 1,000,000).
    """
    import hashlib

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    out = b""
    for start in (0, 16):
        block = key_composite[start : start + 16]
        left = rounds
        while left > 0:
            step = min(left, _CHUNK_BLOCKS)
            encryptor = Cipher(algorithms.AES(key), modes.CBC(block)).encryptor()
            block = encryptor.update(bytes(16 * step))[-16:]
            left -= step
        out += block
    return hashlib.sha256(out).digest()


def _use_fast_aes_kdf() -> None:
    from pykeepass.kdbx_parsing import kdbx3, kdbx4

    kdbx3.aes_kdf = aes_kdf
    kdbx4.aes_kdf = aes_kdf
