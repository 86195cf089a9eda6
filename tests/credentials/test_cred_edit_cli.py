"""`itexit cred add|edit|retire|delete` from the command line: every field the app records,
private fields never from argv, retired credentials off the list but kept, on SQLite and
PostgreSQL."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from itexit.cli import main
from itexit.domain.credentials import CredentialEdit
from vaulthelpers import MANAGER, MANAGER_PASS, VIEWER, VIEWER_PASS, Vault, populated

SECRET = "handed-over-secret-5521"
USERNAME = "frontdesk-admin-7731"
NOTES = "Gary kept the spare key in the\nsecond drawer"
RECOVERY_EMAIL = "gary.thistle@gmail.example"
RECOVERY_PHONE = "+1 (555) 010-4477"
MFA = "Gary's personal iPhone 15"


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    opened = populated(db_url, credentials=0)
    try:
        yield opened
    finally:
        opened.close()


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


class Run:
    def __init__(self, vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        where = ["--vault", str(vault.path)] if vault.path else ["--db", vault.location.url or ""]
        self.tmp_path = tmp_path
        self.where = where
        self.capsys = capsys
        self.as_user(MANAGER, MANAGER_PASS)

    def as_user(self, name: str, passphrase: str) -> None:
        pp = write(self.tmp_path, f"{name}.pp", passphrase + "\n")
        Path(pp).chmod(0o600)  # a passphrase file others can read is warned about
        self.base = [*self.where, "--user", name, "--passphrase-file", pp]

    def __call__(self, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr("sys.stdin", io.StringIO(stdin))
                code = main([*self.base, *args])
        else:
            code = main([*self.base, *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str, stdin: str | None = None) -> Any:
        code, out, err = self(*args, "--json", stdin=stdin)
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def run(vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    return Run(vault, tmp_path, capsys)


def one_sentence(err: str) -> None:
    assert err.startswith("itexit: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


def add(run: Run, system: str = "Practice mail", *extra: str, stdin: str | None = None) -> str:
    secret = write(run.tmp_path, f"{system}.secret", SECRET + "\n")
    added = run.json(
        "cred", "add", system, "--url", "imaps://mail.example.test", "--category", "email",
        "--secret-file", secret, *extra, stdin=stdin,
    )  # fmt: skip
    return str(added["id"])


def count(vault: Vault, action: str) -> int:
    return int(vault.scalar("SELECT count(*) FROM audit_events WHERE action = :a", a=action))


def test_add_takes_private_fields_from_stdin_and_files_never_argv(
    run: Run, vault: Vault, tmp_path: Path
) -> None:
    cid = add(
        run,
        "Practice mail",
        "--username", "-",
        "--notes-file", write(tmp_path, "notes", NOTES + "\r\n"),
        "--recovery-email-file", write(tmp_path, "email", RECOVERY_EMAIL),
        "--recovery-phone-file", write(tmp_path, "phone", RECOVERY_PHONE),
        "--mfa-device-file", write(tmp_path, "mfa", MFA),
        stdin=USERNAME + "\n",
    )  # fmt: skip
    shown = run.json("cred", "show", cid)
    assert shown["username"] == USERNAME and shown["notes"] == NOTES
    assert shown["recovery_email"] == RECOVERY_EMAIL
    assert shown["recovery_phone"] == RECOVERY_PHONE and shown["recovery_mfa_device"] == MFA
    assert shown["recovery_tied"] is True and shown["rotation_due"] is True
    assert shown["host"] == "mail.example.test"
    # sealed: none of it is in any plain column or in the audit log
    dump = json.dumps([list(map(str, r)) for r in vault.rows("SELECT * FROM credentials")])
    audit = json.dumps([list(map(str, r)) for r in vault.rows("SELECT * FROM audit_events")])
    for private in (USERNAME, "second drawer", RECOVERY_EMAIL, "010-4477", "iPhone"):
        assert private not in dump and private not in audit


@pytest.mark.parametrize(
    "flags",
    [
        ("--username", "frontdesk"),
        ("--notes", "the alarm code is 4471"),
        ("--recovery-email", "gary@gmail.example"),
        ("--recovery-phone", "5550104477"),
        ("--mfa-device", "Gary's phone"),
    ],
)
def test_a_private_value_on_the_command_line_is_refused_before_anything_is_added(
    run: Run, vault: Vault, flags: tuple[str, str]
) -> None:
    secret = write(run.tmp_path, "s", SECRET)
    code, out, err = run("cred", "add", "Router", "--secret-file", secret, *flags)
    assert code == 2 and "is private" in err and f"{flags[0]}-file" in err
    one_sentence(err)
    assert flags[1] not in out + err
    assert vault.scalar("SELECT count(*) FROM credentials") == 0
    cid = add(run, "Router")
    code, _, err = run("cred", "edit", cid, *flags)
    assert code == 2 and "is private" in err
    assert count(vault, "cred.edit") == 0


def test_private_input_mistakes_are_one_sentence(run: Run, vault: Vault, tmp_path: Path) -> None:
    cid = add(run)
    cases = [
        (("--username", "-", "--notes", "-"), "Only one field", "x\n"),
        (("--username",), "No terminal to ask", None),
        (("--username-file", str(tmp_path / "missing")), "Cannot read the username file", None),
        (("--recovery-email", "-"), "not an e-mail address", "gary at home\n"),
        (("--recovery-phone", "-"), "not a phone number", "call gary\n"),
        (("--username", "-"), "control characters", "adm\x1b[2Jin\n"),
        (("--username", "-"), "one line", "two\nlines\n"),
    ]
    for flags, words, stdin in cases:
        code, _, err = run("cred", "edit", cid, *flags, stdin=stdin if stdin else "")
        assert code == 2 and words in err, (flags, err)
        one_sentence(err)
    assert count(vault, "cred.edit") == 0


def test_edit_changes_every_field_the_app_can_and_keeps_the_rest(
    run: Run, vault: Vault, tmp_path: Path
) -> None:
    cid = add(run, "Practice mail", "--username", "-", stdin=USERNAME)
    ca = write(tmp_path, "ca.pem", "-----BEGIN CERTIFICATE-----\n")
    saved = run.json(
        "cred", "edit", cid,
        "--system", "Practice mail (admin)",
        "--url", "https://mail.example.test:8443/admin",
        "--category", "server",
        "--known-to-departing",
        "--verifier", "http",
        "--tls", "starttls",
        "--path", "/admin/login",
        "--ca-file", ca,
        "--host-key", "SHA256:abcdef",
        "--notes", "-",
        "--owner-file", write(tmp_path, "owner", "Dr Patel"),
        "--length", "32", "--no-symbols", "--words", "0",
        stdin="Moved to the new server in May\n",
    )  # fmt: skip
    assert saved["system"] == "Practice mail (admin)" and saved["category"] == "server"
    assert saved["host"] == "mail.example.test" and saved["port"] == 8443
    assert saved["verifier"] == "http" and saved["known_to_departing"] is True
    shown = run.json("cred", "show", cid)
    assert shown["username"] == USERNAME  # not given: unchanged
    assert shown["notes"] == "Moved to the new server in May" and shown["owner"] == "Dr Patel"
    assert shown["url"] == "https://mail.example.test:8443/admin"
    # what the verifier and the next rotation will use
    session = vault.unlock(MANAGER, MANAGER_PASS)
    detail = session.credentials.detail(cid)
    assert (detail.tls, detail.path) == ("starttls", "/admin/login")
    assert detail.endpoint_options == {"ca_file": ca, "host_key": "SHA256:abcdef"}
    assert (detail.policy.length, detail.policy.symbols) == (32, False)

    code, out, err = run(
        "cred", "edit", cid, "--clear", "username", "--clear", "host-key", "--no-known-to-departing"
    )
    assert code == 0 and "Saved Practice mail (admin)" in out, err
    detail = session.credentials.detail(cid)
    assert detail.username == "" and detail.endpoint_options == {"ca_file": ca}
    assert detail.summary.known_to_departing is False
    fields = [
        json.loads(d)["fields"]
        for (d,) in vault.rows("SELECT details FROM audit_events WHERE action = 'cred.edit'")
    ]
    assert "system" in fields[0] and "notes" in fields[0] and "policy" in fields[0]
    assert fields[1] == ["known_to_departing", "username", "endpoint_options"]
    assert USERNAME not in json.dumps(fields)
    session.lock()


def test_edit_refuses_what_cannot_be_right(run: Run, vault: Vault) -> None:
    cid = add(run)
    session = vault.unlock(MANAGER, MANAGER_PASS)
    seen = session.credentials.detail(cid).summary.version
    session.credentials.update(cid, CredentialEdit(system="Mail"))  # someone else, meanwhile
    checks = [
        (("--category", "server", "--expect-version", str(seen)), 2, "reload and try again"),
        ((), 2, "Nothing to change"),
        (("--length", "4"), 2, "--length"),
        (("--url", "https://admin:hunter2@mail.example.test"), 2, "holds a password"),
        (("--port", "70000"), 2, "65535"),
    ]
    for flags, code_wanted, words in checks:
        code, out, err = run("cred", "edit", cid, *flags)
        assert code == code_wanted and words in err, (flags, err)
        one_sentence(err)
        assert "hunter2" not in out + err
    assert session.credentials.detail(cid).summary.category.value == "email"
    run.as_user(VIEWER, VIEWER_PASS)
    code, _, err = run("cred", "edit", cid, "--category", "server")
    assert code == 3, err
    one_sentence(err)
    session.lock()


def test_retire_leaves_the_list_keeps_history_and_refuses_rotation(run: Run, vault: Vault) -> None:
    mail = add(run, "Practice mail", "--known-to-departing")
    add(run, "Router", "--known-to-departing")
    code, _, err = run("cred", "retire", mail, "--reason", "x")
    assert code == 2 and "Say why" in err
    retired = run.json("cred", "retire", "Practice mail", "--reason", "Mail moved to the cloud")
    assert retired["id"] == mail and retired["retired_at"]
    assert [r["system"] for r in run.json("cred", "list")] == ["Router"]
    assert [r["system"] for r in run.json("cred", "list", "--status", "due")] == ["Router"]
    gone = run.json("cred", "list", "--status", "retired")
    assert [r["id"] for r in gone] == [mail]
    shown = run.json("cred", "show", mail)
    assert shown["retired_reason"] == "Mail moved to the cloud"
    assert [h["kind"] for h in shown["history"]] == ["added", "retired"]
    assert count(vault, "cred.retire") == 1
    details = json.loads(
        vault.scalar("SELECT details FROM audit_events WHERE action = 'cred.retire'")
    )
    assert details["credential_id"] == mail and details["reason"] == "Mail moved to the cloud"
    for step in (("verify", mail, "--attest", "logged in"), ("rotate", "start", mail)):
        code, _, err = run("cred", *step)
        assert code == 2 and "is retired" in err
        one_sentence(err)
    code, _, err = run("cred", "retire", mail, "--reason", "again")
    assert code == 2 and "already retired" in err
    # the dashboard counts only what is in use
    session = vault.unlock(MANAGER, MANAGER_PASS)
    tile = next(t for t in session.dashboard().tiles if t.key == "credentials")
    assert tile.count == 1 and "of 1 in the inventory" in tile.caption
    session.lock()
    code, _, err = run("audit", "verify")
    assert code == 0, err


def test_a_retirement_written_behind_the_apps_back_is_refused(run: Run, vault: Vault) -> None:
    """Someone with the database sets `retired_at` to hide a credential from the campaign."""
    mail = add(run, "Practice mail", "--known-to-departing")
    vault.sql("UPDATE credentials SET retired_at = created_at WHERE id = :i", i=mail)
    code, out, err = run("cred", "list", "--status", "due")
    assert code == 0, err
    assert "CHANGED: Practice mail was changed outside itexit" in out
    assert f"itexit cred put-back {mail}" in out
    code, out, err = run("cred", "put-back", mail)
    assert code == 0 and "due for rotation" in out, err
    code, out, err = run("cred", "list", "--status", "retired")
    assert mail not in out


def test_delete_only_what_was_never_checked(run: Run, vault: Vault) -> None:
    typo = add(run, "Practise mail")
    code, _, err = run("cred", "delete", typo)
    assert code == 2 and "--yes" in err
    code, out, err = run("cred", "delete", typo, "--yes")
    assert code == 0 and "Deleted Practise mail" in out, err
    assert vault.scalar("SELECT count(*) FROM credentials") == 0
    assert vault.scalar("SELECT count(*) FROM secret_versions") == 0
    assert vault.scalar("SELECT count(*) FROM credential_events") == 0
    record = json.loads(
        vault.scalar("SELECT details FROM audit_events WHERE action = 'cred.delete'")
    )
    assert record["credential_id"] == typo and len(record["secret"]) >= 16
    assert SECRET not in json.dumps(record)

    checked = add(run, "Practice mail")
    assert run("cred", "verify", checked, "--attest", "logged in by hand")[0] == 0
    code, _, err = run("cred", "delete", checked, "--yes")
    assert code == 2 and "retire it instead" in err
    one_sentence(err)
    assert vault.scalar("SELECT count(*) FROM credentials") == 1
    code, _, err = run("audit", "verify")
    assert code == 0, err


def set_status(session: Any, status: str) -> None:
    """Every credential in `status`, sealed as the app seals it (a status edited in SQL alone
    is refused: it is bound to the credential's sealed record)."""
    from sqlalchemy import select

    from itexit.store.models import Credential

    with session.ctx.transaction() as db:
        for cred in list(db.scalars(select(Credential))):
            cred.status = status
            session.ctx.touch(cred)


def test_a_retired_credential_is_left_out_of_the_automatic_campaign_and_the_watch(
    run: Run, vault: Vault
) -> None:
    from itexit.services.watch import WatchService

    mail = add(run, "Practice mail", "--known-to-departing", "--verifier", "postgresql")
    router = add(run, "Router", "--known-to-departing", "--verifier", "postgresql")
    session = vault.unlock(MANAGER, MANAGER_PASS)
    auto, manual = session.changing.due()
    assert sorted([*auto, *(system for system, _ in manual)]) == ["Practice mail", "Router"]
    set_status(session, "locked_out")  # as after a finished rotation
    assert set(WatchService(session.ctx).watched()) == {mail, router}
    session.credentials.retire(mail, "Moved to the cloud")
    set_status(session, "unverified")
    auto, manual = session.changing.due()
    assert auto == [] and [system for system, _ in manual] == ["Router"]
    set_status(session, "locked_out")
    assert WatchService(session.ctx).watched() == [router]
    session.lock()


def test_a_server_address_sets_the_check(run: Run, vault: Vault) -> None:
    secret = write(run.tmp_path, "pg.secret", SECRET)
    url = "postgresql://ehr_admin@db.example.test:6543/practice?sslmode=disable"
    added = run.json("cred", "add", "EHR database", "--url", url, "--secret-file", secret)
    assert (added["verifier"], added["host"], added["port"]) == (
        "postgresql",
        "db.example.test",
        6543,
    )
    detail = vault.manager.credentials.detail(added["id"])
    assert (detail.tls, detail.path, detail.username) == ("none", "practice", "ehr_admin")
    # flags given win over the address; another kind named keeps the address as it is
    ssh = run.json(
        "cred", "add", "File server", "--url", "ssh://admin@files.example.test:2222",
        "--port", "22", "--secret-file", secret,
    )  # fmt: skip
    assert (ssh["verifier"], ssh["port"]) == ("ssh", 22)
    manual = run.json(
        "cred", "add", "Mail by hand", "--url", "imaps://mail.example.test",
        "--verifier", "manual", "--secret-file", secret,
    )  # fmt: skip
    assert manual["verifier"] == "manual"
    # a new server address on edit sets the check it names
    edited = run.json("cred", "edit", manual["id"], "--url", "ldaps://dc1.example.test")
    assert edited["verifier"] == "ldap"
    web = run.json(
        "cred", "add", "Portal", "--url", "https://portal.example.test", "--secret-file", secret
    )
    assert web["verifier"] == "manual"
    moved = run.json("cred", "edit", web["id"], "--url", "ldaps://dc1.example.test:1636")
    assert (moved["verifier"], moved["host"], moved["port"]) == ("ldap", "dc1.example.test", 1636)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://admin:hunter2@db.example.test/ehr", "holds a password"),
        ("postgresql://db.example.test/ehr?sslmode=sometimes", "is not a mode"),
        ("ssh://-oProxyCommand=x", "is not a host name"),
        ("mysql://db.example.test:70000", "port"),
    ],
)
def test_a_server_address_that_cannot_be_read_is_one_sentence(
    run: Run, vault: Vault, url: str, says: str
) -> None:
    secret = write(run.tmp_path, "s", SECRET)
    code, _, err = run("cred", "add", "Database", "--url", url, "--secret-file", secret)
    assert code == 2 and says in err, err
    one_sentence(err)
    assert "hunter2" not in err
    assert vault.scalar("SELECT count(*) FROM credentials") == 0
