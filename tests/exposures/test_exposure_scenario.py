"""A practice set up from scratch through the command line, with every kind of exposure planted the
ordinary way, each one seen by `exposure list`, `remind` and the dashboard, then closed by the
real action until nothing is left and the case closes. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from itexit.cli import main
from itexit.domain.credentials import CredentialEdit
from itexit.domain.exposures import ExposureKind
from itexit.services.gateway import Gateway
from vaulthelpers import location_for

MARIA_PASS = "maria lantern orchard 42 quietly"
GARY_PASS = "gary thistle beacon 09 harbour"
OMAR_PASS = "omar velvet quinoa 58 sailing"
TODAY = date(2026, 11, 23)
LEFT = TODAY - timedelta(days=3)

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def itexit(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], frozen_now: Any) -> Run:
    files = {"maria": MARIA_PASS, "gary": GARY_PASS, "omar": OMAR_PASS}
    for name, text in files.items():
        (tmp_path / f"{name}.pp").write_text(text + "\n")
    where = ["--vault", db_url[len("sqlite:///") :]] if db_url.startswith("sqlite") else []
    where = where or ["--db", db_url]
    base = [*where, "--user", "maria", "--passphrase-file", str(tmp_path / "maria.pp")]

    def run(*args: str, ok: bool = True) -> tuple[int, str, str]:
        frozen_now.shift(7)  # every change a few seconds after the one before
        code = main([*base, *args])
        out = capsys.readouterr()
        if ok:
            assert code == 0, (args, out.out, out.err)
        return code, out.out, out.err

    run.url = db_url  # type: ignore[attr-defined]
    return run


def mail(number: int, sender: str, subject: str) -> bytes:
    """One mbox entry: headers and a line of body."""
    return (
        f"From MAILER-DAEMON Thu Nov 19 08:00:00 2026\nFrom: {sender}\n"
        f"To: Gary Thistle <gary@lakeside.example>\nSubject: {subject}\n"
        f"Date: Thu, 19 Nov 2026 08:0{number}:00 +0000\n"
        f"Message-ID: <m{number}@lakeside.example>\n\nBody {number}.\n\n"
    ).encode()


def listed(itexit: Run, *extra: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(itexit("exposure", "list", "--json", *extra)[1])
    return rows


def kinds(rows: list[dict[str, Any]]) -> set[str]:
    return {r["kind"] for r in rows}


def dashboard_kinds(itexit: Run) -> set[str]:
    gw = Gateway.open(location_for(itexit.url))  # type: ignore[attr-defined]
    try:
        summary = gw.unlock("maria", MARIA_PASS).dashboard()
    finally:
        gw.close()
    return {e.kind for e in summary.exposures}


def test_every_kind_planted_seen_everywhere_and_closed_by_its_real_action(
    itexit: Run, tmp_path: Path
) -> None:
    kit = tmp_path / "kit.txt"
    itexit("init", "--practice", "Lakeside Clinic", "--recovery-kit", str(kit))
    itexit("user", "add", "gary", "--role", "consultant",
           "--new-passphrase-file", str(tmp_path / "gary.pp"))  # fmt: skip
    secret = tmp_path / "secret.txt"
    secret.write_text("Old-Firewall-Secret-1\n")

    # a vendor whose account owner is Gary, entered before there is any case
    itexit("vendor", "add", "Netcare IT", "--services", "Backups")
    itexit("vendor", "contact", "add", "Netcare IT", "--name", "G. Thistle",
           "--role", "account_owner", "--email", "GARY@lakeside.example")  # fmt: skip
    itexit("case", "new", "--name", "Gary Thistle", "--kind", "it-employee",
           "--termination-date", LEFT.isoformat(), "--email", "gary@lakeside.example",
           "--phone", "+1 555 014 2000", "--vault-user", "gary")  # fmt: skip
    case = json.loads(itexit("case", "show", "Gary Thistle", "--json")[1])
    removal = next(t for t in case["tasks"] if t["title"] == "Remove Gary Thistle from itexit")
    assert removal["critical"] and removal["status"] == "open"
    statement_task = next(
        t for t in case["tasks"] if t["title"].startswith("Signed exit statement")
    )
    # a task the app can check cannot be ticked while its exposure is open
    for task in (removal, statement_task):
        code, _, err = itexit("task", "done", "Gary Thistle", str(task["number"]), ok=False)
        assert code == 1 and "cannot be ticked yet" in err and "completes itself" in err

    # credentials he knew: one untouched, one rotated while he could still unlock
    itexit("cred", "add", "Firewall", "--known-to-departing", "--secret-file", str(secret))
    itexit("cred", "add", "Router", "--known-to-departing", "--secret-file", str(secret))
    code, _, err = itexit("cred", "rotate", "start", "Router", ok=False)
    assert code == 2 and "can still unlock itexit" in err and "--while-member" in err
    itexit("cred", "rotate", "start", "Router", "--while-member")
    itexit("cred", "rotate", "confirm", "Router", "--attest", "logged in at the console")
    itexit("cred", "add", "Mail admin", "--secret-file", str(secret))

    # a domain registered to his address, and an auto-renewal past its cancel-by date
    itexit("renewal", "add", "--kind", "domain", "--vendor", "Registrar",
           "--item", "lakeside.example", "--date", (TODAY + timedelta(days=200)).isoformat(),
           "--registrant-email", "Gary@Lakeside.example")  # fmt: skip
    itexit("renewal", "add", "--kind", "subscription", "--vendor", "Cloudbox",
           "--item", "Backup plan", "--date", (TODAY + timedelta(days=10)).isoformat(),
           "--auto-renew", "--notice-days", "30")  # fmt: skip

    # the exit statement: property out, a password listed
    itexit("statement", "property", "Gary Thistle", "add", "Laptop")
    listed_secret = tmp_path / "nas.txt"
    listed_secret.write_text("Nas-Secret-77\n")
    itexit("statement", "password", "Gary Thistle", "--system", "Old NAS",
           "--secret-file", str(listed_secret))  # fmt: skip

    # his recovery e-mail on an account (recorded through the service the app uses)
    gw = Gateway.open(location_for(itexit.url))  # type: ignore[attr-defined]
    try:
        maria = gw.unlock("maria", MARIA_PASS)
        maria.credentials.update(
            "Mail admin", CredentialEdit(recovery_email="gary@lakeside.example")
        )
    finally:
        gw.close()

    rows = listed(itexit)
    before_mailbox = kinds(rows)
    assert ExposureKind.MAILBOX.value in before_mailbox  # he had an address; nobody watches it
    mbox = tmp_path / "gary.mbox"
    mbox.write_bytes(
        mail(1, "Registrar <renewals@registrar.example.net>", "Your domain expires soon")
        + mail(2, "Pat <pat@mail.example>", "Dinner on Saturday?")
    )
    itexit("mailbox", "add", "gary@lakeside.example", "--name", "gary",
           "--left-on", LEFT.isoformat())  # fmt: skip
    itexit("mailbox", "import", "gary", str(mbox))

    rows = listed(itexit)
    # an old secret not yet proven dead can only follow a rotation made after he could read
    # the vault: it is planted and seen below, after his removal; a row changed outside
    # itexit is planted by SQL in tests/security/test_sec_ledger.py
    every = {k.value for k in ExposureKind} - {
        ExposureKind.OLD_SECRET_ALIVE.value,
        ExposureKind.CHANGED_OUTSIDE.value,
    }
    assert kinds(rows) == every, every - kinds(rows)
    assert all(r["person"] in ("Gary Thistle", "the practice") for r in rows)
    assert {r["kind"] for r in rows if r["person"] == "the practice"} <= {
        ExposureKind.CANCEL_BY.value,
        ExposureKind.UNLOCK_COVERAGE.value,
    }
    code, out, _ = itexit("remind", ok=False)
    assert code == 1 and "Nothing is due" not in out
    assert all(r["id"] in out for r in rows)
    assert dashboard_kinds(itexit) == every
    # entered before the case, in capitals: still tied to him when listed
    [vendor] = json.loads(itexit("vendor", "list", "--json")[1])
    assert vendor["name"] == "Netcare IT" and vendor["flags"], vendor

    code, _, err = itexit("case", "close", "Gary Thistle", ok=False)
    assert code == 1 and "cannot be closed" in err

    # --- closing each by the real action -------------------------------------------------------
    itexit("user", "add", "omar", "--role", "manager",
           "--new-passphrase-file", str(tmp_path / "omar.pp"))  # fmt: skip
    itexit("user", "remove", "gary")
    after = kinds(listed(itexit))
    case = json.loads(itexit("case", "show", "Gary Thistle", "--json")[1])
    done = next(t for t in case["tasks"] if t["number"] == removal["number"])
    assert done["status"] == "done" and done["completed_by"] == "itexit"
    assert ExposureKind.VAULT_ACCOUNT.value not in after
    assert ExposureKind.UNLOCK_COVERAGE.value not in after
    # Router was rotated while he could unlock: it is to rotate again, everywhere
    router = [r for r in listed(itexit) if r["subject"] == "Router"]
    assert [r["kind"] for r in router] == [ExposureKind.CREDENTIAL_KNOWN.value]
    due = json.loads(itexit("cred", "list", "--json")[1])
    assert {c["system"] for c in due if c.get("rotation_due")} >= {"Router", "Firewall"}

    itexit("cred", "receive")  # the listed password joins the inventory
    rows = listed(itexit)
    assert not [r for r in rows if r["kind"] == "listed_password" and "listed" in r["subject"]]
    for system in ("Firewall", "Router", "Old NAS", "Mail admin"):
        itexit("cred", "verify", system, "--attest", "logged in by hand")
        itexit("cred", "rotate", "start", system)
        itexit("cred", "rotate", "confirm", system, "--attest", "logged in with the new one")
    old = [r for r in listed(itexit) if r["kind"] == ExposureKind.OLD_SECRET_ALIVE.value]
    assert len(old) == 4
    code, out, _ = itexit("remind", ok=False)
    assert code == 1 and all(r["id"] in out for r in old)
    assert ExposureKind.OLD_SECRET_ALIVE.value in dashboard_kinds(itexit)
    for system in ("Firewall", "Router", "Old NAS", "Mail admin"):
        itexit("cred", "verify", system, "--old", "--attest", "the old one is refused")
    after = kinds(listed(itexit))
    for kind in ("credential_known", "old_secret_alive", "listed_password"):
        assert kind not in after

    gw = Gateway.open(location_for(itexit.url))  # type: ignore[attr-defined]
    try:
        maria = gw.unlock("maria", MARIA_PASS)
        maria.credentials.update("Mail admin", CredentialEdit(recovery_email=""))
    finally:
        gw.close()
    assert ExposureKind.RECOVERY_CHANNEL.value not in kinds(listed(itexit))

    detail = json.loads(itexit("vendor", "show", "Netcare IT", "--json")[1])
    itexit("vendor", "contact", "add", "Netcare IT", "--name", "Omar Haddad",
           "--role", "account_owner", "--email", "omar@lakeside.example")  # fmt: skip
    gary = next(c for c in detail["contacts"] if c["name"] == "G. Thistle")
    itexit("vendor", "contact", "remove", "Netcare IT", gary["id"])
    assert ExposureKind.VENDOR_CONTACT.value not in kinds(listed(itexit))

    renewals = json.loads(itexit("renewal", "list", "--json")[1])
    domain = next(r for r in renewals if r["item"] == "lakeside.example")
    plan = next(r for r in renewals if r["item"] == "Backup plan")
    itexit("renewal", "edit", domain["id"], "--registrant-email", "it@lakeside.example")
    itexit("renewal", "state", plan["id"], "cancelling")
    after = kinds(listed(itexit))
    assert ExposureKind.RENEWAL_CONTACT.value not in after
    assert ExposureKind.CANCEL_BY.value not in after

    notices = json.loads(itexit("mailbox", "messages", "gary", "--class", "renewal", "--json")[1])
    for notice in notices:
        itexit("mailbox", "dismiss", "gary", str(notice["id"]), "--reason", "domain moved already")
    itexit("mailbox", "review", "gary", "--note", "Nothing else needs action.")
    after = kinds(listed(itexit))
    assert ExposureKind.RENEWAL_NOTICE.value not in after
    assert ExposureKind.MAILBOX.value not in after

    itexit("statement", "property", "Gary Thistle", "returned", "Laptop")
    pdf = tmp_path / "statement.pdf"
    itexit("statement", "pdf", "Gary Thistle", str(pdf))
    itexit("statement", "record", "Gary Thistle", "--signed-on", TODAY.isoformat(),
           "--witness", "Omar Haddad", "--signed-copy", str(pdf))  # fmt: skip
    assert ExposureKind.STATEMENT.value not in kinds(listed(itexit))
    case = json.loads(itexit("case", "show", "Gary Thistle", "--json")[1])
    signed = next(t for t in case["tasks"] if t["number"] == statement_task["number"])
    assert signed["status"] == "done" and signed["completed_by"] == "itexit"

    case = json.loads(itexit("case", "show", "Gary Thistle", "--json")[1])
    for task in case["tasks"]:
        if task["critical"] and task["status"] == "open":
            itexit("task", "done", "Gary Thistle", str(task["number"]), "--evidence", "done")
    assert listed(itexit) == []
    code, out, _ = itexit("remind", ok=False)
    assert "No exposure is open" in out or "exposure" not in out.split("\n")[0]
    closed = listed(itexit, "--state", "closed")
    assert {"vault_account", "credential_known"} <= kinds(closed)
    itexit("case", "close", "Gary Thistle")
