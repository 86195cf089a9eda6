"""The mailbox service on SQLite and PostgreSQL: add, import, list, act, review, and what is
written to disk."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from mailgen import message, write_mbox

from itexit.domain.credentials import Category
from itexit.domain.errors import BadInput, IntegrityFailure, PermissionDenied
from itexit.domain.mailbox import (
    ActionKind,
    MessageClass,
    NewAction,
    NewMailbox,
    Progress,
    RuleSpec,
)
from itexit.domain.roles import Role
from itexit.services import mailbox as mailbox_module
from itexit.services.demo import mailbox as mailbox_demo
from itexit.services.session import UnlockedVault
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    HR_PASS,
    HR_USER,
    VIEWER,
    VIEWER_PASS,
    Vault,
    add_credential,
    new_vault,
    sidecars,
)

LEFT = date(2026, 11, 2)
LEFT_DEMO = date(2026, 11, 12)  # the demo's first review: the day after Gary left


@pytest.fixture
def vault(db_url: str) -> Vault:
    v = new_vault(db_url)
    yield v
    v.close()


def add_box(session: UnlockedVault, **extra: object) -> str:
    cred = add_credential(session, "Mail", category=Category.EMAIL, username="gary@clinic.example")
    fields: dict[str, object] = {
        "address": "gary@clinic.example",
        "name": "gary",
        "imap_host": "imap.clinic.example",
        "credential_id": cred,
        "left_on": LEFT,
    }
    fields.update(extra)
    return session.mailboxes.add(NewMailbox(**fields)).name  # type: ignore[arg-type]


def test_add_defaults_keep_until_to_a_year_and_owner_to_the_adder(vault: Vault) -> None:
    add_box(vault.manager)
    box = vault.manager.mailboxes.get("gary")
    assert box.keep_until == date(2027, 11, 2) and box.owner == "alice"
    assert box.imap_port == 993 and box.credential_system == "Mail"
    assert vault.manager.mailboxes.get("gary@clinic.example").id == box.id


def test_keep_until_too_early_is_refused_and_nothing_written(vault: Vault) -> None:
    with pytest.raises(BadInput, match="at least"):
        add_box(vault.manager, keep_until=date(2027, 6, 1))
    assert vault.scalar("SELECT count(*) FROM mailboxes") == 0


BAD_INPUT = [
    ({"address": "not-an-address"}, "not an e-mail address"),
    ({"folders": [" "]}, "at least one folder"),
    ({"tls": "none"}, "in the clear"),
    ({"daily_weeks": 60}, "between 0 and 52"),
    ({"credential_id": "nope"}, "no credential"),
]


def test_bad_input_is_one_sentence(vault: Vault) -> None:
    for extra, sentence in BAD_INPUT:
        with pytest.raises(BadInput, match=sentence):
            add_box(vault.manager, **extra)
    assert vault.scalar("SELECT count(*) FROM mailboxes") == 0


def test_a_duplicate_name_is_refused(vault: Vault) -> None:
    add_box(vault.manager)
    with pytest.raises(BadInput, match="already called"):
        vault.manager.mailboxes.add(
            NewMailbox(address="other@clinic.example", name="gary", left_on=LEFT)
        )


def test_import_mbox_classifies_counts_malformed_and_reimport_adds_nothing(
    vault: Vault, tmp_path: Path
) -> None:
    add_box(vault.manager)
    msgs = [message(i) for i in range(40)]
    msgs.insert(5, b"\x00\x01garbage without headers\n\nbody\n")
    msgs.insert(9, b"From: x@y.example\nSubject: odd date\nDate: someday\n\nbody\n")
    path = write_mbox(tmp_path / "gary.mbox", msgs)
    seen: list[Progress] = []
    result = vault.manager.mailboxes.import_file("gary", path, progress=seen.append, batch_size=16)
    assert result.added == 41 and result.malformed == 2 and not result.cancelled
    assert result.by_class["newsletter"] >= 5 and result.by_class["security"] >= 5
    assert seen and seen[-1].total == path.stat().st_size
    again = vault.manager.mailboxes.import_file("gary", path)
    assert again.added == 0 and again.skipped == 41
    # one audit row per batch, summarising it
    batches = vault.scalar("SELECT count(*) FROM audit_events WHERE action = 'mailbox.import'")
    assert batches == 3 + 1


def test_import_can_be_cancelled_and_keeps_what_was_stored(vault: Vault, tmp_path: Path) -> None:
    add_box(vault.manager)
    path = write_mbox(tmp_path / "big.mbox", [message(i) for i in range(100)])
    cancel = threading.Event()

    def stop_after_first(_: Progress) -> bool:
        return False

    result = vault.manager.mailboxes.import_file(
        "gary", path, progress=stop_after_first, cancel=cancel, batch_size=25
    )
    assert result.cancelled and result.added == 25 and cancel.is_set()
    assert vault.scalar("SELECT count(*) FROM mail_messages") == 25
    rest = vault.manager.mailboxes.import_file("gary", path)
    assert rest.added == 75 and rest.skipped == 25


def test_eml_files_and_folders_import(vault: Vault, tmp_path: Path) -> None:
    add_box(vault.manager)
    folder = tmp_path / "export"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i}.eml").write_bytes(message(i))
    assert vault.manager.mailboxes.import_file("gary", folder).added == 3
    (tmp_path / "one.eml").write_bytes(message(10))
    assert vault.manager.mailboxes.import_file("gary", tmp_path / "one.eml").added == 1


def test_messages_filter_by_text_and_class_newest_first(vault: Vault, tmp_path: Path) -> None:
    add_box(vault.manager)
    vault.manager.mailboxes.import_file(
        "gary", write_mbox(tmp_path / "m.mbox", [message(i) for i in range(21)])
    )
    svc = vault.manager.mailboxes
    everything = svc.messages("gary")
    assert len(everything) == 21
    assert [m.date for m in everything] == sorted((m.date for m in everything), reverse=True)
    invoices = svc.messages("gary", search="INVOICE")
    assert invoices and all("Invoice" in m.subject for m in invoices)
    by_sender = svc.messages("gary", search="firewall.example")
    assert by_sender and all(m.msg_class is MessageClass.SECURITY for m in by_sender)
    lists = svc.messages("gary", msg_class=MessageClass.NEWSLETTER)
    assert len(lists) == 3 and all(m.list_unsubscribe for m in lists)
    assert svc.counts("gary")["newsletter"] == 3


def test_unsubscribe_is_logged_with_its_target_and_needs_a_list_header(
    vault: Vault, tmp_path: Path
) -> None:
    add_box(vault.manager)
    vault.manager.mailboxes.import_file(
        "gary", write_mbox(tmp_path / "m.mbox", [message(i) for i in range(7)])
    )
    svc = vault.manager.mailboxes
    newsletter = svc.messages("gary", msg_class=MessageClass.NEWSLETTER)[0]
    entry = svc.log_unsubscribe("gary", newsletter.id)
    assert entry.kind is ActionKind.UNSUBSCRIBED and entry.target == "https://weekly.example/u?x=1"
    assert svc.message("gary", newsletter.id).unsubscribed
    plain = svc.messages("gary", msg_class=MessageClass.BILLING)[0]
    with pytest.raises(BadInput, match="no List-Unsubscribe"):
        svc.log_unsubscribe("gary", plain.id)


def test_review_counts_messages_since_the_last_and_the_actions(
    vault: Vault, tmp_path: Path
) -> None:
    add_box(vault.manager)
    svc = vault.manager.mailboxes
    svc.import_file("gary", write_mbox(tmp_path / "a.mbox", [message(i) for i in range(10)]))
    first = svc.record_review("gary", "Two renewals found.")
    assert first.messages_reviewed == 10 and first.actions == 0
    svc.import_file("gary", write_mbox(tmp_path / "b.mbox", [message(i) for i in range(10, 14)]))
    svc.log_action("gary", NewAction(kind=ActionKind.NOTED, note="Called the registrar."))
    second = svc.record_review(
        "gary",
        "Forwarded the invoice.",
        [NewAction(kind=ActionKind.FORWARDED, target="maria@clinic.example")],
    )
    assert second.messages_reviewed == 4 and second.actions == 2
    log = svc.reviews("gary")
    assert [r.findings for r in log] == ["Forwarded the invoice.", "Two renewals found."]
    with pytest.raises(BadInput, match="found"):
        svc.record_review("gary", "   ")


def test_next_review_and_overdue_follow_the_cadence(vault: Vault, frozen_now: object) -> None:
    add_box(vault.manager, left_on=date(2026, 11, 2))
    svc = vault.manager.mailboxes
    status = svc.status("gary", date(2026, 11, 23))
    assert status.next_due == date(2026, 11, 3) and status.overdue
    svc.record_review("gary", "All read.")
    status = svc.status("gary", date(2026, 11, 23))
    assert status.next_due == date(2026, 11, 24) and not status.overdue
    [tile] = mailbox_module.tiles(vault.manager.ctx, date(2026, 11, 26))
    assert tile.count == 1 and tile.severity == "alert"
    [reminder] = mailbox_module.reminders(vault.manager.ctx, date(2026, 11, 26))
    assert reminder.overdue and reminder.due == date(2026, 11, 24) and reminder.ref == "gary"
    assert mailbox_module.reminders(vault.manager.ctx, date(2026, 11, 22)) == []
    assert mailbox_module.tiles(vault.manager.ctx, date(2026, 11, 24))[0].count == 0


def test_practice_rules_reclassify_but_leave_hand_classified_alone(
    vault: Vault, tmp_path: Path
) -> None:
    add_box(vault.manager)
    svc = vault.manager.mailboxes
    svc.import_file("gary", write_mbox(tmp_path / "m.mbox", [message(i) for i in range(14)]))
    desk = svc.messages("gary", search="monitor flickers")
    svc.set_class("gary", desk[0].id, MessageClass.PERSONAL)
    svc.add_rule(RuleSpec(name="Front desk", msg_class=MessageClass.SUPPORT, sender=["desk@"]))
    changed = svc.reclassify("gary")
    assert changed == {"support": 1}
    classes = {m.id: m.msg_class for m in svc.messages("gary", search="monitor flickers")}
    assert classes[desk[0].id] is MessageClass.PERSONAL
    assert MessageClass.SUPPORT in classes.values()
    assert svc.rules()[0].name == "Front desk" and svc.rules()[0].origin == "practice"
    with pytest.raises(BadInput, match="not valid"):
        svc.add_rule(RuleSpec(name="bad", msg_class=MessageClass.OTHER, subject=["("]))


def test_roles_without_the_cred_key_see_dates_and_classes_only(
    vault: Vault, tmp_path: Path
) -> None:
    for name, passphrase, role in (
        (CONSULTANT, CONSULTANT_PASS, Role.CONSULTANT),
        (HR_USER, HR_PASS, Role.HR),
        (VIEWER, VIEWER_PASS, Role.VIEWER),
    ):
        vault.manager.add_user(name, role, passphrase)
    add_box(vault.manager)
    vault.manager.mailboxes.import_file(
        "gary", write_mbox(tmp_path / "m.mbox", [message(i) for i in range(7)])
    )
    vault.manager.mailboxes.record_review("gary", "Secret finding about a person.")
    for name, passphrase in ((VIEWER, VIEWER_PASS), (HR_USER, HR_PASS)):
        other = vault.unlock(name, passphrase)
        rows = other.mailboxes.messages("gary")
        assert len(rows) == 7 and all(r.sealed and r.subject == "" for r in rows)
        assert other.mailboxes.reviews("gary")[0].sealed
        with pytest.raises(PermissionDenied):
            other.mailboxes.record_review("gary", "x")
        with pytest.raises(PermissionDenied):
            other.mailboxes.import_file("gary", tmp_path / "m.mbox")
    consultant = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    assert consultant.mailboxes.record_review("gary", "Read all.").messages_reviewed == 0


def test_a_message_document_moved_to_another_row_fails(vault: Vault, tmp_path: Path) -> None:
    add_box(vault.manager)
    vault.manager.mailboxes.import_file(
        "gary", write_mbox(tmp_path / "m.mbox", [message(i) for i in range(3)])
    )
    ids = [r[0] for r in vault.rows("SELECT id FROM mail_messages ORDER BY id")]
    doc = vault.scalar("SELECT doc FROM mail_messages WHERE id = :i", i=ids[0])
    vault.sql("UPDATE mail_messages SET doc = :d WHERE id = :i", d=doc, i=ids[1])
    with pytest.raises(IntegrityFailure):
        vault.manager.mailboxes.messages("gary")
    with pytest.raises(IntegrityFailure):
        vault.manager.mailboxes.message("gary", ids[1])


def test_messages_survive_removing_a_person_and_the_re_key(vault: Vault, tmp_path: Path) -> None:
    vault.manager.add_user(CONSULTANT, Role.CONSULTANT, CONSULTANT_PASS)
    add_box(vault.manager)
    vault.manager.mailboxes.import_file(
        "gary", write_mbox(tmp_path / "m.mbox", [message(i) for i in range(9)])
    )
    before = {m.id: m.subject for m in vault.manager.mailboxes.messages("gary")}
    vault.manager.remove_user(CONSULTANT)
    after = {m.id: m.subject for m in vault.manager.mailboxes.messages("gary")}
    assert after == before
    assert vault.scalar("SELECT min(epoch) FROM mail_messages") == vault.epoch()


def test_create_renewal_from_a_notice_logs_the_action(vault: Vault, tmp_path: Path) -> None:
    from itexit.domain.renewals import NewRenewal, RenewalKind

    add_box(vault.manager)
    svc = vault.manager.mailboxes
    svc.import_file("gary", write_mbox(tmp_path / "m.mbox", [message(0)]))
    notice = svc.messages("gary", msg_class=MessageClass.RENEWAL)[0]
    entry = svc.create_renewal(
        "gary",
        notice.id,
        NewRenewal(
            kind=RenewalKind.DOMAIN,
            vendor="Registrar",
            item="clinic.example",
            renewal_date=date.today() + timedelta(days=40),
        ),
    )
    assert entry.kind is ActionKind.RENEWAL_CREATED and entry.target == "Registrar: clinic.example"
    assert [r.item for r in vault.manager.renewals.list()] == ["clinic.example"]


CANARY_SUBJECT = "Canary-Subject-7f3a9c"
CANARY_SENDER = "canary.sender.b61e@leak.example"
CANARY_UNSUB = "https://leak.example/unsub-canary-d04c"
CANARY_FINDING = "Canary-Finding-5e21"


def test_subjects_senders_and_findings_never_reach_the_disk(tmp_path: Path) -> None:
    path = tmp_path / "vault.sqlite"
    vault = new_vault(path)
    try:
        add_box(vault.manager)
        raw = (
            f"From: Canary <{CANARY_SENDER}>\r\nTo: gary@clinic.example\r\n"
            f"Subject: {CANARY_SUBJECT}\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n"
            f"List-Unsubscribe: <{CANARY_UNSUB}>\r\nMessage-ID: <canary@leak.example>\r\n\r\nhi\r\n"
        ).encode()
        vault.manager.mailboxes.import_file("gary", write_mbox(tmp_path / "c.mbox", [raw]))
        row = vault.manager.mailboxes.messages("gary")[0]
        assert row.subject == CANARY_SUBJECT
        vault.manager.mailboxes.log_unsubscribe("gary", row.id)
        vault.manager.mailboxes.record_review("gary", CANARY_FINDING)
        blobs = b"".join(p.read_bytes() for p in [path, *sidecars(path)] if p.exists())
        for canary in (CANARY_SUBJECT, CANARY_SENDER, CANARY_UNSUB, CANARY_FINDING, "canary@leak"):
            assert canary.encode() not in blobs, canary
            assert canary.encode("utf-16-le") not in blobs
        # the audit details name ids and counts only
        details = " ".join(r[0] for r in vault.rows("SELECT details FROM audit_events"))
        assert CANARY_SUBJECT not in details and CANARY_UNSUB not in details
    finally:
        vault.close()


def test_demo_builds_an_overdue_mailbox_quickly(vault: Vault) -> None:
    import time

    from itexit.services.demo.practice import demo_definition

    for user in demo_definition()["users"]:  # the demo's reviewers, who sign in to log theirs
        if user["name"] in ("maria", "priya"):
            vault.manager.add_user(user["name"], Role(user["role"]), user["passphrase"])
    add_credential(vault.manager, "Microsoft 365", category=Category.EMAIL)
    started = time.perf_counter()
    mailbox_demo.build_demo(vault.manager, date(2026, 11, 23))
    assert time.perf_counter() - started < 2.0
    svc = vault.manager.mailboxes
    box = svc.get("gary")
    assert box.messages == 200 and box.credential_id is not None
    counts = svc.counts("gary")
    assert set(counts) == {c.value for c in MessageClass}
    status = svc.status("gary", date(2026, 11, 23))
    assert status.overdue and status.new_messages > 0
    reviews = svc.reviews("gary")
    assert [r.reviewer for r in reviews] == ["maria", "priya", "priya"]
    assert [r.at.date() for r in reviews] == [date(2026, 11, 20), date(2026, 11, 15), LEFT_DEMO]
    # each review is on the record as done by its reviewer, through the use case
    actors = [
        actor
        for actor, action in vault.rows("SELECT actor_name, action FROM audit_events ORDER BY seq")
        if action == "mailbox.review"
    ]
    assert actors == ["priya", "priya", "maria"]
    assert sum(r.messages_reviewed for r in reviews) + status.new_messages == 200
