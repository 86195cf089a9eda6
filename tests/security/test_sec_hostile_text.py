"""Hostile text through every way in, and none of it obeyed on any way out.

An imported name, a mail subject anyone can send, or a field typed into a form may hold
terminal control sequences: OSC 52 (`ESC ] 52 ; c ; …` writes the reader's clipboard),
`ESC [ 2 J` (clears the screen), the C1 CSI byte U+009B and the right-to-left override U+202E.
Each importer, the mailbox and the forms strip them on the way in; the command line, the app,
the calendar and the PDF never write them out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.widgets import Input, TextArea

from itexit.app import ItexitApp
from itexit.domain.credentials import NewCredential
from itexit.domain.text import clean, for_terminal
from vaulthelpers import MANAGER, MANAGER_PASS, Vault, new_vault

OSC52 = "\x1b]52;c;aGFja2Vk\x07"
CLEAR = "\x1b[2J"
RLO = "\u202e"
C1_CSI = "\x9b31m"
HOSTILE = f"Evil{OSC52}Name{CLEAR}{RLO}gpj.exe{C1_CSI}"
# XML 1.0 cannot carry ESC or BEL at all: an XML export can only hold the others
HOSTILE_XML = f"Evil Name{RLO}gpj.exe\x9b31m"
BAD_CODEPOINTS = ("\x1b", "\x07", "\x9b", RLO)
BAD_BYTES = (b"\x1b", b"\x07", b"\xc2\x9b", RLO.encode())


def assert_clean_text(text: str) -> None:
    for bad in BAD_CODEPOINTS:
        assert bad not in text, (bad, text)


def assert_clean_bytes(data: bytes) -> None:
    for bad in BAD_BYTES:
        assert bad not in data, (bad, data[:400])


# --- the one function ---------------------------------------------------------------------


def test_clean_strips_sequences_controls_and_overrides_but_keeps_text() -> None:
    assert clean(HOSTILE) == "EvilNamegpj.exe"
    assert clean("Zoë's café ☕ 日本") == "Zoë's café ☕ 日本"
    assert clean("two\nlines\tand\r\nmore", multiline=True) == "two\nlines\tand\nmore"
    assert clean("two\nlines\tx") == "two lines x"
    assert clean(f"a\x00b\x7fc\x85d\u2066e\u2069f{CLEAR}") == "abc def"
    assert for_terminal(f"keep\nthis\t{OSC52}") == "keep\nthis\t\ufffd]52;c;aGFja2Vk\ufffd"
    assert for_terminal("\r[####    ] 4/8") == "\r[####    ] 4/8"  # a progress bar redraws


def test_models_clean_what_they_are_given_except_secrets() -> None:
    cred = NewCredential(
        system=HOSTILE, username=HOSTILE, notes=f"one\n{HOSTILE}", secret=f"s{OSC52}"
    )  # type: ignore[arg-type]
    assert cred.system == "EvilNamegpj.exe" and cred.username == "EvilNamegpj.exe"
    assert cred.notes == "one\nEvilNamegpj.exe"
    assert cred.secret.get_secret_value() == f"s{OSC52}"  # a secret is kept byte for byte


# --- every importer, then the command line's bytes -------------------------------------------


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "itexit", *args],
        capture_output=True,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


BATCH = Path(__file__).with_name("cli_batch.py")


def _cli_batch(
    env: dict[str, str], tmp: Path, commands: list[list[str]]
) -> list[tuple[int, bytes, bytes]]:
    """Each command's exit code and the bytes it wrote, all run in one process (`cli_batch`)."""
    outdir = Path(tempfile.mkdtemp(dir=tmp))
    (outdir / "commands.json").write_text(json.dumps(commands))
    done = subprocess.run(
        [sys.executable, str(BATCH), str(outdir / "commands.json"), str(outdir)],
        capture_output=True,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    assert_clean_bytes(done.stdout + done.stderr)
    codes = json.loads((outdir / "codes.json").read_text())
    return [
        (code, (outdir / f"{n}.out").read_bytes(), (outdir / f"{n}.err").read_bytes())
        for n, code in enumerate(codes)
    ]


def _exports(tmp: Path) -> list[tuple[str, Path, list[str]]]:
    h = HOSTILE.replace('"', "")
    files = {
        "bitwarden-csv": (
            "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,"
            "login_password,login_totp\n"
            f'{h},,login,"BW {h}","note {h}",,0,https://bw.example,"u{h}",pw1,\n'
        ),
        "bitwarden-json": json.dumps(
            {
                "encrypted": False,
                "folders": [{"id": "f", "name": f"F{h}"}],
                "items": [
                    {
                        "id": "i",
                        "folderId": "f",
                        "type": 1,
                        "name": f"BJ {h}",
                        "notes": f"note {h}",
                        "login": {
                            "uris": [{"uri": "https://bj.example"}],
                            "username": f"u{h}",
                            "password": "pw2",
                        },
                    }
                ],
            }
        ),
        "keepass-csv": (
            '"Group","Title","Username","Password","URL","Notes"\n'
            f'"Root/{h}","KC {h}","u{h}","pw3","https://kc.example","note {h}"\n'
        ),
        "lastpass-csv": (
            "url,username,password,totp,extra,name,grouping,fav\n"
            f'https://lp.example,"u{h}",pw4,,"note {h}","LP {h}","{h}",0\n'
        ),
        "1password-csv": (
            "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n"
            f'"OP {h}",https://op.example,"u{h}",pw5,,false,false,"{h}","note {h}"\n'
        ),
        "csv": f'Service,Login,Secret,Note\n"GC {h}","u{h}",pw6,"note {h}"\n',
        "keepass-xml": (
            '<?xml version="1.0" encoding="UTF-8"?><KeePassFile><Root><Group><Name>G</Name>'
            "<Entry><String><Key>Title</Key><Value>KX "
            + HOSTILE_XML
            + "</Value></String><String><Key>UserName</Key><Value>u"
            + HOSTILE_XML
            + "</Value></String><String><Key>Password</Key><Value>pw7</Value></String>"
            "<String><Key>Notes</Key><Value>note "
            + HOSTILE_XML
            + "</Value></String></Entry></Group></Root></KeePassFile>"
        ),
    }
    out = []
    for kind, text in files.items():
        path = (
            tmp / f"export-{kind}.{'json' if 'json' in kind else 'xml' if 'xml' in kind else 'csv'}"
        )
        path.write_text(text, encoding="utf-8")
        extra = (
            ["--map", "system=Service,username=Login,secret=Secret,notes=Note"]
            if kind == "csv"
            else []
        )
        out.append((kind, path, extra))
    return out


@pytest.fixture
def hostile_vault(tmp_path: Path) -> Any:
    vault = new_vault(tmp_path / "v.sqlite")
    vault.manager.lock()
    (tmp_path / "pp").write_text(MANAGER_PASS + "\n")
    yield vault
    vault.close()


def test_every_importer_strips_and_the_command_line_writes_no_escape(
    hostile_vault: Vault, tmp_path: Path
) -> None:
    env = {"ITEXIT_KDF_PROFILE": "test"}
    base = ["--vault", str(hostile_vault.path), "--user", MANAGER, "--passphrase-file"]
    base.append(str(tmp_path / "pp"))
    exports = _exports(tmp_path)
    imports = [[*base, "import", kind, str(path), *extra] for kind, path, extra in exports]
    *imported, listed, as_json = _cli_batch(
        env, tmp_path, [*imports, [*base, "cred", "list"], [*base, "cred", "list", "--json"]]
    )
    for (kind, _, _), (code, out, err) in zip(exports, imported, strict=True):
        assert code == 0, (kind, err.decode())
        assert_clean_bytes(out + err)
    assert listed[0] == 0, listed[2]
    assert_clean_bytes(listed[1])
    rows = json.loads(as_json[1])
    assert len(rows) == 7
    assert all(row["system"].endswith("Namegpj.exe") for row in rows), rows
    shows = [[*base, "cred", "show", row["id"]] for row in rows]
    for code, out, err in _cli_batch(env, tmp_path, shows):
        assert code == 0, err
        assert_clean_bytes(out + err)
        assert b"Namegpj.exe" in out
    # what was stored (decrypted) is clean in every field, not only what the list prints
    session = hostile_vault.unlock(MANAGER, MANAGER_PASS)
    for row in rows:
        detail = session.credentials.detail(row["id"])
        for value in detail.model_dump(mode="json").values():
            assert_clean_text(json.dumps(value, ensure_ascii=False))
    # an error sentence naming hostile input the person typed is neutralised too (this one
    # through the program itself, start to exit, not only its command function)
    missing = _cli(env, *base, "cred", "show", HOSTILE)
    assert missing.returncode == 2
    assert_clean_bytes(missing.stderr)


def test_old_hostile_rows_are_cleaned_on_the_way_out(hostile_vault: Vault, tmp_path: Path) -> None:
    """A plain column written behind the app's back never reaches the screen raw: a key holder's
    read names the row as changed outside itexit (its name is bound to its sealed record), and
    what is said about it, on the command line too, carries no control sequence."""
    from itexit.domain.errors import IntegrityFailure

    session = hostile_vault.unlock(MANAGER, MANAGER_PASS)
    summary = session.credentials.add(NewCredential(system="Plain"))
    hostile_vault.sql("UPDATE credentials SET system = :s WHERE id = :i", s=HOSTILE, i=summary.id)
    row = next(r for r in session.credentials.list() if r.id == summary.id)
    assert row.changed_outside
    assert_clean_text(row.system)
    with pytest.raises(IntegrityFailure) as refused:
        session.credentials.put_back(summary.id)
    assert summary.id in str(refused.value)
    assert_clean_text(str(refused.value))
    env = {"ITEXIT_KDF_PROFILE": "test"}
    base = ["--vault", str(hostile_vault.path), "--user", MANAGER]
    base += ["--passphrase-file", str(tmp_path / "pp")]
    done = _cli(env, *base, "cred", "list")
    assert done.returncode == 0
    assert b"CHANGED" in done.stdout
    assert_clean_bytes(done.stdout)
    assert_clean_bytes(done.stderr)


# --- the mailbox ---------------------------------------------------------------------------


def _hostile_mail() -> bytes:
    import base64

    encoded = base64.b64encode(f"Renewal {HOSTILE}".encode()).decode()
    return (
        b"From MAILER-DAEMON Mon Nov  2 09:00:00 2026\n"
        b'From: "Registrar' + OSC52.encode() + b'" <billing@registrar.example>\n'
        b"To: gary@clinic.example\n"
        b"Subject: =?utf-8?b?" + encoded.encode() + b"?=\n"
        b"Date: Mon, 2 Nov 2026 09:00:00 +0000\n"
        b"Message-ID: <1@registrar.example>\n\nbody\n\n"
        b"From MAILER-DAEMON Mon Nov  2 10:00:00 2026\n"
        b"From: vendor@example.test\n"
        b"Subject: Raw " + CLEAR.encode() + RLO.encode() + b"\xc2\x9b31m end\n"
        b"Date: Mon, 2 Nov 2026 10:00:00 +0000\n"
        b"Message-ID: <2@example.test>\n\nbody\n"
    )


def test_mailbox_import_strips_hostile_senders_and_subjects(
    hostile_vault: Vault, tmp_path: Path
) -> None:
    env = {"ITEXIT_KDF_PROFILE": "test"}
    base = ["--vault", str(hostile_vault.path), "--user", MANAGER]
    base += ["--passphrase-file", str(tmp_path / "pp")]
    mbox = tmp_path / "inbox.mbox"
    mbox.write_bytes(_hostile_mail())
    added = _cli(env, *base, "mailbox", "add", "gary@clinic.example", "--name", "gary")
    added = (
        added
        if added.returncode == 0
        else _cli(
            env,
            *base,
            "mailbox",
            "add",
            "gary@clinic.example",
            "--name",
            "gary",
            "--left-on",
            "2026-11-02",
        )
    )
    assert added.returncode == 0, added.stderr
    done = _cli(env, *base, "mailbox", "import", "gary", str(mbox))
    assert done.returncode == 0, done.stderr
    shown = _cli(env, *base, "mailbox", "messages", "gary")
    assert shown.returncode == 0, shown.stderr
    assert_clean_bytes(shown.stdout + shown.stderr)
    assert b"Renewal EvilNamegpj.exe" in shown.stdout and b"Raw  end" in shown.stdout
    as_json = _cli(env, *base, "mailbox", "messages", "gary", "--json").stdout
    for message in json.loads(as_json):
        assert_clean_text(json.dumps(message, ensure_ascii=False))


def test_imap_headers_are_stripped(
    tmp_path: Path, dovecot_server: Any, imap_user: tuple[str, str]
) -> None:
    import imaplib
    import ssl

    from itexit.domain.credentials import Category
    from itexit.domain.mailbox import NewMailbox, Tls
    from vaulthelpers import add_credential

    vault = new_vault(tmp_path / "imap.sqlite")
    try:
        user, password = imap_user
        cred = add_credential(
            vault.manager, "Mail", category=Category.EMAIL, username=user, secret=password
        )
        vault.manager.mailboxes.add(
            NewMailbox(
                address=f"{user}@clinic.example",
                name=user,
                imap_host=dovecot_server.host,
                imap_port=dovecot_server.imaps_port,
                tls=Tls.SSL,
                credential_id=cred,
                left_on=date(2026, 11, 2),
            )
        )
        tls = ssl.create_default_context(cafile=dovecot_server.ca_file)
        conn = imaplib.IMAP4_SSL(dovecot_server.host, dovecot_server.imaps_port, ssl_context=tls)
        try:
            conn.login(user, password)
            for raw in _hostile_mail().split(b"From MAILER-DAEMON")[1:]:
                typ, _ = conn.append("INBOX", None, None, raw.split(b"\n", 1)[1])
                assert typ == "OK"
        finally:
            conn.logout()
        assert vault.manager.mailboxes.sync(user, ssl_context=tls).added == 2
        messages = vault.manager.mailboxes.messages(user)
        for message in messages:
            assert_clean_text(message.sender + message.subject)
        assert {m.subject for m in messages} == {"Renewal EvilNamegpj.exe", "Raw  end"}
    finally:
        vault.close()


# --- the calendar and the PDF (the way out, given text that was never cleaned) ---------------


def test_calendar_and_pdf_carry_no_control_characters(hostile_vault: Vault) -> None:
    from itexit.domain.renewals import NewRenewal, RenewalKind
    from itexit.io.ics import build_calendar
    from itexit.io.statement_pdf import printable

    session = hostile_vault.unlock(MANAGER, MANAGER_PASS)
    real = session.renewals.add(
        NewRenewal(
            kind=RenewalKind.DOMAIN,
            vendor=f"Registrar {HOSTILE}",
            item=f"greenway.example {HOSTILE}",
            renewal_date=date(2027, 5, 1),
            notes=f"typed {HOSTILE}",
        )
    )
    assert_clean_text(real.vendor + real.item + real.notes)
    # the way out guards on its own, even given text that was never cleaned
    raw = real.model_copy(update={"vendor": HOSTILE, "item": HOSTILE, "notes": HOSTILE})
    data = build_calendar([raw], "vault-id", include_details=True).to_ical()
    assert_clean_bytes(data)
    assert b"EvilNamegpj.exe" in data
    assert printable(f"Statement {HOSTILE}\nline") == "Statement EvilNamegpj.exe\nline"


# --- the app: typed input and what it renders ------------------------------------------------


async def _unlock(app: ItexitApp, pilot: Any) -> None:
    for _ in range(200):
        await pilot.pause(0.05)
        if app.screen.query("#passphrase"):
            break
    app.screen.query_one("#user", Input).value = MANAGER
    app.screen.query_one("#passphrase", Input).value = MANAGER_PASS
    app.screen.query_one("#passphrase", Input).focus()
    await pilot.press("enter")
    for _ in range(200):
        await pilot.pause(0.05)
        if app.session is not None:
            return
    raise AssertionError("the app did not unlock")


def _rendered_text(app: ItexitApp) -> str:
    """Every character the widgets of the screen on top render, line by line."""
    lines = []
    for widget in app.screen.walk_children(with_self=True):
        size = widget.size
        if not widget.display or size.width == 0 or size.height == 0:
            continue
        for strip in widget.render_lines(Region(0, 0, size.width, size.height)):
            lines.append(strip.text)
    return "\n".join(lines)


async def test_the_app_renders_no_control_characters(hostile_vault: Vault) -> None:
    session = hostile_vault.unlock(MANAGER, MANAGER_PASS)
    session.credentials.add(NewCredential(system=HOSTILE, username=HOSTILE, notes=f"n {HOSTILE}"))
    session.lock()
    app = ItexitApp(hostile_vault.location, user=MANAGER)
    async with app.run_test(size=(140, 40)) as pilot:
        await _unlock(app, pilot)
        await pilot.press("f5")
        for _ in range(40):
            await pilot.pause(0.05)
            if "EvilNamegpj.exe" in _rendered_text(app):
                break
        text = _rendered_text(app)
        assert "EvilNamegpj.exe" in text
        assert_clean_text(text)
        # typed (or pasted) input: the add form's fields are saved clean
        await app.screen.run_action("add")
        for _ in range(40):
            await pilot.pause(0.05)
            # opened and laid out: a click lands only on a button that has its place
            if app.screen.query("#cf-save") and app.screen.query_one("#cf-save").region:
                break
        assert app.screen.query("#cf-system"), _rendered_text(app)
        for field in ("#cf-system", "#cf-username"):
            app.screen.query_one(field, Input).value = f"Form {HOSTILE}"
        app.screen.query_one("#cf-notes", TextArea).text = f"Form {HOSTILE}"
        await pilot.click("#cf-save")
        for _ in range(40):
            await pilot.pause(0.05)
            if not app.screen.query("#cf-system"):
                break
        assert app.session is not None
        added = [c for c in app.session.credentials.list() if c.system.startswith("Form")]
        assert [c.system for c in added] == ["Form EvilNamegpj.exe"]
        detail = app.session.credentials.detail(added[0].id)
        assert detail.username == "Form EvilNamegpj.exe" and detail.notes == "Form EvilNamegpj.exe"
        assert_clean_text(_rendered_text(app))
