"""Pure rules of the monitored mailbox: keep-until, cadence, classification, header parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from mailgen import KINDS, message, write_mbox

from itexit.domain.errors import BadInput
from itexit.domain.mailbox import (
    MessageClass,
    MessageHeaders,
    check_keep_until,
    next_review_due,
    parse_rules,
    preferred_unsubscribe,
    review_status,
    unsubscribe_targets,
)
from itexit.io.mbox import decode, iter_export, parse_headers
from itexit.services.classify import Classifier, load_rules_text, shipped_rules

LEFT = date(2026, 11, 2)


# --- keep-until -----------------------------------------------------------------------------


def test_keep_until_a_year_after_leaving_is_accepted() -> None:
    check_keep_until(LEFT, date(2027, 11, 2))


def test_keep_until_earlier_than_a_year_is_refused_with_the_reason() -> None:
    with pytest.raises(BadInput, match=r"until 02 Nov 2027 at least.*renewals"):
        check_keep_until(LEFT, date(2027, 11, 1))


# --- cadence --------------------------------------------------------------------------------


def test_first_review_is_due_the_day_after_leaving() -> None:
    assert next_review_due(LEFT, 4, None) == date(2026, 11, 3)


def test_daily_during_the_first_weeks_then_weekly() -> None:
    assert next_review_due(LEFT, 4, date(2026, 11, 20)) == date(2026, 11, 21)
    assert next_review_due(LEFT, 4, date(2026, 11, 29)) == date(2026, 11, 30)
    # four weeks after 2 Nov is 30 Nov: from then on, a week between reviews
    assert next_review_due(LEFT, 4, date(2026, 11, 30)) == date(2026, 12, 7)
    assert next_review_due(LEFT, 2, date(2026, 11, 20)) == date(2026, 11, 27)


def test_no_review_is_due_past_keep_until() -> None:
    assert next_review_due(LEFT, 4, date(2027, 11, 1), keep_until=date(2027, 11, 2)) is None


def test_overdue_counts_days_from_the_due_date(frozen_now: object) -> None:
    today = date.today()  # frozen at 2026-11-23
    status = review_status(
        mailbox="gary",
        address="gary@clinic.example",
        owner="priya",
        left_on=LEFT,
        daily_weeks=4,
        keep_until=date(2027, 11, 2),
        last_review=datetime(2026, 11, 20, 17, 0, tzinfo=UTC),
        today=today,
    )
    assert status.next_due == date(2026, 11, 21)
    assert status.overdue and status.days_overdue == 2
    assert "daily until 30 Nov 2026" in status.cadence


def test_a_review_today_is_not_overdue(frozen_now: object) -> None:
    status = review_status(
        mailbox="gary",
        address="g@x.example",
        owner="p",
        left_on=LEFT,
        daily_weeks=4,
        keep_until=date(2027, 11, 2),
        last_review=datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
        today=date.today(),
    )
    assert status.next_due == date(2026, 11, 23) and not status.overdue


# --- classification ---------------------------------------------------------------------------


def headers(**fields: str) -> MessageHeaders:
    return MessageHeaders(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"subject": "Your domain greenwayfp.example expires in 30 days"}, MessageClass.RENEWAL),
        ({"subject": "Auto-renewal of your EHR licence"}, MessageClass.RENEWAL),
        ({"subject": "Invoice 4471 for October"}, MessageClass.BILLING),
        ({"sender": "Accounts <billing@vendor.example>", "subject": "Hello"}, MessageClass.BILLING),
        ({"subject": "Ticket [#88123] printer offline"}, MessageClass.SUPPORT),
        ({"subject": "Security alert: new sign-in from Chrome"}, MessageClass.SECURITY),
        ({"subject": "Hot news", "list_id": "<news.vendor.example>"}, MessageClass.NEWSLETTER),
        ({"subject": "Deals", "precedence": "bulk"}, MessageClass.NEWSLETTER),
        ({"sender": "Pat <pat@gmail.com>", "subject": "Saturday"}, MessageClass.PERSONAL),
        ({"sender": "desk@clinic.example", "subject": "Lights"}, MessageClass.OTHER),
    ],
)
def test_shipped_rules_sort_the_usual_mail(fields: dict[str, str], expected: MessageClass) -> None:
    assert Classifier()(headers(**fields)) is expected


def test_order_decides_a_security_alert_sent_to_a_list_is_security() -> None:
    h = headers(subject="Security alert: password reset", list_id="<alerts.vendor.example>")
    assert Classifier()(h) is MessageClass.SECURITY
    assert Classifier().explain(h) == "Security alerts (shipped)"


def test_a_renewal_notice_with_unsubscribe_is_still_a_renewal() -> None:
    h = headers(subject="Your subscription renews on 1 Dec", list_unsubscribe="<https://x/u>")
    assert Classifier()(h) is MessageClass.RENEWAL


def test_practice_rules_are_tried_before_the_shipped_ones() -> None:
    practice = load_rules_text(
        '[[rule]]\nname = "Lab courier"\nclass = "support"\nfrom = ["courier\\\\.example"]\n'
    )
    h = headers(sender="Courier <news@courier.example>", list_id="<list.courier.example>")
    assert Classifier()(h) is MessageClass.NEWSLETTER
    assert Classifier(practice)(h) is MessageClass.SUPPORT


def test_rules_ignore_case_whether_or_not_the_pattern_has_capitals() -> None:
    practice = load_rules_text(
        '[[rule]]\nname = "Lab tickets"\nclass = "support"\n'
        'subject = ["lab result", "LAB-\\\\d{4}", "[A-Z]{3}\\\\s+queue"]\n'
    )
    classify = Classifier(practice)
    assert classify(headers(subject="LAB RESULT ready")) is MessageClass.SUPPORT
    assert classify(headers(subject="re: lab-2231 pending")) is MessageClass.SUPPORT
    assert classify(headers(subject="the ehr QUEUE stalled")) is MessageClass.SUPPORT
    assert classify(headers(subject="Lab coats arrive Friday")) is not MessageClass.SUPPORT


def test_a_rule_with_an_unknown_class_or_bad_pattern_is_one_sentence() -> None:
    with pytest.raises(BadInput, match="unknown class 'spam'"):
        parse_rules({"rule": [{"name": "x", "class": "spam", "subject": ["a"]}]})
    with pytest.raises(BadInput, match="not valid"):
        parse_rules({"rule": [{"name": "x", "class": "other", "subject": ["(unclosed"]}]})
    with pytest.raises(BadInput, match="nothing to match"):
        parse_rules({"rule": [{"name": "x", "class": "other"}]})


def test_the_shipped_rules_file_covers_every_class_but_other() -> None:
    covered = {spec.msg_class for spec in shipped_rules()}
    assert covered == set(MessageClass) - {MessageClass.OTHER}


def test_unsubscribe_targets_prefer_https() -> None:
    value = "<mailto:leave@list.example?subject=unsubscribe>, <https://list.example/u/1>"
    assert unsubscribe_targets(value) == [
        "mailto:leave@list.example?subject=unsubscribe",
        "https://list.example/u/1",
    ]
    assert preferred_unsubscribe(value) == "https://list.example/u/1"
    assert preferred_unsubscribe("<mailto:a@b.example>") == "mailto:a@b.example"
    assert preferred_unsubscribe("") == ""


# --- header parsing -------------------------------------------------------------------------


def test_encoded_words_are_decoded_and_folding_undone() -> None:
    assert decode("=?utf-8?q?Rechnung_f=C3=BCr_Oktober?=") == "Rechnung für Oktober"
    assert decode("a long\r\n subject") == "a long subject"
    assert decode("=?bogus-charset?q?x?=") != ""  # never raises


def test_parse_headers_reads_the_fields_and_the_date() -> None:
    parsed = parse_headers(message(4).split(b"\r\n\r\n")[0] + b"\r\n")
    assert parsed.headers is not None and not parsed.malformed
    h = parsed.headers
    assert h.sender == "Weekly <news@weekly.example>"
    assert h.list_unsubscribe == "<https://weekly.example/u?x=1>"
    assert h.precedence == "bulk" and h.message_id == "<msg-4@test.example>"
    assert h.date is not None and h.date.tzinfo is not None


def test_a_bad_date_is_counted_malformed_but_kept() -> None:
    parsed = parse_headers(b"From: a@b.example\nSubject: hi\nDate: the day after tomorrow\n")
    assert parsed.headers is not None and parsed.headers.date is None and parsed.malformed


def test_garbage_is_malformed_and_dropped() -> None:
    parsed = parse_headers(b"\x00\x01 not a header at all \xff\n")
    assert parsed.headers is None and parsed.malformed


def test_mbox_reading_splits_messages_and_skips_quoted_from_lines(tmp_path: Path) -> None:
    path = write_mbox(tmp_path / "x.mbox", [message(i) for i in range(5)])
    parsed = [p for p, _done, _total in iter_export(path)]
    subjects = [p.headers.subject for p in parsed if p.headers]
    assert subjects == [f"{KINDS[i % len(KINDS)][1]} {i}" for i in range(5)]


def test_a_file_that_is_not_mbox_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    with pytest.raises(BadInput, match="not an mbox"):
        list(iter_export(path))
