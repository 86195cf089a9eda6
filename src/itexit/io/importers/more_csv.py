"""More CSV exports, each by the header row its tool documents: browsers, Apple Passwords,
Dashlane, Keeper (no header row), NordPass, RoboForm, and Delinea/Thycotic Secret Server."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from itexit.io.importers.common import (
    NOTE_REVIEW,
    ImportFileError,
    ParsedFile,
    RawEntry,
    decode,
    finish,
)
from itexit.io.importers.csv_layout import Cells, CsvLayout, Fields, Reader, joined

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


# Chrome, Edge, Brave and Opera (`name,url,username,password,note`), and Firefox.
browser_csv: Reader = CsvLayout(
    "browser passwords CSV",
    required={"url": ("url",), "username": ("username",), "secret": ("password",)},
    optional={"title": ("name",), "notes": ("note", "notes")},
)

safari_csv: Reader = CsvLayout(
    "Safari or Apple Passwords CSV export",
    required={
        "title": ("title",),
        "url": ("url",),
        "username": ("username",),
        "secret": ("password",),
    },
    optional={"notes": ("notes",), "totp": ("otpauth",)},
)


def _dashlane(cells: Cells) -> Fields:
    others = [cells.pop(c) for c in ("username2", "username3")]
    named = [name for name in others if name.strip()]
    extra = "Other user names: " + ", ".join(named) if named else ""
    return cells | {"notes": joined(cells["notes"], extra)}


dashlane_csv: Reader = CsvLayout(
    "Dashlane CSV export (credentials.csv)",
    required={"title": ("title",), "username": ("username",), "secret": ("password",)},
    optional={
        "url": ("url",),
        "notes": ("note",),
        "folder": ("category",),
        "totp": ("otpsecret", "otpurl"),
        "username2": ("username2",),
        "username3": ("username3",),
    },
    shape=_dashlane,
)


def _nordpass(cells: Cells) -> Fields:
    kind = cells.pop("kind").strip().lower()
    skip = review = ""
    if kind == "folder":
        skip = "a folder, not a login"
    elif kind == "note":
        skip, review = "a secure note, not a login", NOTE_REVIEW if cells["notes"].strip() else ""
    elif kind in ("credit_card", "identity"):
        skip = f"a{'n' if kind == 'identity' else ''} {kind.replace('_', ' ')}, not a login"
    return cells | {
        "extra_urls": _list(cells["extra_urls"]),
        "notes": joined(cells["notes"], cells.pop("custom").strip()),
        "skip_reason": skip,
        "review": review,
    }


nordpass_csv: Reader = CsvLayout(
    "NordPass CSV export",
    required={
        "title": ("name",),
        "url": ("url",),
        "username": ("username",),
        "secret": ("password",),
        "kind": ("type",),
    },
    optional={
        "extra_urls": ("additional_urls",),
        "notes": ("note",),
        "folder": ("folder",),
        "custom": ("custom_fields",),
    },
    shape=_nordpass,
)


def _list(text: str) -> list[str]:
    """NordPass lists further addresses as a JSON-like list or one per line."""
    cleaned = text.strip().strip("[]")
    parts = cleaned.replace("\n", ",").split(",")
    return [p.strip().strip('"') for p in parts if p.strip().strip('"')]


roboform_csv: Reader = CsvLayout(
    "RoboForm CSV export",
    required={"title": ("name",), "username": ("login",), "secret": ("pwd",)},
    optional={"url": ("url",), "notes": ("note",), "folder": ("folder",)},
    shape=lambda cells: cells | {"folder": cells["folder"].strip("/")},
)


def _secret_server(cells: Cells) -> Fields:
    return cells | {
        "host": cells["host"] if not cells["url"] else "",
        "folder": cells["folder"].strip("\\/").replace("\\", "/"),
    }


# Delinea (Thycotic) Secret Server: Administration > Export Secrets, CSV.
secret_server_csv: Reader = CsvLayout(
    "Secret Server CSV export",
    required={
        "title": ("secret name", "secretname", "name"),
        "secret": ("password", "private key passphrase"),
    },
    optional={
        "folder": ("folder path", "folderpath", "folder"),
        "type_hint": ("template", "secret template"),
        "username": ("username", "user name", "login"),
        "url": ("url", "resource", "website"),
        "host": ("machine", "server", "host", "domain", "ip address / host name"),
        "notes": ("notes",),
    },
    shape=_secret_server,
)


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
            notes = joined(notes, "\n".join(extra))
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
