"""KeePass databases made by the real tools: keepassxc-cli (KDBX 3.1) and pykeepass (KDBX 4)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from exports import CANARY, KEEPASS_XML, kdbx_from_xml, kpcli, write

from itexit.domain.credentials import Category
from itexit.domain.errors import AuthenticationFailed
from itexit.io.importers import ImportFileError, ImportKind, parse

PASSWORD = "database-password-for-tests"
KDBX3 = bytes.fromhex("03d9a29a67fb4bb5 01000300")
KDBX4 = bytes.fromhex("03d9a29a67fb4bb5 00000400")


def version_of(path: Path) -> bytes:
    return path.read_bytes()[:12]


def test_a_database_made_by_keepassxc_cli_import_reads_like_its_xml(tmp_path: Path) -> None:
    database = kdbx_from_xml(tmp_path, KEEPASS_XML, PASSWORD)
    assert version_of(database) == KDBX3, "keepassxc-cli 2.7 writes KDBX 3.1"
    parsed = parse(ImportKind.KEEPASS, database.read_bytes(), password=PASSWORD)
    from_xml = parse(ImportKind.KEEPASS_XML, KEEPASS_XML.encode())
    assert [(e.system, e.username, e.category) for e in parsed.entries] == [
        (e.system, e.username, e.category) for e in from_xml.entries
    ]
    assert parsed.entries[0].secret.get_secret_value() == f"{CANARY}-x1"
    assert parsed.entries[0].totp.get_secret_value().startswith("otpauth://")
    assert [(s.row, s.reason) for s in parsed.skipped] == [
        (s.row, s.reason) for s in from_xml.skipped
    ]


def test_entries_added_with_keepassxc_cli_are_read(tmp_path: Path) -> None:
    database = tmp_path / "added.kdbx"
    kpcli("db-create", "-q", "-p", str(database), stdin=f"{PASSWORD}\n{PASSWORD}\n")
    kpcli("mkdir", "-q", str(database), "Email", stdin=f"{PASSWORD}\n")
    kpcli(
        "add",
        "-q",
        "-u",
        "frontdesk@greenway.example",
        "--url",
        "imaps://mail.greenway.example:993",
        "-p",
        str(database),
        "Email/Front desk mailbox",
        stdin=f"{PASSWORD}\n{CANARY}-added\n",
    )
    parsed = parse(ImportKind.KEEPASS, database.read_bytes(), password=PASSWORD)
    (entry,) = parsed.entries
    assert (entry.system, entry.host, entry.port, entry.category) == (
        "Front desk mailbox",
        "mail.greenway.example",
        993,
        Category.EMAIL,
    )
    assert entry.secret.get_secret_value() == f"{CANARY}-added"


def test_a_key_file_is_needed_as_well_as_the_password(tmp_path: Path) -> None:
    keyfile = tmp_path / "practice.key"
    database = kdbx_from_xml(tmp_path, KEEPASS_XML, PASSWORD, keyfile=keyfile)
    data, key = database.read_bytes(), keyfile.read_bytes()
    parsed = parse(ImportKind.KEEPASS, data, password=PASSWORD, keyfile=key)
    assert len(parsed.entries) == 2
    with pytest.raises(AuthenticationFailed, match=r"do not open db\.kdbx; nothing was imported"):
        parse(ImportKind.KEEPASS, data, password=PASSWORD, name="db.kdbx")
    with pytest.raises(AuthenticationFailed):
        parse(ImportKind.KEEPASS, data, password=PASSWORD, keyfile=secrets.token_bytes(128))


def test_a_key_file_alone_opens_a_database_without_a_password(tmp_path: Path) -> None:
    keyfile = tmp_path / "only.key"
    database = kdbx_from_xml(tmp_path, KEEPASS_XML, None, keyfile=keyfile)
    parsed = parse(ImportKind.KEEPASS, database.read_bytes(), keyfile=keyfile.read_bytes())
    assert len(parsed.entries) == 2


def test_a_wrong_password_fails_authentication_with_exit_code_3(tmp_path: Path) -> None:
    database = kdbx_from_xml(tmp_path, KEEPASS_XML, PASSWORD)
    with pytest.raises(AuthenticationFailed) as caught:
        parse(ImportKind.KEEPASS, database.read_bytes(), password="not it", name="gary.kdbx")
    assert caught.value.exit_code == 3
    assert "gary.kdbx" in str(caught.value)
    with pytest.raises(ImportFileError, match="needs its password or key file"):
        parse(ImportKind.KEEPASS, database.read_bytes(), name="gary.kdbx")


def test_kdbx4_with_argon2_made_by_pykeepass_and_opened_by_keepassxc(tmp_path: Path) -> None:
    from pykeepass import create_database

    keyfile = write(tmp_path, "k4.key", secrets.token_bytes(64))
    path = tmp_path / "four.kdbx"
    db = create_database(str(path), password=PASSWORD, keyfile=str(keyfile))
    argon2 = db.kdbx.header.value.dynamic_header.kdf_parameters.data.dict
    argon2["I"].value, argon2["M"].value = 2, 8 * 1024 * 1024  # still Argon2d, just cheaper
    group = db.add_group(db.root_group, "Banking")
    db.add_entry(group, "First Bank", "office", f"{CANARY}-k4", url="https://bank.example")
    bin_group = db.add_group(db.root_group, "Old")
    entry = db.add_entry(bin_group, "Gone", "x", f"{CANARY}-gone")
    db.trash_entry(entry)
    db.save()
    assert version_of(path) == KDBX4
    listed = kpcli("ls", "-R", "-k", str(keyfile), str(path), stdin=f"{PASSWORD}\n")
    assert "First Bank" in listed, "keepassxc opens the same file"
    parsed = parse(
        ImportKind.KEEPASS, path.read_bytes(), password=PASSWORD, keyfile=keyfile.read_bytes()
    )
    assert [(e.system, e.category) for e in parsed.entries] == [("First Bank", Category.BANKING)]
    assert [(s.label, s.reason) for s in parsed.skipped] == [("Gone", "in the recycle bin")]


def test_a_damaged_database_is_refused(tmp_path: Path) -> None:
    database = kdbx_from_xml(tmp_path, KEEPASS_XML, PASSWORD)
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0xFF
    with pytest.raises((ImportFileError, AuthenticationFailed)):
        parse(ImportKind.KEEPASS, bytes(data), password=PASSWORD)
    with pytest.raises(ImportFileError, match=r"could not be read|damaged"):
        parse(ImportKind.KEEPASS, bytes(data[:200]), password=PASSWORD)


def test_the_decrypted_database_is_never_written_anywhere(tmp_path: Path) -> None:
    database = kdbx_from_xml(tmp_path, KEEPASS_XML, PASSWORD)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    parse(ImportKind.KEEPASS, database.read_bytes(), password=PASSWORD)
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    assert before == after
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes()


@pytest.mark.parametrize("rounds", [0, 1, 2, 1000, 65_536, 65_537, 200_001])
def test_the_fast_aes_kdf_gives_what_pykeepass_gives(rounds: int) -> None:
    from pykeepass.kdbx_parsing.common import aes_kdf as reference

    from itexit.io.importers.keepass import aes_kdf

    key, composite = secrets.token_bytes(32), secrets.token_bytes(32)
    assert aes_kdf(key, rounds, composite) == reference(key, rounds, composite)
