"""`itexit renewal from-message`: a mailbox notice becomes a renewal, or is linked to the one
already tracked instead of a duplicate; on SQLite and PostgreSQL through the real command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from mailgen import message, write_mbox

from itexit.cli import main
from itexit.domain.credentials import Category
from itexit.domain.mailbox import ActionKind, MessageClass, NewMailbox
from itexit.domain.notices import domains_in, guess_kind, guess_vendor, likely_duplicates
from itexit.domain.renewals import NewRenewal, RenewalKind, RenewalState
from vaulthelpers import (
    MANAGER,
    MANAGER_PASS,
    VIEWER,
    VIEWER_PASS,
    Vault,
    add_credential,
    populated,
)

RENEWS = (date.today() + timedelta(days=60)).isoformat()


@pytest.fixture
def vault(db_url: str, tmp_path: Path) -> Iterator[Vault]:
    opened = populated(db_url, credentials=0)
    session = opened.manager
    cred = add_credential(session, "Mail", category=Category.EMAIL, username="gary@clinic.example")
    session.mailboxes.add(
        NewMailbox(
            address="gary@clinic.example",
            name="gary",
            imap_host="imap.clinic.example",
            credential_id=cred,
            left_on=date.today() - timedelta(days=3),
        )
    )
    # two notices for the same domain (0 and 7), and an invoice (1)
    mbox = write_mbox(tmp_path / "g.mbox", [message(0), message(1), message(7)])
    session.mailboxes.import_file("gary", mbox)
    try:
        yield opened
    finally:
        opened.close()


class Run:
    def __init__(self, vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.where = (
            ["--vault", str(vault.path)] if vault.path else ["--db", vault.location.url or ""]
        )
        self.tmp_path = tmp_path
        self.capsys = capsys
        self.as_user(MANAGER, MANAGER_PASS)

    def as_user(self, name: str, passphrase: str) -> None:
        pp = self.tmp_path / f"{name}.pp"
        pp.write_text(passphrase + "\n")
        self.base = [*self.where, "--user", name, "--passphrase-file", str(pp)]

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main([*self.base, *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> Any:
        code, out, err = self(*args, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def run(vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    return Run(vault, tmp_path, capsys)


def notices(run: Run) -> list[int]:
    rows = run.json("mailbox", "messages", "gary", "--class", "renewal")
    return sorted(int(r["id"]) for r in rows)


def one_sentence(err: str) -> None:
    assert err.startswith("itexit: ") and err.count("\n") == 1 and "Traceback" not in err, err


def test_create_then_link_the_second_notice_instead_of_a_duplicate(run: Run, vault: Vault) -> None:
    first, second = notices(run)
    code, out, _ = run("mailbox", "messages", "gary")
    assert code == 0 and f"{first:>6}  " in out  # the number to give is listed

    code, _, err = run("renewal", "from-message", "gary", str(first))
    assert code == 2 and "--date" in err
    one_sentence(err)

    created = run.json(
        "renewal", "from-message", "gary", str(first), "--date", RENEWS, "--auto-renew",
        "--check-target", "clinic.example",
    )  # fmt: skip
    assert created["created"] is True and created["kind"] == "domain"
    assert created["vendor"] == "Registrar" and created["item"].startswith("Your domain clinic")
    assert created["renewal_date"] == RENEWS and created["auto_renew"] is True
    renewal_id = created["id"]

    # the second notice about the same domain: refused naming the renewal, with or without a date
    for extra in ((), ("--date", RENEWS)):
        code, out, err = run("renewal", "from-message", "gary", str(second), *extra)
        assert code == 1 and renewal_id[:8] in err and "--link" in err and "--new" in err
        one_sentence(err)
    assert len(run.json("renewal", "list")) == 1

    linked = run.json("renewal", "from-message", "gary", str(second), "--link", renewal_id[:8])
    assert linked["created"] is False and linked["id"] == renewal_id
    assert len(run.json("renewal", "list")) == 1
    actions = {a.message_id: a for a in vault.manager.mailboxes.actions("gary")}
    assert actions[first].kind is ActionKind.RENEWAL_CREATED
    assert actions[second].kind is ActionKind.RENEWAL_LINKED
    assert actions[first].renewal_id == actions[second].renewal_id == renewal_id

    # a truly different renewal, said so explicitly
    other = run.json(
        "renewal", "from-message", "gary", str(second), "--new", "--date", RENEWS,
        "--kind", "certificate", "--item", "clinic.example certificate",
    )  # fmt: skip
    assert other["created"] is True and other["id"] != renewal_id
    assert len(run.json("renewal", "list")) == 2
    code, _, err = run("audit", "verify")
    assert code == 0, err


def test_mistakes_and_roles_are_one_sentence_and_write_nothing(run: Run, vault: Vault) -> None:
    first, _ = notices(run)
    checks = [
        (("gary", str(first), "--link", "abc12345", "--new"), 2, "Choose one"),
        (("gary", "99999", "--date", RENEWS), 2, "99999"),
        (("nobody", str(first), "--date", RENEWS), 2, "nobody"),
        (("gary", str(first), "--link", "no-such-renewal"), 2, "no-such-renewal"),
        (("gary", str(first), "--date", "next week"), 2, "date"),
    ]
    for args, wanted, words in checks:
        code, _, err = run("renewal", "from-message", *args)
        assert code == wanted and words in err, (args, err)
        one_sentence(err)
    run.as_user(VIEWER, VIEWER_PASS)
    code, _, err = run("renewal", "from-message", "gary", str(first), "--date", RENEWS)
    assert code == 3
    one_sentence(err)
    assert vault.manager.renewals.list() == []
    assert vault.manager.mailboxes.actions("gary") == []


def test_the_notice_rules() -> None:
    subject = "Your domain clinic.example expires soon"
    assert guess_kind(subject) is RenewalKind.DOMAIN
    assert guess_kind("Your SSL certificate renews") is RenewalKind.CERTIFICATE
    assert guess_kind("Thanks for your order") is RenewalKind.SUBSCRIPTION
    assert guess_vendor('"Registrar Inc" <renewals@registrar.example.net>') == "Registrar Inc"
    assert guess_vendor("renewals@registrar.example.net") == "registrar.example.net"
    assert domains_in(subject + " e.g. v2.1") == {"clinic.example"}
    assert MessageClass.RENEWAL.value == "renewal"


def test_likely_duplicates_by_item_or_domain(vault: Vault) -> None:
    renewals = vault.manager.renewals
    later = date.today() + timedelta(days=90)
    domain = renewals.add(
        NewRenewal(kind=RenewalKind.DOMAIN, vendor="Reg", item="Practice domain",
                   renewal_date=later, check_target="clinic.example")
    )  # fmt: skip
    licence = renewals.add(
        NewRenewal(
            kind=RenewalKind.LICENCE, vendor="EHR Co", item="EHR licence", renewal_date=later
        )
    )
    every = renewals.list()
    found = likely_duplicates("Domain renewal", "Your domain CLINIC.example expires", "", every)
    assert [r.id for r in found] == [domain.id]
    assert [r.id for r in likely_duplicates(" ehr  LICENCE", "Renew now", "", every)] == [
        licence.id
    ]
    assert likely_duplicates("Phone contract", "Your contract", "", every) == []
    renewals.set_state(domain.id, RenewalState.RETIRED)
    assert (
        likely_duplicates(
            "x", "Your domain clinic.example", "", renewals.list(include_retired=True)
        )
        == []
    )
