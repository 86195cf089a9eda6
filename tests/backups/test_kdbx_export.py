"""`export kdbx`: every readable credential into a KeePass database that KeePassXC opens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from itexit.domain.credentials import Category, NewCredential
from itexit.domain.errors import BadInput, PermissionDenied
from itexit.io.importers import ImportKind, parse
from itexit.services.imports import ImportOptions
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    HR_PASS,
    HR_USER,
    MANAGER_PASS,
    VIEWER,
    VIEWER_PASS,
    Vault,
    new_vault,
    populated,
)

EXPORT_PASS = "lighthouse pebble marmalade crescent 84"
CANARY = "CANARY-kdbx-5d1c"
KDBX4 = bytes.fromhex("03d9a29a67fb4bb5 00000400")
BARE_SEED = "JBSWY3DPEHPK3PXP"
URI_SEED = (
    "otpauth://totp/Registrar:gary?secret=GEZDGNBVGY3TQOJQ&period=60&digits=8"
    "&algorithm=SHA256&issuer=Registrar"
)

pytestmark = pytest.mark.skipif(
    shutil.which("keepassxc-cli") is None, reason="keepassxc-cli (Debian package keepassxc)"
)


def kpcli(*args: str) -> str:
    done = subprocess.run(
        ["keepassxc-cli", *args],
        input=EXPORT_PASS + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def totp(seed: str, at: float, period: int = 30, digits: int = 6, algo: str = "sha1") -> str:
    key = base64.b32decode(seed + "=" * (-len(seed) % 8))
    mac = hmac.new(key, (int(at) // period).to_bytes(8, "big"), getattr(hashlib, algo)).digest()
    offset = mac[-1] & 0x0F
    code = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(code % 10**digits).zfill(digits)


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    vault = populated(tmp_path / "vault.sqlite")
    creds = vault.manager.credentials
    mail = creds.add(
        NewCredential(
            system="Mail admin",
            url="https://mail.example.test/admin",
            category=Category.EMAIL,
            username="postmaster",
            secret=SecretStr(f"{CANARY}-mail"),
            notes="First line\nsecond line",
            totp_seed=SecretStr(BARE_SEED),
            recovery_codes=SecretStr(f"{CANARY}-codes 111-222"),
        )
    )
    creds.add(
        NewCredential(
            system="Registrar",
            url="https://registrar.example.test",
            category=Category.DOMAIN_REGISTRAR,
            username="gary",
            secret=SecretStr(f"{CANARY}-registrar"),
            totp_seed=SecretStr(URI_SEED),
        )
    )
    creds.verify(mail.id, attest="logged in at the admin page with the vendor on the phone")
    yield vault
    vault.close()


def expected(vault: Vault) -> dict[str, dict[str, str]]:
    creds = vault.manager.credentials
    out = {}
    for summary in creds.list():
        detail = creds.detail(summary.id)
        out[summary.system] = {
            "UserName": detail.username,
            "Password": creds.reveal(summary.id),
            "URL": detail.url or summary.host,
            "notes": detail.notes,
            "totp": creds.reveal(summary.id, "totp"),
        }
    return out


def test_the_export_opens_in_keepassxc_entry_by_entry(vault: Vault, tmp_path: Path) -> None:
    want = expected(vault)
    path = tmp_path / "way-out.kdbx"
    result = vault.manager.backups.export_kdbx(path, EXPORT_PASS)
    assert (result.entries, result.with_totp) == (len(want), 2)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".itexit-export-*"))
    data = path.read_bytes()
    assert data[:12] == KDBX4
    assert CANARY.encode() not in data
    info = kpcli("db-info", "-q", str(path))
    assert "KDF: Argon2id" in info and "Name: Harbour Family Practice" in info

    listed = [line for line in kpcli("ls", "-q", "-R", "-f", str(path)).splitlines()]
    entries = {line.rsplit("/", 1)[1]: line for line in listed if not line.endswith("/")}
    assert set(entries) == set(want)
    assert entries["Mail admin"] == "Email/Mail admin"
    for system, fields in want.items():
        shown = kpcli(
            "show", "-q", "-s", "-a", "UserName", "-a", "Password", "-a", "URL",
            str(path), entries[system],
        )  # fmt: skip
        assert shown.split("\n") == [fields["UserName"], fields["Password"], fields["URL"], ""]
        notes = kpcli("show", "-q", "-a", "Notes", str(path), entries[system])
        assert notes.startswith(fields["notes"])
        assert "Rotation history:" in notes and "added" in notes
    mail_notes = kpcli("show", "-q", "-a", "Notes", str(path), entries["Mail admin"])
    assert "logged in at the admin page with the vendor on the phone" in mail_notes
    otp = kpcli("show", "-q", "-s", "-a", "otp", str(path), entries["Mail admin"]).strip()
    assert "secret=JBSWY3DPEHPK3PXP" in otp and "period=30" in otp and "digits=6" in otp
    assert (
        kpcli("show", "-q", "-s", "-a", "otp", str(path), entries["Registrar"]).strip() == URI_SEED
    )
    codes = kpcli("show", "-q", "-s", "-a", "Recovery codes", str(path), entries["Mail admin"])
    assert codes.strip() == f"{CANARY}-codes 111-222"

    # KeePassXC reads the one-time password settings: its codes are the ones the seed gives.
    for system, seed, period, digits, algo in (
        ("Mail admin", BARE_SEED, 30, 6, "sha1"),
        ("Registrar", "GEZDGNBVGY3TQOJQ", 60, 8, "sha256"),
    ):
        before = time.time()
        code = kpcli("show", "-q", "-t", str(path), entries[system]).strip()
        after = time.time()
        assert code in {totp(seed, t, period, digits, algo) for t in (before, after)}, system


def test_the_export_reads_back_through_itexits_keepass_importer(
    vault: Vault, tmp_path: Path
) -> None:
    want = expected(vault)
    path = tmp_path / "way-out.kdbx"
    vault.manager.backups.export_kdbx(path, EXPORT_PASS)
    parsed = parse(ImportKind.KEEPASS, path.read_bytes(), password=EXPORT_PASS)
    got = {e.system: e for e in parsed.entries}
    assert set(got) == set(want) and not parsed.skipped
    for system, fields in want.items():
        entry = got[system]
        assert entry.username == fields["UserName"]
        assert entry.secret.get_secret_value() == fields["Password"]
        assert entry.notes.startswith(fields["notes"])
        assert "Recovery codes: " not in entry.notes or system == "Mail admin"
    assert got["Registrar"].totp.get_secret_value() == URI_SEED
    assert "secret=JBSWY3DPEHPK3PXP" in got["Mail admin"].totp.get_secret_value()

    # And into another vault, through the import command's service.
    other = new_vault(tmp_path / "other.sqlite")
    report = other.manager.imports.run(
        "keepass", path, ImportOptions(password=SecretStr(EXPORT_PASS))
    )
    assert report.imported == len(want)
    creds = other.manager.credentials
    again = {c.system: creds.reveal(c.id) for c in creds.list()}
    assert again == {system: fields["Password"] for system, fields in want.items()}
    other.close()


def test_the_export_is_audited_as_one_disclosure_listing_fingerprints(
    vault: Vault, tmp_path: Path
) -> None:
    vault.manager.backups.export_kdbx(tmp_path / "x.kdbx", EXPORT_PASS)
    (row,) = vault.rows("SELECT target, details FROM audit_events WHERE action = 'export.kdbx'")
    details = json.loads(row[1])
    ids = {c.id for c in vault.manager.credentials.list()}
    assert row[0] == "x.kdbx" and details["count"] == len(ids)
    assert {item["id"] for item in details["credentials"]} == ids
    assert all(len(item["fingerprint"]) == 16 for item in details["credentials"])
    assert CANARY not in row[1] and "secret-number" not in row[1]


def test_export_refusals(vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "x.kdbx"
    with pytest.raises(BadInput, match="not your vault passphrase"):
        vault.manager.backups.export_kdbx(path, MANAGER_PASS)
    with pytest.raises(BadInput, match="too weak"):
        vault.manager.backups.export_kdbx(path, "password1")
    for name, passphrase in ((HR_USER, HR_PASS), (VIEWER, VIEWER_PASS)):
        with pytest.raises(PermissionDenied):
            vault.unlock(name, passphrase).backups.export_kdbx(path, EXPORT_PASS)
    assert not path.exists()
    path.write_text("already here")
    with pytest.raises(BadInput, match="already exists"):
        vault.manager.backups.export_kdbx(path, EXPORT_PASS)
    with pytest.raises(BadInput, match="does not exist"):
        vault.manager.backups.export_kdbx(tmp_path / "nowhere" / "x.kdbx", EXPORT_PASS)
    assert vault.scalar("SELECT count(*) FROM audit_events WHERE action = 'export.kdbx'") == 0
    made = vault.unlock(CONSULTANT, CONSULTANT_PASS).backups.export_kdbx(
        tmp_path / "consultant.kdbx", EXPORT_PASS
    )
    assert made.entries == 5
