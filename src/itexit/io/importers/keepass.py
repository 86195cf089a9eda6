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
from itexit.io.importers.totp import TOTP_KEYS, keepass_totp

STANDARD_KEYS = {"Title", "UserName", "Password", "URL", "Notes"}
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


MAX_AES_ROUNDS = 200_000_000
"""About ten seconds here; KeePassXC's one-second default is around a million rounds."""
MAX_ARGON2_MEMORY = 1 << 30
MAX_ARGON2_PASSES = 100
MAX_ARGON2_WORK = 16 << 30
"""Memory times passes: 1 GiB over 16 passes is far beyond any setting KeePassXC calibrates."""
KDF_REFUSED = (
    "{name} asks for a key derivation so costly ({cost}) that opening it would take minutes "
    "or more memory than this computer should give, far beyond what KeePass or KeePassXC ever "
    "set: open it in KeePassXC, lower Database Settings > Security > Decryption time, save it, "
    "and import it again."
)


def kdbx(data: bytes, password: str | None, keyfile: bytes | None, name: str) -> ParsedFile:
    """Open a KDBX 2, 3.1 or 4 database from memory with its password and/or key file.

    KDBX 2.x (KeePass 2.00 to 2.19) is laid out as 3.1 is, so it is read as 3.1. An empty
    password ('') is a password, as KeePass has it; with a key file and no password typed, both
    "no password" and the empty password are tried. The key derivation's cost is checked before
    it runs, so a damaged or hostile header cannot hang the import.
    """
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
    if len(data) < 12:
        raise ImportFileError(f"{name} is cut short: it ends inside its header.")
    minor, major = int.from_bytes(data[8:10], "little"), int.from_bytes(data[10:12], "little")
    if major not in (2, 3, 4):
        raise ImportFileError(
            f"{name} is a KeePass database of format {major}.{minor}, which itexit cannot "
            "read: open it in KeePassXC, save it (format 4), and import that."
        )
    if major == 2:
        data = data[:8] + (1).to_bytes(2, "little") + (3).to_bytes(2, "little") + data[12:]
    if password is None and keyfile is None:
        raise ImportFileError(
            f"{name} needs its password or key file to open (--keepass-password-file, --keyfile)."
        )
    _check_kdf_cost(data, name)
    attempts: list[str | None] = [password]
    if keyfile is not None and not password:
        attempts = [None, ""]
    for attempt in attempts:
        try:
            database = PyKeePass(
                io.BytesIO(data),
                password=attempt,
                keyfile=io.BytesIO(keyfile) if keyfile is not None else None,
            )
            root = database.tree.getroot()
            break
        except CredentialsError:
            continue
        except (HeaderChecksumError, PayloadChecksumError):
            raise ImportFileError(f"{name} is damaged: its checksums do not match.") from None
        except Exception:  # the parser raises many types for one cause: unreadable input
            raise ImportFileError(
                f"{name} is damaged or not a KeePass database: it cannot be read."
            ) from None
    else:
        raise AuthenticationFailed(
            f"That password and key file do not open {name}; nothing was imported. If it also "
            "needs a hardware key (a YubiKey or OnlyKey), itexit cannot use one: export it "
            "from KeePassXC as XML (Database > Export > XML), import that, then delete it."
        )
    return walk(root, what, protected_ok=True)


def _check_kdf_cost(data: bytes, name: str) -> None:
    """Refuse a key derivation far costlier than any KeePass setting, before running it."""
    from pykeepass.kdbx_parsing.kdbx import KDBX

    try:
        header = KDBX.header.parse(data).value  # the header alone: the body would derive the key
    except Exception:  # any unreadable header is one cause: a damaged file
        raise ImportFileError(
            f"{name} is damaged or not a KeePass database: its header cannot be read."
        ) from None
    try:
        _refuse_costly_kdf(header, name)
    except (AttributeError, KeyError, TypeError, ValueError):  # a field missing or malformed
        raise ImportFileError(
            f"{name} is damaged or not a KeePass database: its header has no usable "
            "key-derivation settings."
        ) from None


def _refuse_costly_kdf(header: Any, name: str) -> None:
    dynamic = header.dynamic_header
    if header.major_version == 3:
        rounds = int(dynamic.transform_rounds.data)
        if rounds > MAX_AES_ROUNDS:
            raise ImportFileError(KDF_REFUSED.format(name=name, cost=f"{rounds:,} AES rounds"))
        return
    params = dynamic.kdf_parameters.data.dict
    if "R" in params:
        rounds = int(params["R"].value)
        if rounds > MAX_AES_ROUNDS:
            raise ImportFileError(KDF_REFUSED.format(name=name, cost=f"{rounds:,} AES rounds"))
        return
    memory = int(params["M"].value) if "M" in params else 0
    passes = int(params["I"].value) if "I" in params else 0
    lanes = int(params["P"].value) if "P" in params else 1
    if (
        memory > MAX_ARGON2_MEMORY
        or passes > MAX_ARGON2_PASSES
        or memory * passes > MAX_ARGON2_WORK
        or not 0 < lanes <= 64
    ):
        cost = f"Argon2 with {memory / 2**20:,.0f} MiB, {passes:,} passes, {lanes:,} threads"
        raise ImportFileError(KDF_REFUSED.format(name=name, cost=cost))


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
    totp_fields: dict[str, str] = {}
    extra: list[str] = []
    attachments: list[str] = []
    for string in entry.iterchildren() if hasattr(entry, "iterchildren") else entry:
        if string.tag == "Binary":
            attachments.append((string.findtext("Key") or "").strip() or "(no name)")
            continue
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
        if key in STANDARD_KEYS:
            fields[key] = value
        elif key in TOTP_KEYS:
            totp_fields[key] = value
        elif key and value:
            extra.append(f"{key}: {value}")
    notes = fields.get("Notes", "")
    if extra:
        notes = (notes.rstrip() + "\n\n" if notes.strip() else "") + "\n".join(extra)
    try:
        totp = keepass_totp(totp_fields)
    except ValueError as exc:
        raise ImportFileError(f"Entry {number} of the {what}: {exc}") from None
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
        attachments=[] if in_bin else attachments,
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
