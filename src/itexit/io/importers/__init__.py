"""Readers of password-manager exports: bytes in, plain entries and skipped rows out.

No reader writes anything or touches the database: the service previews what they return and
commits it in one transaction.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from itexit.io.importers.bitwarden_json import bitwarden_json
from itexit.io.importers.common import (
    ImportedEntry,
    ImportFileError,
    ParsedFile,
    SkippedRow,
    category_for,
)
from itexit.io.importers.csv_formats import (
    MAPPABLE,
    bitwarden_csv,
    generic_csv,
    keepass_csv,
    lastpass_csv,
    onepassword_csv,
    parse_mapping,
)
from itexit.io.importers.keepass import kdbx, keepass_xml

__all__ = [
    "KINDS",
    "MAPPABLE",
    "ImportFileError",
    "ImportKind",
    "ImportedEntry",
    "KindInfo",
    "ParsedFile",
    "SkippedRow",
    "category_for",
    "parse",
    "parse_mapping",
]


class ImportKind(StrEnum):
    BITWARDEN_CSV = "bitwarden-csv"
    BITWARDEN_JSON = "bitwarden-json"
    KEEPASS = "keepass"
    KEEPASS_XML = "keepass-xml"
    KEEPASS_CSV = "keepass-csv"
    LASTPASS_CSV = "lastpass-csv"
    ONEPASSWORD_CSV = "1password-csv"
    CSV = "csv"


class KindInfo(NamedTuple):
    label: str
    how: str
    """Where the export comes from, in the product's own words."""


KINDS: dict[ImportKind, KindInfo] = {
    ImportKind.BITWARDEN_CSV: KindInfo(
        "Bitwarden CSV", "Bitwarden: Tools > Export vault > File format .csv"
    ),
    ImportKind.BITWARDEN_JSON: KindInfo(
        "Bitwarden JSON", "Bitwarden: Tools > Export vault > File format .json (not Encrypted)"
    ),
    ImportKind.KEEPASS: KindInfo(
        "KeePass database (.kdbx)", "The .kdbx file itself, with its password and/or key file"
    ),
    ImportKind.KEEPASS_XML: KindInfo(
        "KeePass XML", "KeePassXC: Database > Export > XML; KeePass: Export > KeePass XML (2.x)"
    ),
    ImportKind.KEEPASS_CSV: KindInfo("KeePass CSV", "KeePassXC: Database > Export > CSV file"),
    ImportKind.LASTPASS_CSV: KindInfo(
        "LastPass CSV", "LastPass: Advanced options > Export (saves a .csv)"
    ),
    ImportKind.ONEPASSWORD_CSV: KindInfo(
        "1Password CSV", "1Password 8: File > Export > CSV (Logins)"
    ),
    ImportKind.CSV: KindInfo(
        "Other CSV (map the columns)", "Any CSV with a header row; name its columns in the mapping"
    ),
}


def parse(
    kind: ImportKind,
    data: bytes,
    *,
    name: str = "the file",
    password: str | None = None,
    keyfile: bytes | None = None,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
) -> ParsedFile:
    """Read an export held in memory; raise `ImportFileError` (one sentence) if it is wrong."""
    if kind is ImportKind.KEEPASS:
        return kdbx(data, password, keyfile, name)
    if kind is ImportKind.CSV:
        return generic_csv(data, mapping or {}, encoding)
    readers = {
        ImportKind.BITWARDEN_CSV: bitwarden_csv,
        ImportKind.BITWARDEN_JSON: bitwarden_json,
        ImportKind.KEEPASS_XML: keepass_xml,
        ImportKind.KEEPASS_CSV: keepass_csv,
        ImportKind.LASTPASS_CSV: lastpass_csv,
        ImportKind.ONEPASSWORD_CSV: onepassword_csv,
    }
    return readers[kind](data, encoding)
