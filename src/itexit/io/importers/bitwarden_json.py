"""Bitwarden's unencrypted JSON export (personal vault or organisation); encrypted ones refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from itexit.io.importers.common import (
    NOTE_REVIEW,
    ImportFileError,
    ParsedFile,
    RawEntry,
    decode,
    finish,
    load_json,
)

WHAT = "Bitwarden JSON export"
ITEM_TYPES = {
    1: "",
    2: "a secure note, not a login",
    3: "a payment card, not a login",
    4: "an identity, not a login",
    5: "an SSH key (add it by hand)",
}


def bitwarden_json(data: bytes, encoding: str | None = None) -> ParsedFile:
    text = decode(data, WHAT, encoding)
    document = load_json(text, WHAT)
    if not isinstance(document, dict):
        raise ImportFileError(f"This is not a {WHAT}: it is not a JSON object.")
    if document.get("encrypted") is True:
        raise ImportFileError(
            "This Bitwarden export is encrypted: export again choosing the format "
            "'.json' (not '.json (Encrypted)'), import that, then delete it."
        )
    items = document.get("items")
    if not isinstance(items, list):
        raise ImportFileError(f"This is not a {WHAT}: there is no list of items.")
    folders = _names(document.get("folders"), "folders")
    collections = _names(document.get("collections"), "collections")

    def raw() -> Iterator[RawEntry]:
        for number, item in enumerate(items, start=1):
            yield _entry(number, item, folders, collections)

    return finish(raw(), WHAT, row_word="item")


def _names(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise ImportFileError(f"In the {WHAT}, '{what}' is not a list.")
    names: dict[str, str] = {}
    for number, entry in enumerate(value, start=1):
        if not isinstance(entry, dict):
            raise ImportFileError(f"In the {WHAT}, {what} entry {number} is not an object.")
        names[str(entry.get("id"))] = _text(entry, "name", f"{what} entry {number}")
    return names


def _text(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ImportFileError(f"In the {WHAT}, {where}: the field {key!r} is not text.")
    return str(value)


def _entry(
    number: int, item: Any, folders: dict[str, str], collections: dict[str, str]
) -> RawEntry:
    where = f"item {number}"
    if not isinstance(item, dict):
        raise ImportFileError(f"In the {WHAT}, {where} is not an object.")
    kind = item.get("type", 1)
    if not isinstance(kind, int) or isinstance(kind, bool):
        raise ImportFileError(f"In the {WHAT}, {where}: the field 'type' is not a number.")
    skip = ITEM_TYPES.get(kind, "not a login")
    login = item.get("login")
    login = {} if login is None else login
    if not isinstance(login, dict):
        raise ImportFileError(f"In the {WHAT}, {where}: the field 'login' is not an object.")
    uris = login.get("uris")
    uris = [] if uris is None else uris
    if not isinstance(uris, list):
        raise ImportFileError(f"In the {WHAT}, {where}: 'login.uris' is not a list.")
    urls: list[str] = []
    for uri in uris:
        if not isinstance(uri, dict):
            raise ImportFileError(f"In the {WHAT}, {where}: an entry of 'login.uris' is wrong.")
        if value := _text(uri, "uri", where).strip():
            urls.append(value)
    notes = _text(item, "notes", where)
    fields = item.get("fields")
    fields = [] if fields is None else fields
    if not isinstance(fields, list):
        raise ImportFileError(f"In the {WHAT}, {where}: 'fields' is not a list.")
    extra: list[str] = []
    for field in fields:
        if not isinstance(field, dict):
            raise ImportFileError(f"In the {WHAT}, {where}: an entry of 'fields' is wrong.")
        name, value = _text(field, "name", where), _text(field, "value", where)
        if name or value:
            extra.append(f"{name}: {value}")
    if extra:
        notes = (notes.rstrip() + "\n\n" if notes.strip() else "") + "\n".join(extra)
    folder = folders.get(str(item.get("folderId")), "") if item.get("folderId") else ""
    collection_ids = item.get("collectionIds") or []
    if not folder and isinstance(collection_ids, list) and collection_ids:
        folder = collections.get(str(collection_ids[0]), "")
    secret = _text(login, "password", where)
    passkeys = login.get("fido2Credentials")
    if kind == 1 and not secret and isinstance(passkeys, list) and passkeys:
        skip = "a passkey only, no password: remove the passkey from that account by hand"
    return RawEntry(
        row=number,
        title=_text(item, "name", where),
        url=urls[0] if urls else "",
        extra_urls=urls[1:],
        username=_text(login, "username", where),
        secret=secret,
        notes=notes,
        totp=_text(login, "totp", where),
        folder=folder,
        skip_reason=skip if kind != 2 or not secret else "",
        review=NOTE_REVIEW if kind == 2 and not secret and notes.strip() else "",
    )
