"""The audit log as the viewer reads it: newest first, a page at a time, the actor proven by
the signing key, filters run in the database, plain words for every action."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from itexit.domain.audit_words import (
    ACTION_WORDS,
    UNAUTHENTICATED_WORDS,
    UNPROVEN_WORDS,
    AuditQuery,
    action_words,
    detail_lines,
)
from itexit.domain.errors import AuthenticationFailed, PermissionDenied
from itexit.domain.renewals import NewRenewal, RenewalKind
from itexit.domain.roles import Permission
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    HR_PASS,
    HR_USER,
    MANAGER,
    VIEWER,
    VIEWER_PASS,
    Vault,
    add_credential,
    populated,
)


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    v = populated(db_url, credentials=2)
    yield v
    v.close()


def test_newest_first_in_pages_with_the_total(vault: Vault) -> None:
    log = vault.unlock(VIEWER, VIEWER_PASS).audit_log
    everything = log.page(AuditQuery(), 0, 1000)
    seqs = [line.seq for line in everything.lines]
    assert seqs == sorted(seqs, reverse=True) and everything.total == len(seqs) >= 8
    first, second = log.page(AuditQuery(), 0, 3), log.page(AuditQuery(), 3, 3)
    assert first.total == second.total == everything.total
    assert [line.seq for line in first.lines + second.lines] == seqs[:6]
    newest = first.lines[0]
    assert newest.action == "auth.unlock" and newest.actor == VIEWER and newest.proven
    assert newest.what == "Unlocked the vault"


def test_the_actor_is_who_signed_not_the_name_written_in_the_row(vault: Vault) -> None:
    add_credential(vault.manager, "Payroll")
    # someone with the database file rewrites who did it
    vault.sql(
        "UPDATE audit_events SET actor_name = :n WHERE action = 'cred.add' AND target = 'Payroll'",
        n=CONSULTANT,
    )
    log = vault.unlock(VIEWER, VIEWER_PASS).audit_log
    line = log.page(AuditQuery(text="Payroll")).lines[0]
    assert line.actor == MANAGER and line.proven
    assert log.page(AuditQuery(person=CONSULTANT, text="Payroll")).total == 0
    assert log.page(AuditQuery(person=MANAGER, text="Payroll")).total == 1


def test_a_failed_unlock_names_nobody(vault: Vault) -> None:
    with pytest.raises(AuthenticationFailed):
        vault.unlock(MANAGER, "not the passphrase at all 00")
    log = vault.unlock(VIEWER, VIEWER_PASS).audit_log
    failed = log.page(AuditQuery(person=UNAUTHENTICATED_WORDS))
    assert failed.total == 1
    line = failed.lines[0]
    assert line.action == "auth.failed" and line.actor == UNAUTHENTICATED_WORDS
    assert not line.proven and line.target == MANAGER  # the account tried, not who tried
    assert UNAUTHENTICATED_WORDS in log.people()
    assert all(
        line.actor != UNAUTHENTICATED_WORDS for line in log.page(AuditQuery(person=MANAGER)).lines
    )


def test_a_row_signed_by_a_key_nobody_held_is_not_named(vault: Vault) -> None:
    add_credential(vault.manager, "Fax server")
    vault.sql("UPDATE audit_events SET signer_key = :k WHERE target = 'Fax server'", k="ab" * 32)
    line = vault.unlock(VIEWER, VIEWER_PASS).audit_log.page(AuditQuery(text="fax")).lines[0]
    assert line.actor == UNPROVEN_WORDS and not line.proven


def test_filters_by_person_words_and_dates(vault: Vault) -> None:
    consultant = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    add_credential(consultant, "Lab portal")
    log = vault.unlock(VIEWER, VIEWER_PASS).audit_log
    assert set(log.people()) >= {MANAGER, CONSULTANT, HR_USER, VIEWER}
    mine = log.page(AuditQuery(person=CONSULTANT), 0, 1000)
    assert mine.total >= 2 and {line.actor for line in mine.lines} == {CONSULTANT}
    # words match what happened in plain words, the system, or the details
    by_words = log.page(AuditQuery(text="added a credential"), 0, 1000)
    assert {line.action for line in by_words.lines} == {"cred.add"}
    assert by_words.total == 3
    assert log.page(AuditQuery(text="LAB PORTAL")).lines[0].target == "Lab portal"
    assert log.page(AuditQuery(text="100%_")).total == 0  # wildcards are plain characters
    today = date.today()
    assert log.page(AuditQuery(since=today, until=today)).total == log.page(AuditQuery()).total
    assert log.page(AuditQuery(since=today + timedelta(days=1))).total == 0
    assert log.page(AuditQuery(until=today - timedelta(days=1))).total == 0
    assert log.page(AuditQuery(person="nobody-by-that-name")).total == 0


def test_every_role_that_reads_the_history_may_open_it(vault: Vault) -> None:
    for name, passphrase in ((HR_USER, HR_PASS), (CONSULTANT, CONSULTANT_PASS)):
        session = vault.unlock(name, passphrase)
        if session.can(Permission.AUDIT_READ):
            assert session.audit_log.page(AuditQuery()).total > 0
        else:
            with pytest.raises(PermissionDenied):
                session.audit_log.page(AuditQuery())


def test_reading_writes_nothing(vault: Vault) -> None:
    log = vault.unlock(VIEWER, VIEWER_PASS).audit_log
    before = vault.scalar("SELECT COUNT(*) FROM audit_events")
    log.page(AuditQuery(person=MANAGER, text="credential"))
    log.people()
    assert vault.scalar("SELECT COUNT(*) FROM audit_events") == before


def test_every_action_the_product_writes_has_plain_words() -> None:
    assert all(". " not in words and "_" not in words for words in ACTION_WORDS.values())
    assert action_words("cred.reveal") == "Revealed a password"
    assert action_words("renewal.something_new") == "A renewal: something new"
    assert "." not in action_words("zzz.unknown")


@pytest.mark.parametrize("action", ["cred.rotate.confirm", "cred.verify", "cred.verify_old"])
def test_a_check_is_named_without_claiming_its_outcome(action: str) -> None:
    # the outcome (works, refused, unreachable) is in the entry's details, not in its name
    words = action_words(action)
    assert words.startswith("Checked whether ")
    assert "Confirmed" not in words and "no longer" not in words


def test_details_are_shown_without_control_characters() -> None:
    lines = detail_lines(
        {"reason": "line one\x1b[2Jcleared\nline two", "credential_id": "c0ffee", "count": 3}
    )
    assert lines == [("reason", "line onecleared\nline two"), ("count", "3")]


def test_dates_in_the_details_read_as_the_app_writes_dates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        lines = detail_lines(
            {
                "reviewed_at": "2026-11-15T17:00:00+00:00",
                "until": "2026-12-20",
                "at": "2026-11-15 09:30",
                "not_a_date": "2026-13-45",
                "note": "moved to 2026-12-20 by hand",
            }
        )
    finally:
        monkeypatch.undo()  # this computer's own time zone again
        time.tzset()
    assert lines == [
        ("reviewed at", "15 Nov 2026 17:00"),
        ("until", "20 Dec 2026"),
        ("at", "15 Nov 2026 09:30"),
        ("not a date", "2026-13-45"),
        ("note", "moved to 2026-12-20 by hand"),
    ]


def test_a_renewal_shows_in_words(vault: Vault) -> None:
    vault.manager.renewals.add(
        NewRenewal(
            kind=RenewalKind.DOMAIN,
            item="greenway.example",
            vendor="Registrar",
            renewal_date=date(2027, 3, 1),
        )
    )
    line = vault.unlock(VIEWER, VIEWER_PASS).audit_log.page(AuditQuery(text="greenway")).lines[0]
    assert line.what == "Added a renewal"


def test_a_record_id_gives_way_to_the_systems_it_names(vault: Vault) -> None:
    ctx = vault.manager.ctx
    with ctx.transaction() as session:
        ctx.record(
            session,
            "sweep.record",
            "9dc1e6fe-53dd-4805-b7cb-7000659747bb",
            hosts=["files.example", "mail.example"],
        )
    line = vault.unlock(VIEWER, VIEWER_PASS).audit_log.page(AuditQuery(text="sweep")).lines[0]
    assert line.target == "files.example, mail.example"
    assert line.what == "Looked for leftover access"


def test_an_accepted_risk_names_what_was_accepted_not_its_id(vault: Vault) -> None:
    ctx = vault.manager.ctx
    with ctx.transaction() as session:
        ctx.record(
            session,
            "exposure.accept",
            "E1A2B3C4D5",
            kind="account",
            person="Gary Thistle",
            subject="itexit account gary",
            until="2027-01-31",
        )
    viewer = vault.unlock(VIEWER, VIEWER_PASS).audit_log
    line = viewer.page(AuditQuery(text="accepted")).lines[0]
    assert line.what == "Accepted a remaining risk"
    assert line.target == "itexit account gary (Gary Thistle)"
    assert "E1A2B3C4D5" not in line.target
    assert viewer.page(AuditQuery(text="account gary")).lines[0].seq == line.seq


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("credential_known", "Password they knew or could read"),
        ("sweep_ssh_key", "SSH key left on a server"),
        ("it_employee", "IT employee"),
        ("sudoers", "Admin rights (sudo)"),
        ("something_new", "something new"),
    ],
)
def test_a_kind_in_the_details_is_shown_in_words_not_its_code(code: str, words: str) -> None:
    assert detail_lines({"kind": code, "subject": "Practice Wi-Fi"}) == [
        ("kind", words),
        ("subject", "Practice Wi-Fi"),
    ]
