"""Counted nouns read as plain English."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from itexit.domain.wording import (
    agree,
    count,
    day,
    due,
    moment,
    none_does,
    none_of,
    part_of,
    plural,
)


@pytest.mark.parametrize(
    ("word", "many"),
    [
        ("message", "messages"),
        ("new message", "new messages"),
        ("critical task", "critical tasks"),
        ("property", "properties"),
        ("day", "days"),
        ("box", "boxes"),
        ("entry", "entries"),
    ],
)
def test_plural(word: str, many: str) -> None:
    assert plural(word) == many


def test_count_uses_the_singular_only_for_one() -> None:
    assert count(1, "item") == "1 item"
    assert count(0, "item") == "0 items"
    assert count(12345, "message") == "12,345 messages"
    assert count(2, "person", "people") == "2 people"


def test_agree_follows_the_number() -> None:
    assert agree(1, "is") == "is"
    assert agree(3, "is") == "are"
    assert agree(0, "was") == "were"
    assert agree(2, "renewal") == "renewals"


@pytest.mark.parametrize(
    ("part", "total", "words"),
    [
        (1, 1, "The only vendor"),
        (2, 2, "Both vendors"),
        (3, 3, "All 3 vendors"),
        (1, 4, "1 of 4 vendors"),
        (2, 1_500, "2 of 1,500 vendors"),
    ],
)
def test_part_of_never_says_1_of_1_vendors(part: int, total: int, words: str) -> None:
    assert part_of(part, total, "vendor") == words


@pytest.mark.parametrize(
    ("total", "words"),
    [(1, "The only vendor"), (2, "Neither vendor"), (7, "None of the 7 vendors")],
)
def test_none_of_never_says_none_of_the_1_vendors(total: int, words: str) -> None:
    assert none_of(total, "vendor") == words


@pytest.mark.parametrize(
    ("total", "words"),
    [
        (1, "The only vendor does not depend on the leaver."),
        (2, "Neither vendor depends on the leaver."),
        (7, "None of the 7 vendors depends on the leaver."),
    ],
)
def test_none_does_never_says_the_only_one_does(total: int, words: str) -> None:
    said = none_does(total, "vendor", "depends on the leaver", "does not depend on the leaver")
    assert said == words


def test_dates_carry_four_digit_years_outside_this_one() -> None:
    today = date(2026, 11, 23)
    assert day(date(2026, 11, 18), today) == "18 Nov"
    assert day(date(2025, 11, 18), today) == "18 Nov 2025"
    assert moment(datetime(2024, 2, 1, 9, 5), today) == "01 Feb 2024 09:05"


def test_a_past_due_date_says_it_was_due() -> None:
    today = date(2026, 11, 23)
    assert due(date(2026, 11, 18), today) == "was due 18 Nov (overdue)"
    assert due(today, today) == "due today"
    assert due(date(2027, 1, 4), today) == "due 04 Jan 2027"
