"""More CSV exports, each by the header row its tool documents: browsers, Apple Passwords,
Dashlane, Keeper (no header row), NordPass, RoboForm, and Delinea/Thycotic Secret Server."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

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

CHROME_HEADER = "name,url,username,password,note"
FIREFOX_HEADER = (
    '"url","username","password","httpRealm","formActionOrigin","guid","timeCreated",'
    '"timeLastUsed","timePasswordChanged"'
)
SAFARI_HEADER = "Title,URL,Username,Password,Notes,OTPAuth"
DASHLANE_HEADER = "username,username2,username3,title,password,note,url,category,otpSecret"
NORDPASS_HEADER = (
    "name,url,additional_urls,username,password,note,cardholdername,cardnumber,cvc,pin,"
    "expirydate,zipcode,folder,full_name,phone_number,email,address1,address2,city,country,"
    "state,type,custom_fields"
)
ROBOFORM_HEADER = "Name,Url,MatchUrl,Login,Pwd,Note,Folder,RfFieldsV2"
SECRET_SERVER_HEADER = "Secret Name,Folder Path,Template,Server,Username,Password,Notes"  # noqa: S105 (a header row)
KEEPER_COLUMNS = ("folder", "title", "login", "password", "url", "notes", "shared folder")


def _cell(row: CsvRow, name: str | None) -> str:
    return row.cells.get(name, "") if name else ""


def browser_csv(data: bytes, encoding: str | None = None) -> ParsedFile:
    """Chrome, Edge, Brave and Opera (`name,url,username,password,note`), and Firefox."""
    what = "browser passwords CSV"
    names, rows = read_csv(decode(data, what, encoding), what)
    cols = require_columns(
        names, what, url=("url",), username=("username",), password=("password",)
    )
    name, note = column(names, "name"), column(names, "note", "notes")

    def raw() -> Iterator[RawEntry]:
        for row in rows:
            yield RawEntry(
                row=row.row,
                title=_cell(row, name),
                url=_cell(row, cols["url"]),
                username=_cell(row, cols["username"]),
                secret=_cell(row, cols["password"]),
                notes=_cell(row, note),
            )

    return finish(raw(), what)


def safari_csv(data: bytes, encoding: str | None = None) -> ParsedFile:
    what = "Safari or Apple Passwords CSV export"
    names, rows = read_csv(decode(data, what, encoding), what)
    cols = require_columns(
        names, what, title=("title",), url=("url",), username=("username",), password=("password",)
    )
    notes, otp = column(names, "notes"), column(names, "otpauth")

    def raw() -> Iterator[RawEntry]:
        for row in rows:
            yield RawEntry(
                row=row.row,
                title=_cell(row, cols["title"]),
                url=_cell(row, cols["url"]),
                username=_cell(row, cols["username"]),
                secret=_cell(row, cols["password"]),
                notes=_cell(row, notes),
                totp=_cell(row, otp),
            )

    return finish(raw(), what)


def dashlane_csv(data: bytes, encoding: str | None = None) -> ParsedFile:
    what = "Dashlane CSV export (credentials.csv)"
    names, rows = read_csv(decode(data, what, encoding), what)
    cols = require_columns(
        names, what, title=("title",), username=("username",), password=("password",)
    )
    url, note = column(names, "url"), column(names, "note")
    category, otp = column(names, "category"), column(names, "otpsecret", "otpurl")
    alternates = [c for c in ("username2", "username3") if c in names]

    def raw() -> Iterator[RawEntry]:
        for row in rows:
            others = [_cell(row, c) for c in alternates if _cell(row, c).strip()]
            notes = _cell(row, note)
            if others:
                extra = "Other user names: " + ", ".join(others)
                notes = f"{notes.rstrip()}\n\n{extra}" if notes.strip() else extra
            yield RawEntry(
                row=row.row,
                title=_cell(row, cols["title"]),
                url=_cell(row, url),
                username=_cell(row, cols["username"]),
                secret=_cell(row, cols["password"]),
                notes=notes,
                totp=_cell(row, otp),
                folder=_cell(row, category),
            )

    return finish(raw(), what)


def nordpass_csv(data: bytes, encoding: str | None = None) -> ParsedFile:
    what = "NordPass CSV export"
    names, rows = read_csv(decode(data, what, encoding), what)
    cols = require_columns(
        names,
        what,
        name=("name",),
        url=("url",),
        username=("username",),
        password=("password",),
        kind=("type",),
    )
    extra_urls, note = column(names, "additional_urls"), column(names, "note")
    folder, custom = column(names, "folder"), column(names, "custom_fields")

    def raw() -> Iterator[RawEntry]:
        for row in rows:
            kind = _cell(row, cols["kind"]).strip().lower()
            notes = _cell(row, note)
            skip = review = ""
            if kind == "folder":
                skip = "a folder, not a login"
            elif kind == "note":
                skip, review = "a secure note, not a login", NOTE_REVIEW if notes.strip() else ""
            elif kind in ("credit_card", "identity"):
                skip = f"a{'n' if kind == 'identity' else ''} {kind.replace('_', ' ')}, not a login"
            custom_text = _cell(row, custom).strip()
            if custom_text:
                notes = f"{notes.rstrip()}\n\n{custom_text}" if notes.strip() else custom_text
            yield RawEntry(
                row=row.row,
                title=_cell(row, cols["name"]),
                url=_cell(row, cols["url"]),
                extra_urls=_list(_cell(row, extra_urls)),
                username=_cell(row, cols["username"]),
                secret=_cell(row, cols["password"]),
                notes=notes,
                folder=_cell(row, folder),
                skip_reason=skip,
                review=review,
            )

    return finish(raw(), what)


def _list(text: str) -> list[str]:
    """NordPass lists further addresses as a JSON-like list or one per line."""
    cleaned = text.strip().strip("[]")
    parts = cleaned.replace("\n", ",").split(",")
    return [p.strip().strip('"') for p in parts if p.strip().strip('"')]


def roboform_csv(data: bytes, encoding: str | None = None) -> ParsedFile:
    what = "RoboForm CSV export"
    names, rows = read_csv(decode(data, what, encoding), what)
    cols = require_columns(names, what, name=("name",), login=("login",), password=("pwd",))
    url, note, folder = column(names, "url"), column(names, "note"), column(names, "folder")

    def raw() -> Iterator[RawEntry]:
        for row in rows:
            yield RawEntry(
                row=row.row,
                title=_cell(row, cols["name"]),
                url=_cell(row, url),
                username=_cell(row, cols["login"]),
                secret=_cell(row, cols["password"]),
                notes=_cell(row, note),
                folder=_cell(row, folder).strip("/"),
            )

    return finish(raw(), what)


def secret_server_csv(data: bytes, encoding: str | None = None) -> ParsedFile:
    """Delinea (Thycotic) Secret Server: Administration > Export Secrets, CSV."""
    what = "Secret Server CSV export"
    names, rows = read_csv(decode(data, what, encoding), what)
    cols = require_columns(
        names,
        what,
        name=("secret name", "secretname", "name"),
        password=("password", "private key passphrase"),
    )
    folder = column(names, "folder path", "folderpath", "folder")
    template = column(names, "template", "secret template")
    username = column(names, "username", "user name", "login")
    url = column(names, "url", "resource", "website")
    host = column(names, "machine", "server", "host", "domain", "ip address / host name")
    notes = column(names, "notes")

    def raw() -> Iterator[RawEntry]:
        for row in rows:
            yield RawEntry(
                row=row.row,
                title=_cell(row, cols["name"]),
                url=_cell(row, url),
                host=_cell(row, host) if not _cell(row, url) else "",
                username=_cell(row, username),
                secret=_cell(row, cols["password"]),
                notes=_cell(row, notes),
                folder=_cell(row, folder).strip("\\/").replace("\\", "/"),
                type_hint=_cell(row, template),
            )

    return finish(raw(), what)


def keeper_csv(data: bytes, encoding: str | None = None) -> ParsedFile:
    """Keeper: Settings > Export > CSV. It has no header row: folder, title, login, password,
    website address, notes, shared folder, then custom field names and values in pairs."""
    what = "Keeper CSV export"
    text = decode(data, what, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    first = text.splitlines()[0].strip().lower() if text.strip() else ""
    if first.startswith(("folder,title", "name,url", "url,username")):
        raise ImportFileError(
            f"This is not a {what}: Keeper writes no header row, and this file starts with one. "
            "Check the format chosen."
        )

    def raw() -> Iterator[RawEntry]:
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                raise ImportFileError(
                    f"Row {number + 1} of the {what} is not valid CSV (line {reader.line_num})."
                ) from None
            number += 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) < 6:
                raise ImportFileError(
                    f"Row {number} of the {what} has {len(cells)} cells; Keeper writes at least "
                    "six (folder, title, login, password, website, notes)."
                )
            folder, title, login, password, url, notes = (
                c.replace("\r\n", "\n") for c in cells[:6]
            )
            shared = cells[6] if len(cells) > 6 else ""
            custom = cells[7:]
            pairs = [(custom[i], custom[i + 1]) for i in range(0, len(custom) - 1, 2)]
            totp = next((v for k, v in pairs if k.startswith("TFC:")), "")
            extra = [
                f"{k}: {v}"
                for k, v in pairs
                if (k.strip() or v.strip()) and not k.startswith("TFC:")
            ]
            if extra:
                notes = (notes.rstrip() + "\n\n" if notes.strip() else "") + "\n".join(extra)
            yield RawEntry(
                row=number,
                title=title,
                url=url,
                username=login,
                secret=password,
                notes=notes,
                totp=totp,
                folder=folder or shared,
            )

    return finish(raw(), what)
