"""JSON exports: 1Password (.1pux and .1pif), Keeper JSON, Proton Pass and Enpass.

Each is read as its tool documents it; an item that is not a login is left out with its kind
named, and a secure note is listed for review since notes often hold alarm codes and PINs.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from itexit.io.importers.common import (
    MAX_FILE_BYTES,
    NOTE_REVIEW,
    ImportFileError,
    ParsedFile,
    RawEntry,
    decode,
    finish,
    load_json,
)

ZIP_SIGNATURE = b"PK\x03\x04"
ONEPIF_SEPARATOR = "***5642bee8-a5ff-11dc-8314-0800200c9a66***"
ONEPASSWORD_KINDS = {
    "001": "",  # login
    "005": "",  # password
    "002": "a credit card, not a login",
    "003": "a secure note, not a login",
    "004": "an identity, not a login",
    "006": "a document (save it from 1Password by hand)",
    "101": "a bank account, not a login",
    "103": "a driver licence, not a login",
    "104": "an outdoor licence, not a login",
    "105": "a membership, not a login",
    "106": "a passport, not a login",
    "107": "a rewards programme, not a login",
    "108": "a social security number, not a login",
    "114": "an SSH key (add it by hand)",
}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _archive_member(data: bytes, what: str, wanted: tuple[str, ...]) -> bytes:
    """The first member of a ZIP export whose name ends with one of `wanted`, size-checked."""
    if not data.startswith(ZIP_SIGNATURE):
        raise ImportFileError(f"This is not a {what}: it is not a ZIP archive.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if info.filename.endswith(wanted):
                    if info.file_size > MAX_FILE_BYTES:
                        raise ImportFileError(f"The {what} holds more than can be an export.")
                    with archive.open(info) as member:
                        return member.read(MAX_FILE_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise ImportFileError(f"The {what} is damaged: its ZIP archive cannot be read.") from None
    except RuntimeError:  # an encrypted member
        raise ImportFileError(f"The {what} is encrypted: export it again unencrypted.") from None
    raise ImportFileError(f"This is not a {what}: the archive holds no {wanted[0]}.")


# --- 1Password ----------------------------------------------------------------------------


def _section_fields(sections: list[Any]) -> tuple[str, str, str, list[str]]:
    """First concealed value, first username-like value, a TOTP, and every other field."""
    secret = username = totp = ""
    extra: list[str] = []
    for section in sections:
        for field in _list(_dict(section).get("fields")):
            field = _dict(field)
            title = _str(field.get("title")) or _str(field.get("t"))
            value = field.get("value")
            kind, text = "", ""
            if isinstance(value, dict) and value:
                kind, raw = next(iter(value.items()))
                text = _str(raw)
            elif "v" in field:
                kind, text = _str(field.get("k")), _str(field.get("v"))
            if not text:
                continue
            if kind == "totp" or text.startswith("otpauth://"):
                totp = totp or text
            elif kind == "concealed" and not secret:
                secret = text
            elif title.lower() in ("username", "user name", "login") and not username:
                username = text
            else:
                extra.append(f"{title or kind}: {text}")
    return secret, username, totp, extra


def _onepassword_entry(
    number: int,
    kind: str,
    title: str,
    urls: list[str],
    details: dict[str, Any],
    folder: str,
    skip: str,
) -> RawEntry:
    username = secret = ""
    for field in _list(details.get("loginFields")) + _list(details.get("fields")):
        field = _dict(field)
        designation = _str(field.get("designation"))
        if designation == "username" and not username:
            username = _str(field.get("value"))
        elif designation == "password" and not secret:
            secret = _str(field.get("value"))
    if not secret:
        secret = _str(details.get("password"))
    more_secret, more_user, totp, extra = _section_fields(_list(details.get("sections")))
    notes = _str(details.get("notesPlain"))
    if extra:
        notes = (notes.rstrip() + "\n\n" if notes.strip() else "") + "\n".join(extra)
    if not skip and kind not in ("001", "005"):
        secret, username = secret or more_secret, username or more_user
    review = ""
    if kind == "003" and notes.strip():
        review = NOTE_REVIEW
    return RawEntry(
        row=number,
        title=title,
        url=urls[0] if urls else "",
        extra_urls=urls[1:],
        username=username,
        secret=secret,
        notes=notes,
        totp=totp,
        folder=folder,
        skip_reason=skip,
        review=review,
    )


def onepassword_1pux(data: bytes, encoding: str | None = None) -> ParsedFile:
    """1Password 8: File > Export > 1PUX (a ZIP holding `export.data`)."""
    what = "1Password .1pux export"
    document = _dict(load_json(decode(_archive_member(data, what, ("export.data",)), what), what))
    accounts = document.get("accounts")
    if not isinstance(accounts, list):
        raise ImportFileError(f"This is not a {what}: there is no list of accounts.")

    def raw() -> Iterator[RawEntry]:
        number = 0
        for account in accounts:
            for vault in _list(_dict(account).get("vaults")):
                vault = _dict(vault)
                vault_name = _str(_dict(vault.get("attrs")).get("name"))
                for item in _list(vault.get("items")):
                    number += 1
                    item = _dict(item)
                    kind = _str(item.get("categoryUuid"))
                    overview = _dict(item.get("overview"))
                    urls = [_str(_dict(u).get("url")) for u in _list(overview.get("urls"))]
                    urls = [u for u in urls if u] or [u for u in [_str(overview.get("url"))] if u]
                    skip = ONEPASSWORD_KINDS.get(kind, "")
                    if item.get("state") == "archived":
                        skip = "archived in 1Password"
                    elif item.get("state") == "deleted" or item.get("trashed"):
                        skip = "in the recycle bin"
                    yield _onepassword_entry(
                        number,
                        kind,
                        _str(overview.get("title")),
                        urls,
                        _dict(item.get("details")),
                        vault_name,
                        skip,
                    )

    return finish(raw(), what, row_word="item")


ONEPIF_KINDS = {
    "webforms.WebForm": "001",
    "passwords.Password": "005",
    "securenotes.SecureNote": "003",
    "wallet.financial.CreditCard": "002",
    "identities.Identity": "004",
    "wallet.financial.BankAccountUS": "101",
    "wallet.government.Passport": "106",
    "wallet.government.DriversLicense": "103",
    "wallet.membership.Membership": "105",
}


def onepassword_1pif(data: bytes, encoding: str | None = None) -> ParsedFile:
    """1Password 4 to 7: File > Export > 1Password Interchange Format (`data.1pif`)."""
    what = "1Password .1pif export"
    text = decode(data, what, encoding)
    if ONEPIF_SEPARATOR not in text and not text.lstrip().startswith("{"):
        raise ImportFileError(f"This is not a {what}: it holds no 1PIF records.")
    chunks = [c.strip() for c in text.split(ONEPIF_SEPARATOR) if c.strip()]

    def raw() -> Iterator[RawEntry]:
        for number, chunk in enumerate(chunks, start=1):
            item = load_json(chunk, f"{what}, record {number},")
            if not isinstance(item, dict):
                raise ImportFileError(f"In the {what}, record {number} is not an object.")
            type_name = _str(item.get("typeName"))
            if type_name.startswith("system."):
                continue  # folders and saved searches, not items
            kind = ONEPIF_KINDS.get(type_name, "110" if type_name.startswith("wallet.") else "001")
            contents = _dict(item.get("secureContents"))
            urls = [_str(_dict(u).get("url")) for u in _list(contents.get("URLs"))]
            urls = [u for u in urls if u] or [u for u in [_str(item.get("location"))] if u]
            skip = ONEPASSWORD_KINDS.get(kind, "")
            if item.get("trashed") is True:
                skip = "in the recycle bin"
            yield _onepassword_entry(
                number, kind, _str(item.get("title")), urls, contents, "", skip
            )

    return finish(raw(), what, row_word="record")


# --- Keeper -------------------------------------------------------------------------------


def keeper_json(data: bytes, encoding: str | None = None) -> ParsedFile:
    """Keeper: Settings > Export > JSON (`records` with title, login, password, login_url)."""
    what = "Keeper JSON export"
    document = load_json(decode(data, what, encoding), what)
    records = _dict(document).get("records")
    if not isinstance(records, list):
        raise ImportFileError(f"This is not a {what}: there is no list of records.")

    def raw() -> Iterator[RawEntry]:
        for number, record in enumerate(records, start=1):
            record = _dict(record)
            custom = _dict(record.get("custom_fields"))
            totp = ""
            extra: list[str] = []
            for name, value in custom.items():
                text = _str(value)
                if name.startswith("$oneTimeCode") or text.startswith("otpauth://"):
                    totp = totp or text
                elif text:
                    extra.append(f"{name.lstrip('$').split(':')[0]}: {text}")
            notes = _str(record.get("notes"))
            if extra:
                notes = (notes.rstrip() + "\n\n" if notes.strip() else "") + "\n".join(extra)
            folders = [_dict(f) for f in _list(record.get("folders"))]
            folder = next(
                (_str(f.get("folder")) or _str(f.get("shared_folder")) for f in folders), ""
            )
            kind = _str(record.get("$type")) or "login"
            skip = review = ""
            if kind == "encryptedNotes":
                skip = "a secure note, not a login"
                review = NOTE_REVIEW if notes.strip() else ""
            elif kind in ("bankCard", "paymentCard"):
                skip = "a payment card, not a login"
            yield RawEntry(
                row=number,
                title=_str(record.get("title")),
                url=_str(record.get("login_url")),
                username=_str(record.get("login")),
                secret=_str(record.get("password")),
                notes=notes,
                totp=totp,
                folder=folder,
                skip_reason=skip,
                review=review,
            )

    return finish(raw(), what, row_word="record")


# --- Proton Pass --------------------------------------------------------------------------


def proton_pass_json(data: bytes, encoding: str | None = None) -> ParsedFile:
    """Proton Pass: Settings > Export, unencrypted (`data.json`, or the `.zip` holding it)."""
    what = "Proton Pass export"
    if data.startswith(ZIP_SIGNATURE):
        data = _archive_member(data, what, ("data.json",))
    document = _dict(load_json(decode(data, what, encoding), what))
    if document.get("encrypted") is True:
        raise ImportFileError(
            "This Proton Pass export is encrypted (PGP): export again without encryption, "
            "import that, then delete it."
        )
    vaults = document.get("vaults")
    if not isinstance(vaults, dict):
        raise ImportFileError(f"This is not a {what}: there are no vaults in it.")

    def raw() -> Iterator[RawEntry]:
        number = 0
        for vault in vaults.values():
            vault = _dict(vault)
            for item in _list(vault.get("items")):
                number += 1
                item = _dict(item)
                body = _dict(item.get("data"))
                meta = _dict(body.get("metadata"))
                content = _dict(body.get("content"))
                kind = _str(body.get("type"))
                notes = _str(meta.get("note"))
                extra = []
                for field in _list(body.get("extraFields")):
                    field = _dict(field)
                    value = _str(_dict(field.get("data")).get("content"))
                    if value:
                        extra.append(f"{_str(field.get('fieldName'))}: {value}")
                if extra:
                    notes = (notes.rstrip() + "\n\n" if notes.strip() else "") + "\n".join(extra)
                urls = [_str(u) for u in _list(content.get("urls")) if _str(u)]
                skip = review = ""
                if item.get("state") == 2:
                    skip = "in the recycle bin"
                elif kind == "note":
                    skip = "a secure note, not a login"
                    review = NOTE_REVIEW if notes.strip() else ""
                elif kind == "creditCard":
                    skip = "a payment card, not a login"
                elif kind == "identity":
                    skip = "an identity, not a login"
                elif kind == "alias":
                    skip = "an e-mail alias, not a login"
                username = _str(content.get("itemUsername")) or _str(content.get("username"))
                yield RawEntry(
                    row=number,
                    title=_str(meta.get("name")),
                    url=urls[0] if urls else "",
                    extra_urls=urls[1:],
                    username=username or _str(content.get("itemEmail")),
                    secret=_str(content.get("password")),
                    notes=notes,
                    totp=_str(content.get("totpUri")),
                    folder=_str(vault.get("name")),
                    skip_reason=skip,
                    review=review,
                )

    return finish(raw(), what, row_word="item")


# --- Enpass -------------------------------------------------------------------------------


def enpass_json(data: bytes, encoding: str | None = None) -> ParsedFile:
    """Enpass 6: File > Export > .json."""
    what = "Enpass JSON export"
    document = _dict(load_json(decode(data, what, encoding), what))
    items = document.get("items")
    if not isinstance(items, list):
        raise ImportFileError(f"This is not a {what}: there is no list of items.")
    folders = {
        _str(_dict(f).get("uuid")): _str(_dict(f).get("title"))
        for f in _list(document.get("folders"))
    }

    def raw() -> Iterator[RawEntry]:
        for number, item in enumerate(items, start=1):
            item = _dict(item)
            username = email = secret = totp = ""
            urls: list[str] = []
            extra: list[str] = []
            for field in _list(item.get("fields")):
                field = _dict(field)
                if field.get("deleted") in (1, True):
                    continue
                kind, value = _str(field.get("type")), _str(field.get("value"))
                if not value:
                    continue
                if kind == "username" and not username:
                    username = value
                elif kind == "email" and not email:
                    email = value
                elif kind == "password" and not secret:
                    secret = value
                elif kind == "url":
                    urls.append(value)
                elif kind == "totp" and not totp:
                    totp = value
                else:
                    extra.append(f"{_str(field.get('label')) or kind}: {value}")
            notes = _str(item.get("note"))
            if extra:
                notes = (notes.rstrip() + "\n\n" if notes.strip() else "") + "\n".join(extra)
            category = _str(item.get("category"))
            skip = review = ""
            if item.get("trashed") in (1, True):
                skip = "in the recycle bin"
            elif item.get("archived") in (1, True):
                skip = "archived in Enpass"
            elif category == "note":
                skip = "a secure note, not a login"
                review = NOTE_REVIEW if notes.strip() else ""
            elif category in ("creditcard", "identity", "finance", "license", "travel"):
                skip = f"an Enpass {category} item, not a login"
            folder_ids = [_str(f) for f in _list(item.get("folders"))]
            yield RawEntry(
                row=number,
                title=_str(item.get("title")),
                url=urls[0] if urls else "",
                extra_urls=urls[1:],
                username=username or email,
                secret=secret,
                notes=notes,
                totp=totp,
                folder=next((folders[f] for f in folder_ids if f in folders), ""),
                type_hint=category,
                skip_reason=skip,
                review=review,
            )

    return finish(raw(), what, row_word="item")
