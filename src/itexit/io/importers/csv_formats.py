"""The CSV exports: Bitwarden, KeePassXC (and KeePass 1.x CSV), LastPass, 1Password, generic.

Each format is a set of header names (the exact first row each product writes, with the few
variants its versions use) mapped onto one `RawEntry` per row by a `CsvLayout`; a generic CSV
is one whose layout the person's column mapping declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from itexit.domain.wording import count
from itexit.io.importers.common import NOTE_REVIEW, ImportFileError, ParsedFile
from itexit.io.importers.csv_layout import Cells, CsvLayout, Fields, Reader, joined

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
_GENERIC_FIELDS = {"system": "title"}  # the mapping's field names that an entry names otherwise


def _bitwarden(cells: Cells) -> Fields:
    kind = cells.pop("kind").strip().lower()
    skip = review = ""
    if kind in ("note", "securenote", "secure note") and not cells["secret"]:
        skip = "a secure note, not a login"
        review = NOTE_REVIEW if cells["notes"].strip() else ""
    elif kind in ("card", "identity"):
        skip = f"a{'n' if kind == 'identity' else ''} {kind}, not a login"
    uris = [u.strip() for u in cells["url"].split(",") if u.strip()]
    notes = joined(cells["notes"], cells.pop("fields").strip())
    return cells | {
        "url": uris[0] if uris else "",
        "extra_urls": uris[1:],
        "notes": notes,
        "skip_reason": skip,
        "review": review,
    }


bitwarden_csv: Reader = CsvLayout(
    "Bitwarden CSV export",
    required={
        "title": ("name",),
        "kind": ("type",),
        "url": ("login_uri",),
        "username": ("login_username",),
        "secret": ("login_password",),
    },
    optional={
        "folder": ("folder", "collections"),
        "notes": ("notes",),
        "fields": ("fields",),
        "totp": ("login_totp",),
    },
    shape=_bitwarden,
)


def _keepass(cells: Cells) -> Fields:
    parts = cells["folder"].split("/")
    in_bin = any(p.strip().lower() in ("recycle bin", "papierkorb") for p in parts[1:])
    return cells | {
        "folder": "/".join(parts[1:]) if len(parts) > 1 else cells["folder"],
        "skip_reason": "in the recycle bin" if in_bin else "",
    }


keepass_csv: Reader = CsvLayout(
    "KeePass CSV export",
    required={
        "title": ("title", "account"),
        "username": ("username", "login name", "user name"),
        "secret": ("password",),
    },
    optional={
        "url": ("url", "web site"),
        "notes": ("notes", "comments"),
        "folder": ("group",),
        "totp": ("totp",),
    },
    shape=_keepass,
)


def _lastpass(cells: Cells) -> Fields:
    note = cells["url"].strip().lower() == LASTPASS_NOTE_URL
    bare_note = note and not cells["secret"]
    return cells | {
        "url": "" if note else cells["url"],
        "folder": cells["folder"].replace("\\", "/"),
        "skip_reason": "a secure note, not a login" if bare_note else "",
        "review": NOTE_REVIEW if bare_note and cells["notes"].strip() else "",
    }


lastpass_csv: Reader = CsvLayout(
    "LastPass CSV export",
    required={
        "url": ("url",),
        "username": ("username",),
        "secret": ("password",),
        "title": ("name",),
    },
    optional={"notes": ("extra",), "folder": ("grouping",), "totp": ("totp",)},
    shape=_lastpass,
)


def _onepassword(cells: Cells) -> Fields:
    archived = cells.pop("archived").strip().lower() == "true"
    urls = [u.strip() for u in cells["url"].split("\n") if u.strip()]
    return cells | {
        "url": urls[0] if urls else "",
        "extra_urls": urls[1:],
        "folder": cells["folder"].replace(",", "/"),
        "skip_reason": "archived in 1Password" if archived else "",
    }


onepassword_csv: Reader = CsvLayout(
    "1Password CSV export",
    required={"title": ("title",), "username": ("username",), "secret": ("password",)},
    optional={
        "url": ("url", "website", "urls"),
        "notes": ("notes", "notesplain"),
        "totp": ("otpauth", "one-time password", "otp"),
        "folder": ("tags",),
        "type_hint": ("type",),
        "archived": ("archived",),
    },
    shape=_onepassword,
)


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


@dataclass(frozen=True)
class MappedCsv(CsvLayout):
    """Any CSV, read by the column mapping the person gives (`parse_mapping`)."""

    mapping: Mapping[str, str] = field(default_factory=dict)
    """Field → column, as the person named them."""

    def columns(self, names: list[str]) -> dict[str, str | None]:
        for name, col in self.mapping.items():
            if col not in names:
                raise ImportFileError(
                    f"The column {col!r} mapped to {name} is not in the file's first row "
                    f"({count(len(names), 'column')} there)."
                )
        return super().columns(names)


def generic_csv(data: bytes, mapping: dict[str, str], encoding: str | None = None) -> ParsedFile:
    if not mapping:
        raise ImportFileError(
            "A generic CSV needs a column mapping, for example "
            "--map system=Title,username=Login,secret=Password."
        )
    required = {_GENERIC_FIELDS.get(name, name): (col,) for name, col in mapping.items()}
    return MappedCsv("CSV file", required=required, mapping=mapping)(data, encoding)
