"""Each export format read from a hand-written file in the product's documented layout."""

from __future__ import annotations

import codecs

import pytest
from exports import (
    BITWARDEN_CSV,
    BITWARDEN_JSON,
    BITWARDEN_JSON_ENCRYPTED,
    BITWARDEN_ORG_CSV,
    CANARY,
    GENERIC_CSV,
    KEEPASS1_CSV,
    KEEPASS_XML,
    KEEPASSXC_CSV,
    LASTPASS_CSV,
    ONEPASSWORD_CSV,
)

from itexit.domain.credentials import Category
from itexit.io.importers import ImportFileError, ImportKind, ParsedFile, parse, parse_mapping


def read(kind: ImportKind, text: str | bytes, **kwargs: object) -> ParsedFile:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse(kind, data, **kwargs)  # type: ignore[arg-type]


def skipped(parsed: ParsedFile) -> list[tuple[int, str]]:
    return [(s.row, s.reason) for s in parsed.skipped]


def test_bitwarden_csv_keeps_logins_and_says_why_it_skips_the_rest() -> None:
    parsed = read(ImportKind.BITWARDEN_CSV, BITWARDEN_CSV)
    assert [e.system for e in parsed.entries] == [
        "Practice Webmail",
        "Front desk router",
        "Athena EHR",
    ]
    webmail, router, ehr = parsed.entries
    assert webmail.row == 2 and webmail.notes == "Admin mailbox\nsecond line"
    assert webmail.username == "gary@greenway.example"
    assert webmail.secret.get_secret_value() == f"{CANARY}-bw1"
    assert webmail.totp.get_secret_value().startswith("otpauth://totp/")
    assert webmail.category is Category.EMAIL and webmail.folder == "Email"
    assert router.host == "192.168.1.1" and router.port == 8443
    assert router.category is Category.FIREWALL and "PIN: 4455" in router.notes
    assert ehr.category is Category.EHR
    assert skipped(parsed) == [
        (3, "a secure note, not a login"),
        (5, "empty entry"),
        (6, "duplicate of row 4"),
    ]
    assert parsed.rows == 6


def test_bitwarden_organisation_csv_uses_collections_as_folders() -> None:
    parsed = read(ImportKind.BITWARDEN_CSV, BITWARDEN_ORG_CSV)
    assert parsed.entries[0].folder == "Banking"
    assert parsed.entries[0].category is Category.BANKING


def test_bitwarden_json_reads_folders_fields_and_skips_cards_and_notes() -> None:
    parsed = read(ImportKind.BITWARDEN_JSON, BITWARDEN_JSON)
    assert [e.system for e in parsed.entries] == ["Practice Webmail", "Offsite backup"]
    webmail, backup = parsed.entries
    assert webmail.category is Category.EMAIL
    assert f"Recovery PIN: {CANARY}-pin" in webmail.notes
    assert webmail.totp.get_secret_value() == "JBSWY3DPEHPK3PXP"
    assert backup.category is Category.BACKUP and backup.url == ""
    assert skipped(parsed) == [
        (2, "a secure note, not a login"),
        (3, "a payment card, not a login"),
    ]
    assert parsed.row_word == "item"


def test_an_encrypted_bitwarden_export_is_refused_with_what_to_do() -> None:
    with pytest.raises(ImportFileError, match=r"encrypted: export again choosing .*'\.json'"):
        read(ImportKind.BITWARDEN_JSON, BITWARDEN_JSON_ENCRYPTED)


def test_keepassxc_csv_strips_the_root_group_and_leaves_the_recycle_bin() -> None:
    parsed = read(ImportKind.KEEPASS_CSV, KEEPASSXC_CSV)
    assert [e.system for e in parsed.entries] == ["Webmail", "Fortigate"]
    webmail, fortigate = parsed.entries
    assert webmail.notes == "line one\nline two"
    assert webmail.folder == "Email" and webmail.category is Category.EMAIL
    assert fortigate.folder == "Network/Firewalls" and fortigate.category is Category.FIREWALL
    assert fortigate.port == 4443
    assert skipped(parsed) == [(4, "in the recycle bin")]


def test_keepass_1x_csv_columns_are_understood() -> None:
    parsed = read(ImportKind.KEEPASS_CSV, KEEPASS1_CSV)
    (entry,) = parsed.entries
    assert (entry.system, entry.username, entry.host) == ("Bank portal", "office", "bank.example")
    assert entry.notes == "quarterly" and entry.category is Category.BANKING


def test_lastpass_csv_maps_groupings_and_skips_secure_notes() -> None:
    parsed = read(ImportKind.LASTPASS_CSV, LASTPASS_CSV)
    assert [e.system for e in parsed.entries] == ["Domain registrar", "Phones"]
    registrar, phones = parsed.entries
    assert registrar.folder == "Web/Domains" and registrar.category is Category.DOMAIN_REGISTRAR
    assert registrar.notes == "renews in May"
    assert phones.category is Category.PHONE and phones.totp.get_secret_value()
    assert skipped(parsed) == [(3, "a secure note, not a login")]


def test_onepassword_csv_skips_archived_items_and_uses_tags() -> None:
    parsed = read(ImportKind.ONEPASSWORD_CSV, ONEPASSWORD_CSV)
    assert [e.system for e in parsed.entries] == ["DNS host", "Copier"]
    dns, copier = parsed.entries
    assert dns.category is Category.DNS
    assert copier.category is Category.DEVICE and copier.notes == "toner, paper"
    assert skipped(parsed) == [(3, "archived in 1Password")]


def test_keepass_xml_walks_groups_and_leaves_out_history_and_the_bin() -> None:
    parsed = read(ImportKind.KEEPASS_XML, KEEPASS_XML)
    assert [e.system for e in parsed.entries] == ["Domain controller", "Staff network"]
    dc, wifi = parsed.entries
    assert dc.category is Category.SERVER and dc.host == "dc01.greenway.local"
    assert dc.port == 3389 and dc.username == "GREENWAY\\administrator"
    assert "Recovery email: gary@personal.example" in dc.notes
    assert dc.totp.get_secret_value().startswith("otpauth://")
    assert wifi.category is Category.WIFI and wifi.folder == "Wi-Fi"
    assert skipped(parsed) == [
        (3, "no password (a note or an empty login)"),
        (4, "in the recycle bin"),
    ]
    assert all(f"{CANARY}-old" != e.secret.get_secret_value() for e in parsed.entries)


def test_generic_csv_follows_the_mapping() -> None:
    mapping = parse_mapping("system=Service,username=Login,secret=Secret,host=Where,category=Kind")
    parsed = read(ImportKind.CSV, GENERIC_CSV, mapping=mapping)
    assert [(e.system, e.host, e.category) for e in parsed.entries] == [
        ("File server", "files.greenway.local", Category.SERVER),
        ("Printer", "printer.local", Category.DEVICE),
    ]


def test_generic_csv_names_the_row_and_column_of_a_bad_port() -> None:
    mapping = parse_mapping("system=Service,secret=Secret,port=Port")
    with pytest.raises(ImportFileError, match=r"^Row 3 of the CSV file, column port: .*1 to 65535"):
        read(ImportKind.CSV, GENERIC_CSV, mapping=mapping)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("username=Login", "must name the secret's column"),
        ("secret=Secret,username=Login", "must name the system's column"),
        ("system=Service,secret", "is not FIELD=COLUMN"),
        ("system=Service,secret=Secret,colour=Kind", "'colour' is not a field"),
        ("system=Service,secret=Secret,title=Login", "names 'system' twice"),
    ],
)
def test_a_wrong_mapping_is_one_sentence(text: str, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        parse_mapping(text)


def test_a_mapped_column_missing_from_the_file_is_named() -> None:
    mapping = parse_mapping("system=Name,secret=Secret")
    with pytest.raises(ImportFileError, match=r"The column 'name' mapped to system is not"):
        read(ImportKind.CSV, GENERIC_CSV, mapping=mapping)


# --- malformed files: one sentence naming the row, never a cell's content -----------------------

HEADER = BITWARDEN_CSV.split("\n", 1)[0] + "\n"
GOOD_ROW = f",,login,Router,,,0,http://r.example,admin,{CANARY}-ok,\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (GOOD_ROW + f',,login,"Broken,,,0,,admin,{CANARY}-bad,\n', r"Row 3 .* never closed"),
        (GOOD_ROW + f",,login,Extra,,,0,,admin,{CANARY}-bad,,x\n", r"Row 3 .* has 12 cells"),
        (GOOD_ROW + f",,login,Short,admin,{CANARY}-bad\n", r"Row 3 .* has 6 cells"),
        (GOOD_ROW + f',,login,"Quo"ted,,,0,,admin,{CANARY}-bad,\n', r"Row 3 .* quote"),
    ],
)
def test_a_malformed_row_is_named_and_its_content_never_echoed(body: str, message: str) -> None:
    with pytest.raises(ImportFileError, match=message) as caught:
        read(ImportKind.BITWARDEN_CSV, HEADER + body)
    assert CANARY not in str(caught.value)


def test_the_wrong_format_says_which_columns_are_missing_without_echoing_cells() -> None:
    with pytest.raises(ImportFileError, match=r"not a Bitwarden CSV export.*'login_password'"):
        read(ImportKind.BITWARDEN_CSV, LASTPASS_CSV)
    with pytest.raises(ImportFileError) as caught:  # a file with no header row at all
        read(ImportKind.LASTPASS_CSV, f"https://x.example,gary,{CANARY}-h,,,X,,0\n")
    assert CANARY not in str(caught.value)


def test_byte_order_marks_and_utf16_are_read() -> None:
    text = ONEPASSWORD_CSV.replace("Copier", "Kopierer Büro")
    for data in (codecs.BOM_UTF8 + text.encode(), text.encode("utf-16")):
        parsed = read(ImportKind.ONEPASSWORD_CSV, data)
        assert parsed.entries[-1].system == "Kopierer Büro"


def test_a_file_in_another_encoding_is_refused_unless_named() -> None:
    data = ONEPASSWORD_CSV.replace("Copier", "Kopierer Büro").encode("cp1252")
    with pytest.raises(ImportFileError, match=r"not UTF-8 text \(line 4 .*cp1252"):
        read(ImportKind.ONEPASSWORD_CSV, data)
    parsed = read(ImportKind.ONEPASSWORD_CSV, data, encoding="cp1252")
    assert parsed.entries[-1].system == "Kopierer Büro"


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        (ImportKind.LASTPASS_CSV, b"", "is empty"),
        (ImportKind.LASTPASS_CSV, b"url,username\x00,password\n", "NUL character on line 1"),
        (ImportKind.BITWARDEN_JSON, b'{"items": [\n{"name": 1,}\n]}', r"line 2, column 12"),
        (ImportKind.BITWARDEN_JSON, b"[1, 2]", "not a JSON object"),
        (ImportKind.BITWARDEN_JSON, b'{"items": [{"login": []}]}', "item 1: .*'login'"),
        (ImportKind.BITWARDEN_JSON, b'{"items": [{"name": {"x": 1}}]}', "item 1: .*'name'"),
        (ImportKind.KEEPASS_XML, b"<KeePassFile><Root>\n<Group></Root>", r"line 2"),
        (ImportKind.KEEPASS_XML, b"<html><body/></html>", "not a KeePass XML export"),
        (ImportKind.KEEPASS, b"PK\x03\x04 zip file", "is not a KeePass database"),
    ],
)
def test_malformed_files_are_one_clear_sentence(
    kind: ImportKind, data: bytes, message: str
) -> None:
    with pytest.raises(ImportFileError, match=message):
        read(kind, data, password="x")


def test_an_xml_taken_from_inside_a_database_is_refused() -> None:
    protected = KEEPASS_XML.replace('ProtectInMemory="True"', 'Protected="True"')
    with pytest.raises(ImportFileError, match=r"Entry 1 .*protected"):
        read(ImportKind.KEEPASS_XML, protected)


def test_xml_entities_are_never_expanded() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE k [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<KeePassFile><Root><Group><Name>R</Name><Entry>"
        "<String><Key>Title</Key><Value>&b;</Value></String>"
        "<String><Key>Password</Key><Value>p</Value></String>"
        "</Entry></Group></Root></KeePassFile>"
    )
    parsed = read(ImportKind.KEEPASS_XML, bomb)
    assert "aaaaaaaaaa" not in "".join(e.system for e in parsed.entries)
