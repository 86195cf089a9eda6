"""The CSV exports: Bitwarden, KeePassXC (and KeePass 1.x CSV), LastPass, 1Password, generic.

Each format is a set of header names (the exact first row each product writes, with the few
variants its versions use) mapped onto one `RawEntry` per row.
"""

from __future__ import annotations

from collections.abc import Iterator

from itexit.domain.wording import count
from itexit.io.importers.common import (
    NOTE_REVIEW,
    CsvRow,
    ImportFileError,
    ParsedFile,
    RawEntry,
    column,
    decode,
    finish,
    read_csv,
    require_columns,
)

BITWARDEN_HEADER = (
    "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,"
    "login_totp"
)
BITWARDEN_ORG_HEADER = (
    "collections,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp"
)
KEEPASSXC_HEADER = (
    '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"'
)
KEEPASS1_HEADER = '"Account","Login Name","Password","Web Site","Comments"'
LASTPASS_HEADER = "url,username,password,totp,extra,name,grouping,fav"
ONEPASSWORD_HEADER = "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes"

LASTPASS_NOTE_URL = "http://sn"

MAPPABLE = ("system", "url", "host", "port", "username", "secret", "notes", "totp", "folder")
MAPPABLE_EXTRA = ("category",)
MAP_ALIASES = {"password": "secret", "name": "system", "title": "system", "group": "folder"}


def _cell(row: CsvRow, name: str | None) -> str:
    return row.cells.get(name, "") if name else ""


def bitwarden_csv(data: bytes, encoding: str | None = None) -> ParsedFile:
    what = "Bitwarden CSV export"
    names, rows = read_csv(decode(data, what, encoding), what)
    cols = require_columns(
        names,
        what,
        name=("name",),
        type=("type",),
        uri=("login_uri",),
        username=("login_username",),
        password=("login_password",),
    )
    folder = column(names, "folder", "collections")
    notes, fields, totp = (column(names, n) for n in ("notes", "fields", "login_totp"))

    def raw() -> Iterator[RawEntry]:
        for row in rows:
            kind = _cell(row, cols["type"]).strip().lower()
            skip = review = ""
            note_text = _cell(row, notes)
            if kind in ("note", "securenote", "secure note") and not _cell(row, cols["password"]):
                skip = "a secure note, not a login"
                review = NOTE_REVIEW if note_text.strip() else ""
            elif kind in ("card", "identity"):
                skip = f"a{'n' if kind == 'identity' else ''} {kind}, not a login"
            uris = [u.strip() for u in _cell(row, cols["uri"]).split(",") if u.strip()]
            yield RawEntry(
                row=row.row,
                title=_cell(row, cols["name"]),
                url=uris[0] if uris else "",
                extra_urls=uris[1:],
                review=review,
                username=_cell(row, cols["username"]),
                secret=_cell(row, cols["password"]),
                notes=_join_notes(note_text, _cell(row, fields)),
                totp=_cell(row, totp),
                folder=_cell(row, folder),
                skip_reason=skip,
            )

    return finish(raw(), what)


def keepass_csv(data: bytes, encoding: str | None = None) -> ParsedFile:
    what = "KeePass CSV export"
    names, rows = read_csv(decode(data, what, encoding), what)
    cols = require_columns(
        names,
        what,
        title=("title", "account"),
        username=("username", "login name", "user name"),
        password=("password",),
    )
    url = column(names, "url", "web site")
    notes = column(names, "notes", "comments")
    group = column(names, "group")
    totp = column(names, "totp")

    def raw() -> Iterator[RawEntry]:
        for row in rows:
            folder = _cell(row, group)
            parts = folder.split("/")
            in_bin = any(p.strip().lower() in ("recycle bin", "papierkorb") for p in parts[1:])
            yield RawEntry(
                row=row.row,
                title=_cell(row, cols["title"]),
                url=_cell(row, url),
                username=_cell(row, cols["username"]),
                secret=_cell(row, cols["password"]),
                notes=_cell(row, notes),
                totp=_cell(row, totp),
                folder="/".join(parts[1:]) if len(parts) > 1 else folder,
                skip_reason="in the recycle bin" if in_bin else "",
            )

    return finish(raw(), what)


def lastpass_csv(data: bytes, encoding: str | None = None) -> ParsedFile:
    what = "LastPass CSV export"
    names, rows = read_csv(decode(data, what, encoding), what)
    cols = require_columns(
        names,
        what,
        url=("url",),
        username=("username",),
        password=("password",),
        name=("name",),
    )
    extra, grouping, totp = (column(names, n) for n in ("extra", "grouping", "totp"))

    def raw() -> Iterator[RawEntry]:
        for row in rows:
            url = _cell(row, cols["url"])
            note = url.strip().lower() == LASTPASS_NOTE_URL
            yield RawEntry(
                row=row.row,
                title=_cell(row, cols["name"]),
                url="" if note else url,
                username=_cell(row, cols["username"]),
                secret=_cell(row, cols["password"]),
                notes=_cell(row, extra),
                totp=_cell(row, totp),
                folder=_cell(row, grouping).replace("\\", "/"),
                skip_reason="a secure note, not a login"
                if note and not _cell(row, cols["password"])
                else "",
                review=NOTE_REVIEW
                if note and not _cell(row, cols["password"]) and _cell(row, extra).strip()
                else "",
            )

    return finish(raw(), what)


def onepassword_csv(data: bytes, encoding: str | None = None) -> ParsedFile:
    what = "1Password CSV export"
    names, rows = read_csv(decode(data, what, encoding), what)
    cols = require_columns(
        names,
        what,
        title=("title",),
        username=("username",),
        password=("password",),
    )
    url = column(names, "url", "website", "urls")
    notes = column(names, "notes", "notesplain")
    totp = column(names, "otpauth", "one-time password", "otp")
    tags = column(names, "tags")
    kind = column(names, "type")
    archived = column(names, "archived")

    def raw() -> Iterator[RawEntry]:
        for row in rows:
            is_archived = _cell(row, archived).strip().lower() == "true"
            urls = [u.strip() for u in _cell(row, url).split("\n") if u.strip()]
            yield RawEntry(
                row=row.row,
                title=_cell(row, cols["title"]),
                url=urls[0] if urls else "",
                extra_urls=urls[1:],
                username=_cell(row, cols["username"]),
                secret=_cell(row, cols["password"]),
                notes=_cell(row, notes),
                totp=_cell(row, totp),
                folder=_cell(row, tags).replace(",", "/"),
                type_hint=_cell(row, kind),
                skip_reason="archived in 1Password" if is_archived else "",
            )

    return finish(raw(), what)


def parse_mapping(text: str) -> dict[str, str]:
    """`system=Title,username=Login,...` → {field: column name (lower case)}."""
    mapping: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        field, sep, col = part.partition("=")
        field = MAP_ALIASES.get(field.strip().lower(), field.strip().lower())
        if not sep or not col.strip():
            raise ImportFileError(
                f"In the column mapping, {part.strip()!r} is not FIELD=COLUMN "
                "(for example system=Title)."
            )
        if field not in MAPPABLE + MAPPABLE_EXTRA:
            raise ImportFileError(
                f"In the column mapping, {field!r} is not a field; use "
                f"{', '.join(MAPPABLE + MAPPABLE_EXTRA)}."
            )
        if field in mapping:
            raise ImportFileError(f"The column mapping names {field!r} twice.")
        mapping[field] = col.strip().lower()
    if "secret" not in mapping:
        raise ImportFileError("The column mapping must name the secret's column (secret=COLUMN).")
    if "system" not in mapping and "url" not in mapping and "host" not in mapping:
        raise ImportFileError(
            "The column mapping must name the system's column (system=COLUMN) or a URL or host."
        )
    return mapping


def generic_csv(data: bytes, mapping: dict[str, str], encoding: str | None = None) -> ParsedFile:
    what = "CSV file"
    if not mapping:
        raise ImportFileError(
            "A generic CSV needs a column mapping, for example "
            "--map system=Title,username=Login,secret=Password."
        )
    names, rows = read_csv(decode(data, what, encoding), what)
    for field, col in mapping.items():
        if col not in names:
            raise ImportFileError(
                f"The column {col!r} mapped to {field} is not in the file's first row "
                f"({count(len(names), 'column')} there)."
            )
    port_column = mapping.get("port", "")

    def raw() -> Iterator[RawEntry]:
        for row in rows:
            values = {field: row.cells.get(col, "") for field, col in mapping.items()}
            yield RawEntry(
                row=row.row,
                title=values.get("system", ""),
                url=values.get("url", ""),
                host=values.get("host", ""),
                port=values.get("port", ""),
                port_column=port_column,
                username=values.get("username", ""),
                secret=values.get("secret", ""),
                notes=values.get("notes", ""),
                totp=values.get("totp", ""),
                folder=values.get("folder", ""),
                category=values.get("category", ""),
            )

    return finish(raw(), what)


def _join_notes(notes: str, fields: str) -> str:
    if fields.strip():
        return (notes.rstrip() + "\n\n" if notes.strip() else "") + fields.strip()
    return notes
