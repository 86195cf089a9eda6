"""KeePass databases other tools made: KDBX 2.x, key-file-only, empty passwords, TOTP settings,
attachments, hardware keys, and hostile headers. Counts and fields come from keepassxc-cli."""

from __future__ import annotations

import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from exports import CANARY, kdbx_from_xml, kpcli, write

from itexit.domain import totp
from itexit.domain.errors import AuthenticationFailed
from itexit.io.importers import ImportFileError, ImportKind, parse
from itexit.io.importers.keepass import KDBX_SIGNATURE
from vaulthelpers import MANAGER, MANAGER_PASS, populated

FIXTURES = Path(__file__).parent / "fixtures" / "keepassxc"
KEY_FILES = ("Binary", "Hex", "Hashed", "Xml")


def copy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copy(FIXTURES / name, tmp_path / name))


def kpcli_entries(database: Path, *open_args: str, stdin: str = "") -> list[str]:
    """Entry paths as keepassxc-cli lists them (recycle bin included), counted without itexit."""
    listing = kpcli("ls", "-R", "-f", *open_args, str(database), stdin=stdin)
    lines = listing.splitlines()
    return [s for s in lines if s and not s.endswith("/") and not s.endswith("[empty]")]


def kpcli_fields(database: Path, entry: str, *open_args: str, stdin: str = "") -> dict[str, str]:
    shown = kpcli("show", "-s", *open_args, str(database), entry, stdin=stdin)
    fields: dict[str, str] = {}
    for line in shown.splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            fields[key] = value
    return fields


def test_a_kdbx_2_database_opens_and_matches_keepassxc_field_by_field(tmp_path: Path) -> None:
    database = copy(tmp_path, "Format200.kdbx")
    assert database.read_bytes()[8:12] == bytes.fromhex("00000200"), "KDBX 2.0"
    parsed = parse(ImportKind.KEEPASS, database.read_bytes(), password="a")
    listed = kpcli_entries(database, stdin="a\n")
    assert parsed.rows == len(listed) == 1
    theirs = kpcli_fields(database, listed[0], stdin="a\n")
    ours = parsed.entries[0]
    assert (ours.system, ours.username, ours.secret.get_secret_value(), ours.url) == (
        theirs["Title"],
        theirs["UserName"],
        theirs["Password"],
        theirs["URL"],
    )


@pytest.mark.parametrize("kind", KEY_FILES)
def test_kdbx_2_databases_with_only_a_key_file_open(tmp_path: Path, kind: str) -> None:
    database = copy(tmp_path, f"FileKey{kind}.kdbx")
    keyfile = copy(tmp_path, f"FileKey{kind}.key")
    parsed = parse(ImportKind.KEEPASS, database.read_bytes(), keyfile=keyfile.read_bytes())
    listed = kpcli_entries(database, "--no-password", "-k", str(keyfile))
    assert parsed.rows == len(listed)
    wrong = copy(tmp_path, "FileKeyBinary.key" if kind != "Binary" else "FileKeyHex.key")
    with pytest.raises(AuthenticationFailed):
        parse(ImportKind.KEEPASS, database.read_bytes(), keyfile=wrong.read_bytes())


def test_the_attachments_of_an_entry_are_listed_for_review(tmp_path: Path) -> None:
    database = copy(tmp_path, "Format200.kdbx")
    parsed = parse(ImportKind.KEEPASS, database.read_bytes(), password="a")
    listed = kpcli_entries(database, stdin="a\n")
    shown = kpcli("show", "--show-attachments", str(database), listed[0], stdin="a\n")
    names = re.findall(r"^\s+(\S+) \(", shown.split("Attachments:")[-1], flags=re.M)
    assert names, shown
    reviewed = [r.reason for r in parsed.remarks if r.row == 1]
    assert sorted(re.findall(r"attached file '([^']+)'", " ".join(reviewed))) == sorted(names)


def test_a_database_needing_a_hardware_key_says_so(tmp_path: Path) -> None:
    database = copy(tmp_path, "YubiKeyProtectedPasswords.kdbx")
    with pytest.raises(AuthenticationFailed, match="hardware key"):
        parse(ImportKind.KEEPASS, database.read_bytes(), password="a")


def test_a_database_with_an_empty_password_opens(tmp_path: Path) -> None:
    database = tmp_path / "empty.kdbx"
    kpcli("db-create", "-p", str(database), stdin="\ny\n")
    kpcli(
        "add",
        "-u",
        "admin",
        "--url",
        "https://router.example",
        "-p",
        str(database),
        "Router",
        stdin=f"\n{CANARY}-e1\n{CANARY}-e1\n",
    )
    parsed = parse(ImportKind.KEEPASS, database.read_bytes(), password="")
    assert len(kpcli_entries(database, stdin="\n")) == parsed.rows == 1
    assert parsed.entries[0].secret.get_secret_value() == f"{CANARY}-e1"
    with pytest.raises(AuthenticationFailed):
        parse(ImportKind.KEEPASS, database.read_bytes(), password="not-empty")


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TOTP_ENTRIES = {
    "KeePassXC 60s 8 digits": (
        ("otp", f"otpauth://totp/a?secret={TOTP_SECRET}&period=60&digits=8"),
    ),
    "KeePassXC SHA-256": (
        ("otp", f"otpauth://totp/a?secret={TOTP_SECRET}&algorithm=SHA256&digits=7"),
    ),
    "KeeTrayTOTP Steam": (("TOTP Seed", TOTP_SECRET), ("TOTP Settings", "30;S")),
    "KeeTrayTOTP 60;8": (("TOTP Seed", TOTP_SECRET), ("TOTP Settings", "60;8")),
    "KeeOtp": (("otp", f"key={TOTP_SECRET}&step=45&size=8"),),
    "Plain seed": (("TOTP Seed", TOTP_SECRET), ("TOTP Settings", "30;6")),
}


def _totp_xml() -> str:
    entries = []
    for number, (title, fields) in enumerate(TOTP_ENTRIES.items(), start=1):
        strings = "".join(
            f"<String><Key>{k}</Key><Value>{v.replace('&', '&amp;')}</Value></String>"
            for k, v in (("Title", title), ("Password", f"{CANARY}-t{number}"), *fields)
        )
        entries.append(
            f"<Entry><UUID>{f'totp-entry-{number:06d}'.encode().hex()[:32]}</UUID>{strings}</Entry>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><KeePassFile><Meta/><Root><Group>'
        "<UUID>cm9vdC1ncm91cC11dWlkMQ==</UUID><Name>Root</Name>"
        + "".join(entries)
        + "</Group></Root></KeePassFile>"
    )


def test_totp_codes_are_the_codes_keepassxc_shows(tmp_path: Path) -> None:
    password = "totp-database"
    database = kdbx_from_xml(tmp_path, _totp_xml(), password)
    parsed = parse(ImportKind.KEEPASS, database.read_bytes(), password=password)
    by_title = {e.system: e for e in parsed.entries}
    assert set(by_title) == set(TOTP_ENTRIES)
    for title in TOTP_ENTRIES:
        spec = totp.parse(by_title[title].totp.get_secret_value())
        for _ in range(3):  # a code can turn over between the two readings
            before = time.time()
            theirs = kpcli("show", "-t", str(database), title, stdin=f"{password}\n").strip()
            after = time.time()
            if totp.code_at(spec, before) == totp.code_at(spec, after):
                break
        assert totp.code_at(spec, before) == theirs, title
    steam = totp.parse(by_title["KeeTrayTOTP Steam"].totp.get_secret_value())
    assert steam.steam and len(totp.code_at(steam, 0)) == 5
    assert by_title["Plain seed"].totp.get_secret_value() == TOTP_SECRET


def test_keepass_2_native_totp_fields_follow_rfc_6238() -> None:
    """KeePass 2.47's TimeOtp-* fields; RFC 6238 appendix B's SHA-256 vector at T=59."""
    seed = b"12345678901234567890123456789012"
    xml = (
        "<KeePassFile><Root><Group><Name>Root</Name><Entry>"
        "<String><Key>Title</Key><Value>Bank</Value></String>"
        f"<String><Key>Password</Key><Value>{CANARY}</Value></String>"
        f"<String><Key>TimeOtp-Secret-Hex</Key><Value>{seed.hex()}</Value></String>"
        "<String><Key>TimeOtp-Length</Key><Value>8</Value></String>"
        "<String><Key>TimeOtp-Algorithm</Key><Value>HMAC-SHA-256</Value></String>"
        "</Entry></Group></Root></KeePassFile>"
    )
    entry = parse(ImportKind.KEEPASS_XML, xml.encode()).entries[0]
    assert totp.code_at(totp.parse(entry.totp.get_secret_value()), 59) == "46119246"


@pytest.mark.parametrize("version", ["", "01000300", "00000400", "00000200", "0000ffff"])
def test_random_bytes_behind_the_signature_are_refused_in_a_sentence(version: str) -> None:
    for seed in range(300):
        noise = random.Random(f"{version}-{seed}").randbytes(2000 + seed)
        data = KDBX_SIGNATURE + bytes.fromhex(version) + noise
        with pytest.raises(ImportFileError) as refused:
            parse(ImportKind.KEEPASS, data, password="x")
        assert str(refused.value).endswith(".")
        assert "Error" not in str(refused.value)


@pytest.mark.parametrize("version", ["01000300", "00000400"])
def test_a_header_that_ends_before_its_key_derivation_settings_is_refused(version: str) -> None:
    end_field = b"\x00\x04\x00\x00\x00" if version == "00000400" else b"\x00\x04\x00"
    data = KDBX_SIGNATURE + bytes.fromhex(version) + end_field + b"\r\n\r\n" + bytes(64)
    with pytest.raises(ImportFileError, match="no usable key-derivation settings"):
        parse(ImportKind.KEEPASS, data, password="x")


def _absurd_aes_rounds(tmp_path: Path) -> bytes:
    database = kdbx_from_xml(tmp_path, _totp_xml(), "pw")
    data = bytearray(database.read_bytes())
    at = data.index(b"\x06\x08\x00", 12)  # KDBX 3.1 header field 6: AES-KDF rounds (uint64)
    data[at + 3 : at + 11] = (2**62).to_bytes(8, "little")
    return bytes(data)


def test_an_absurd_aes_kdf_cost_is_refused_before_running(tmp_path: Path) -> None:
    data = _absurd_aes_rounds(tmp_path)
    started = time.monotonic()
    with pytest.raises(ImportFileError, match="Decryption time"):
        parse(ImportKind.KEEPASS, data, password="pw")
    assert time.monotonic() - started < 5


def _argon2_database(tmp_path: Path, memory: int, passes: int) -> bytes:
    """A KDBX 4 by pykeepass (cheap Argon2), its header then set to the given cost."""
    from pykeepass import create_database

    path = tmp_path / "argon2.kdbx"
    create_database(str(path), password="pw").save()
    data = bytearray(path.read_bytes())
    for key, value in ((b"M", memory), (b"I", passes)):
        marker = b"\x05\x01\x00\x00\x00" + key + b"\x08\x00\x00\x00"
        at = data.index(marker) + len(marker)
        data[at : at + 8] = value.to_bytes(8, "little")
    return bytes(data)


def test_an_absurd_argon2_cost_is_refused_before_running(tmp_path: Path) -> None:
    data = _argon2_database(tmp_path, memory=64 << 30, passes=2)
    with pytest.raises(ImportFileError, match="65,536 MiB"):
        parse(ImportKind.KEEPASS, data, password="pw")


def test_ctrl_c_stops_a_keepass_import_inside_the_key_derivation(tmp_path: Path) -> None:
    vault = populated(tmp_path / "v.sqlite", credentials=0)
    vault.close()
    passphrase = write(tmp_path, "passphrase", MANAGER_PASS + "\n")
    # 15 GiB-passes (under the refusal at 16): longer than the pause below on any machine here
    database = write(tmp_path, "slow.kdbx", _argon2_database(tmp_path, 256 << 20, 60))
    secret = write(tmp_path, "kp-password", "pw")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "itexit",
            "--vault",
            str(vault.path),
            "--user",
            MANAGER,
            "--passphrase-file",
            str(passphrase),
            "import",
            "keepass",
            str(database),
            "--keepass-password-file",
            str(secret),
            "--dry-run",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)  # unlocking the vault, then deriving the database's key
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, err = process.communicate(timeout=30)
    assert time.monotonic() - started < 2, "Ctrl-C waited for the key derivation to finish"
    assert process.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
