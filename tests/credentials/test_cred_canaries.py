"""No secret reaches the disk in the clear: after an import, reveal, copy, rotation and reconcile.

Scans the bytes of the SQLite file, its -wal, -shm and journal, every file under ITEXIT_HOME
(logs included) and every file the commands wrote, in UTF-8, UTF-16, hex and base64.
"""

from __future__ import annotations

import base64
import contextlib
import io
from pathlib import Path

import pytest
from credfakes import FakeServer
from pydantic import SecretStr

from itexit.cli import main
from itexit.domain.credentials import Category, CredentialStatus, NewCredential
from vaulthelpers import MANAGER, MANAGER_PASS, files_under, new_vault, sidecars

OLD = "CANARY-e0a1-OLD-registrar-77f2"
NEW = "CANARY-b4c5-NEW-registrar-0d9e"
USER = "CANARY-9d8c-USER-gary.admin"
NOTES = "CANARY-5e5e-NOTES-recovery 4411-2299"
TOTP = "CANARYTOTPJBSWY3DPEHPK3PXP"
RECOVERY = "CANARY-7a7a-RECOVERY-CODES 1111 2222"
ROUTER = "CANARY-3f3f-ROUTER-wifi-key"
PHONE = "CANARY-+1-555-0142-GARY"


def encodings(canary: str) -> dict[str, bytes]:
    raw = canary.encode()
    forms = {
        "utf-8": raw,
        "utf-16-le": canary.encode("utf-16-le"),
        "utf-16-be": canary.encode("utf-16-be"),
        "hex": raw.hex().encode(),
        "HEX": raw.hex().upper().encode(),
    }
    for offset in range(3):
        encoded = base64.b64encode(b"\x00" * offset + raw)
        forms[f"base64+{offset}"] = encoded[4:-4]
        forms[f"urlsafe-base64+{offset}"] = base64.urlsafe_b64encode(b"\x00" * offset + raw)[4:-4]
    return forms


def find(canaries: list[str], paths: list[Path]) -> list[str]:
    hits = []
    for path in paths:
        if not path.is_file():
            continue
        data = path.read_bytes()
        for canary in canaries:
            for form, needle in encodings(canary).items():
                if needle in data:
                    hits.append(f"{canary} ({form}) in {path.name}")
    return hits


def test_no_secret_on_disk_after_import_reveal_copy_rotation_and_reconcile(
    tmp_path: Path, _isolate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _isolate
    path = tmp_path / "vault.sqlite"
    out = tmp_path / "out"
    out.mkdir()
    vault = new_vault(path)
    creds = vault.manager.credentials

    added = creds.add_many(
        [
            NewCredential(
                system="Domain registrar",
                host="registrar.example.test",
                category=Category.DOMAIN_REGISTRAR,
                username=USER,
                secret=SecretStr(OLD),
                notes=NOTES,
                totp_seed=SecretStr(TOTP),
                recovery_codes=SecretStr(RECOVERY),
                recovery_phone=PHONE,
                known_to_departing=True,
                verifier="imap",
            ),
            NewCredential(
                system="Front desk Wi-Fi",
                host="wifi.example.test",
                category=Category.WIFI,
                secret=SecretStr(ROUTER),
                verifier="imap",
            ),
        ]
    )
    registrar, router = added[0].id, added[1].id
    generated: list[str] = []

    def everything() -> list[Path]:
        return [path, *sidecars(path), *files_under(home, out)]

    def canaries() -> list[str]:
        return [OLD, NEW, USER, NOTES, TOTP, RECOVERY, ROUTER, PHONE, *generated]

    assert find(canaries(), everything()) == []

    # reveal and copy (the service path the screen's copy uses)
    assert creds.reveal(registrar) == OLD
    assert creds.reveal(registrar, "username") == USER
    assert creds.reveal(registrar, "totp") == TOTP
    assert creds.copy(registrar) == OLD
    assert creds.copy(router) == ROUTER
    assert find(canaries(), everything()) == []

    # a rotation with a secret entered by hand, proven on the system, the old one proven dead
    server = FakeServer(password=OLD)
    creds.verifiers = server.lookup
    assert creds.verify(registrar).ok
    creds.start_rotation(registrar, secret=SecretStr(NEW))
    server.password = NEW
    assert creds.confirm_rotation(registrar).summary.status is CredentialStatus.ROTATED
    assert creds.verify(registrar, old=True).summary.status is CredentialStatus.LOCKED_OUT
    assert find(canaries(), everything()) == []

    # a generated secret, then a reconcile after it was never set on the system
    started = creds.start_rotation(router)
    generated.append(started.secret.get_secret_value())
    server.password = ROUTER
    resumed = creds.reconcile(router)
    assert resumed.ok and resumed.summary.status is CredentialStatus.VERIFIED

    # what the command line writes: listings and details a consultant saves to files
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(MANAGER_PASS + "\n")
    passphrase.chmod(0o600)
    base = ["--vault", str(path), "--user", MANAGER, "--passphrase-file", str(passphrase)]
    for name, argv in {
        "list.json": ["cred", "list", "--json"],
        "show.json": ["cred", "show", registrar, "--json"],
        "show.txt": ["cred", "show", "Domain registrar"],
        "due.json": ["cred", "list", "--status", "due", "--json"],
    }.items():
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            assert main([*base, *argv]) == 0
        (out / name).write_text(buffer.getvalue())
    assert "Domain registrar" in (out / "list.json").read_text()

    # an unexpected failure while a secret is in hand: the log gets the traceback, no values
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the terminal went away")

    monkeypatch.setattr("itexit.cli.credentials.emit", broken)
    with contextlib.redirect_stdout(io.StringIO()):
        assert main([*base, "cred", "show", registrar, "--field", "password", "--json"]) == 2
    log = home / "itexit.log"
    assert "the terminal went away" in log.read_text()
    # `show` prints the description a person asked for (user name, notes); never a secret
    assert USER in (out / "show.txt").read_text()
    secrets = [OLD, NEW, TOTP, RECOVERY, ROUTER, *generated]
    assert find(secrets, list(files_under(out))) == []
    assert find(canaries(), [path, *sidecars(path), *files_under(home)]) == []

    vault.close()
    assert find(canaries(), [path, *sidecars(path), *files_under(home)]) == []
    # the scan itself finds what is there
    probe = out / "probe.bin"
    probe.write_bytes(b"x" + base64.b64encode(b"ab" + NEW.encode()) + b"y")
    assert f"{NEW} (base64+2) in probe.bin" in find([NEW], [probe])
