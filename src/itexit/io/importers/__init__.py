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
from itexit.io.importers.json_formats import (
    enpass_json,
    keeper_json,
    onepassword_1pif,
    onepassword_1pux,
    proton_pass_json,
)
from itexit.io.importers.keepass import kdbx, keepass_xml
from itexit.io.importers.more_csv import (
    browser_csv,
    dashlane_csv,
    keeper_csv,
    nordpass_csv,
    roboform_csv,
    safari_csv,
    secret_server_csv,
)

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
    ONEPASSWORD_1PUX = "1password-1pux"
    ONEPASSWORD_1PIF = "1password-1pif"
    CHROME_CSV = "chrome-csv"
    FIREFOX_CSV = "firefox-csv"
    SAFARI_CSV = "safari-csv"
    DASHLANE_CSV = "dashlane-csv"
    KEEPER_CSV = "keeper-csv"
    KEEPER_JSON = "keeper-json"
    PROTON_PASS = "protonpass-json"  # noqa: S105 (a format name)
    ENPASS_JSON = "enpass-json"
    NORDPASS_CSV = "nordpass-csv"
    ROBOFORM_CSV = "roboform-csv"
    SECRET_SERVER_CSV = "secretserver-csv"  # noqa: S105 (a format name)
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
    ImportKind.ONEPASSWORD_1PUX: KindInfo(
        "1Password 1PUX", "1Password 8: File > Export > 1PUX (the whole .1pux file)"
    ),
    ImportKind.ONEPASSWORD_1PIF: KindInfo(
        "1Password 1PIF", "1Password 4 to 7: File > Export > 1Password Interchange Format"
    ),
    ImportKind.CHROME_CSV: KindInfo(
        "Chrome or Edge CSV", "Chrome, Edge, Brave: Settings > Passwords > Export passwords"
    ),
    ImportKind.FIREFOX_CSV: KindInfo(
        "Firefox CSV", "Firefox: Passwords (about:logins) > ⋯ > Export passwords"
    ),
    ImportKind.SAFARI_CSV: KindInfo(
        "Safari or Apple Passwords CSV", "Passwords app or Safari: File > Export passwords"
    ),
    ImportKind.DASHLANE_CSV: KindInfo(
        "Dashlane CSV", "Dashlane: Settings > Export data > CSV (credentials.csv)"
    ),
    ImportKind.KEEPER_CSV: KindInfo("Keeper CSV", "Keeper: Settings > Export > CSV file"),
    ImportKind.KEEPER_JSON: KindInfo("Keeper JSON", "Keeper: Settings > Export > JSON file"),
    ImportKind.PROTON_PASS: KindInfo(
        "Proton Pass", "Proton Pass: Settings > Export, without encryption (.zip or data.json)"
    ),
    ImportKind.ENPASS_JSON: KindInfo("Enpass JSON", "Enpass: File > Export > .json"),
    ImportKind.NORDPASS_CSV: KindInfo("NordPass CSV", "NordPass: Settings > Export items"),
    ImportKind.ROBOFORM_CSV: KindInfo("RoboForm CSV", "RoboForm: Options > Export > CSV"),
    ImportKind.SECRET_SERVER_CSV: KindInfo(
        "Delinea Secret Server CSV",
        "Secret Server (Thycotic): Administration > Export Secrets > CSV",
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
        ImportKind.ONEPASSWORD_1PUX: onepassword_1pux,
        ImportKind.ONEPASSWORD_1PIF: onepassword_1pif,
        ImportKind.CHROME_CSV: browser_csv,
        ImportKind.FIREFOX_CSV: browser_csv,
        ImportKind.SAFARI_CSV: safari_csv,
        ImportKind.DASHLANE_CSV: dashlane_csv,
        ImportKind.KEEPER_CSV: keeper_csv,
        ImportKind.KEEPER_JSON: keeper_json,
        ImportKind.PROTON_PASS: proton_pass_json,
        ImportKind.ENPASS_JSON: enpass_json,
        ImportKind.NORDPASS_CSV: nordpass_csv,
        ImportKind.ROBOFORM_CSV: roboform_csv,
        ImportKind.SECRET_SERVER_CSV: secret_server_csv,
    }
    return readers[kind](data, encoding)
