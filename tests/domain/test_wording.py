"""Counted nouns read as plain English."""

from __future__ import annotations

import pytest

from itexit.domain.wording import count, plural


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
