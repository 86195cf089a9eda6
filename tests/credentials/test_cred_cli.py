"""`itexit cred`: add, list, show, verify, rotate and reconcile from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from credfakes import FakeServer

from itexit.cli import main
from vaulthelpers import MANAGER, MANAGER_PASS, VIEWER, VIEWER_PASS, Vault, populated

OLD = "cli-old-secret-4471"
LIST_FIELDS = {"id", "system", "category", "status", "known_to_departing", "last_verified"}


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    opened = populated(tmp_path / "cli.sqlite", credentials=0)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    """The system the credential opens, answering every verifier the command line asks for."""
    fake = FakeServer(password=OLD)
    monkeypatch.setattr("itexit.verifiers.get_verifier", fake.lookup)
    return fake


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def base(vault: Vault, tmp_path: Path) -> list[str]:
    passphrase = write(tmp_path, "passphrase", MANAGER_PASS + "\n")
    passphrase.chmod(0o600)  # a passphrase file others can read is warned about
    return ["--vault", str(vault.path), "--user", MANAGER, "--passphrase-file", str(passphrase)]


class Run:
    def __init__(self, base: list[str], capsys: pytest.CaptureFixture[str]) -> None:
        self.base = base
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main([*self.base, *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> Any:
        code, out, err = self(*args, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def run(base: list[str], capsys: pytest.CaptureFixture[str]) -> Run:
    return Run(base, capsys)


def add(run: Run, tmp_path: Path, system: str = "Practice mail", *extra: str) -> str:
    secret = write(tmp_path, f"{system}.secret", OLD + "\n")
    username = write(tmp_path, f"{system}.username", "frontdesk\n")
    added = run.json(
        "cred",
        "add",
        system,
        "--url",
        "imaps://mail.example.test",
        "--username-file",
        str(username),
        "--category",
        "email",
        "--verifier",
        "imap",
        "--secret-file",
        str(secret),
        *extra,
    )
    return str(added["id"])


def audits(vault: Vault, action: str) -> int:
    return int(vault.scalar("SELECT count(*) FROM audit_events WHERE action = :a", a=action))


def one_sentence(err: str) -> None:
    assert err.startswith("itexit: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


def test_add_with_a_secret_file_and_list_json(run: Run, tmp_path: Path) -> None:
    cid = add(run, tmp_path, "Practice mail", "--known-to-departing")
    add(run, tmp_path, "Router")
    rows = run.json("cred", "list")
    assert [r["system"] for r in rows] == ["Practice mail", "Router"]
    mail = rows[0]
    assert set(mail) >= LIST_FIELDS
    assert mail["id"] == cid and mail["category"] == "email" and mail["status"] == "unverified"
    assert mail["known_to_departing"] is True and rows[1]["known_to_departing"] is False
    assert mail["last_verified"] is None
    assert OLD not in json.dumps(rows)
    assert [r["system"] for r in run.json("cred", "list", "--search", "rout")] == ["Router"]
    assert [r["system"] for r in run.json("cred", "list", "--status", "due")] == ["Practice mail"]
    code, out, _ = run("cred", "list")
    assert code == 0 and out.startswith("SYSTEM") and "Practice mail" in out and OLD not in out


def test_show_hides_secrets_and_field_is_audited(run: Run, vault: Vault, tmp_path: Path) -> None:
    cid = add(run, tmp_path)
    detail = run.json("cred", "show", cid)
    assert detail["username"] == "frontdesk" and detail["history"][0]["kind"] == "added"
    assert OLD not in json.dumps(detail)
    before = audits(vault, "cred.reveal")
    code, out, _ = run("cred", "show", "Practice mail", "--field", "password")
    assert (code, out) == (0, OLD + "\n")
    assert run.json("cred", "show", cid, "--field", "username")["value"] == "frontdesk"
    assert audits(vault, "cred.reveal") == before + 2


def test_verify_exit_codes(run: Run, tmp_path: Path, server: FakeServer) -> None:
    cid = add(run, tmp_path)
    code, out, _ = run("cred", "verify", cid)
    assert code == 0 and "The current secret works." in out and "Status: verified." in out
    assert run.json("cred", "list")[0]["last_verified"] is not None
    server.password = "changed-behind-our-back"
    code, out, _ = run("cred", "verify", cid)
    assert code == 1 and "Status: FAILED." in out
    server.down = True
    result = run("cred", "verify", cid, "--json")
    assert result[0] == 1
    assert json.loads(result[1])["outcome"] == "unreachable"
    assert json.loads(result[1])["status"] == "failed"  # unreachable changes nothing


def test_rotate_start_and_confirm_by_attestation(run: Run, vault: Vault, tmp_path: Path) -> None:
    cid = add(run, tmp_path, "Phone system", "--known-to-departing")
    code, out, _ = run("cred", "rotate", "start", cid, "--length", "30", "--no-symbols")
    assert code == 0 and "saved as pending" in out and "rotate confirm" in out
    new = run("cred", "show", cid, "--field", "pending")[1].strip()
    assert len(new) == 30 and new.isalnum() and new in out
    confirmed = run.json("cred", "rotate", "confirm", cid, "--attest", "logged in at the console")
    assert (confirmed["ok"], confirmed["status"]) == (True, "rotated")
    assert "Attested by" in confirmed["detail"]
    assert run("cred", "show", cid, "--field", "password")[1].strip() == new
    dead = run.json("cred", "verify", cid, "--old", "--attest", "old one refused at the console")
    assert dead["status"] == "locked_out"
    history = run.json("cred", "show", cid)["history"]
    assert [h["kind"] for h in history] == ["added", "rotate_start", "rotate_confirm", "verify_old"]
    assert history[2]["attested_how"] == "logged in at the console"
    assert audits(vault, "cred.rotate.confirm") == 1


def test_rotate_start_with_a_secret_file(run: Run, tmp_path: Path) -> None:
    cid = add(run, tmp_path)
    chosen = write(tmp_path, "chosen", "Chosen-by-the-vendor-9921\n")
    code, out, _ = run("cred", "rotate", "start", cid, "--secret-file", str(chosen))
    assert code == 0 and "Chosen-by-the-vendor-9921" not in out  # not generated: not echoed
    assert run("cred", "show", cid, "--field", "pending")[1] == "Chosen-by-the-vendor-9921\n"


def test_reconcile_tries_pending_then_current(run: Run, tmp_path: Path, server: FakeServer) -> None:
    cid = add(run, tmp_path)
    assert run("cred", "rotate", "start", cid)[0] == 0
    # the new secret never reached the system; the old one still works
    result = run.json("cred", "reconcile", cid)
    assert (result["ok"], result["stage"], result["status"]) == (True, "current", "verified")
    assert result["detail"] == "pending: rejected; current: accepted"
    assert run.json("cred", "show", cid)["has_pending"] is False
    # by attestation, nothing works: needs reconcile, with guidance
    assert run("cred", "rotate", "start", cid)[0] == 0
    code, out, _ = run("cred", "reconcile", cid, "--attest", "tried all three", "--works", "none")
    assert code == 1 and "Status: NONE WORKS." in out


def test_errors_are_one_sentence(run: Run, tmp_path: Path) -> None:
    cid = add(run, tmp_path)
    cases: list[tuple[tuple[str, ...], int, str]] = [
        (("cred", "show", "No such system"), 2, "no credential"),
        (("cred", "rotate", "confirm", cid), 2, ""),
        (("cred", "verify", cid, "--attest", "  "), 2, "Say how you checked it"),
        (("cred", "reconcile", cid, "--works", "current"), 2, "--works goes with --attest"),
        (("cred", "add", "X", "--secret-file", str(tmp_path / "missing")), 2, "Cannot read"),
        (("cred", "add", "X", "--ca-file", str(tmp_path / "missing.pem")), 2, "No CA file"),
        (("cred", "add", "  ", "--no-secret"), 2, "name of the system"),
    ]
    for argv, expected, text in cases:
        code, out, err = run(*argv)
        assert code == expected, (argv, err)
        one_sentence(err)
        assert text in err, (argv, err)
        assert OLD not in out + err


def test_a_viewer_cannot_see_secrets(vault: Vault, tmp_path: Path, run: Run) -> None:
    cid = add(run, tmp_path)
    passphrase = write(tmp_path, "viewer", VIEWER_PASS + "\n")
    passphrase.chmod(0o600)
    viewer = Run(
        ["--vault", str(vault.path), "--user", VIEWER, "--passphrase-file", str(passphrase)],
        run.capsys,
    )
    assert [r["id"] for r in viewer.json("cred", "list")] == [cid]
    for argv in (
        ("cred", "show", cid, "--field", "password"),
        ("cred", "rotate", "start", cid),
        ("cred", "verify", cid),
    ):
        code, out, err = viewer(*argv)
        assert code == 3, (argv, err)
        one_sentence(err)
        assert OLD not in out + err


def test_the_parser_choices_are_the_domain_values() -> None:
    from itexit.cli import credentials as cli_credentials
    from itexit.domain.credentials import Category, CredentialStatus, Source

    assert [c.value for c in Category] == cli_credentials.CATEGORIES
    assert [s.value for s in Source] == cli_credentials.SOURCES
    assert [s.value for s in CredentialStatus] == cli_credentials.STATUSES
