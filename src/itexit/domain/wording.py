"""Counted nouns in plain English: "1 message", "3 messages", never "message(s)"."""

from __future__ import annotations

from datetime import date, datetime

IRREGULAR = {"property": "properties", "entry": "entries", "is": "are", "was": "were"}


def plural(word: str) -> str:
    """The plural of the last word of `word` (a phrase like "new message" works too)."""
    head, _, last = word.rpartition(" ")
    if last in IRREGULAR:
        many = IRREGULAR[last]
    elif last.endswith(("s", "x", "ch", "sh")):
        many = last + "es"
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "o", "u"):
        many = last[:-1] + "ies"
    else:
        many = last + "s"
    return f"{head} {many}" if head else many


def count(number: int, word: str, many: str | None = None) -> str:
    """`count(1, "item")` is "1 item"; `count(2, "item")` is "2 items"; thousands get commas."""
    return f"{number:,} {word if number == 1 else (many or plural(word))}"


def agree(number: int, singular: str, many: str | None = None) -> str:
    """The verb or noun that agrees with `number`: `agree(1, "is")` is "is", else "are"."""
    return singular if number == 1 else (many or plural(singular))


def part_of(part: int, total: int, word: str, many: str | None = None) -> str:
    """`part` of `total` things, as a sentence starts: "2 of 5 vendors", "The only vendor",
    "Both vendors", "All 3 vendors"; the verb that follows agrees with `part`."""
    if total == 1 and part == 1:
        return f"The only {word}"
    if part == total == 2:
        return f"Both {many or plural(word)}"
    if part == total > 0:
        return f"All {total:,} {many or plural(word)}"
    return f"{part:,} of {count(total, word, many)}"


def none_of(total: int, word: str, many: str | None = None) -> str:
    """The subject of a sentence saying none of `total` things does something: "None of the 3
    vendors", "The only vendor", "Neither vendor" (the verb that follows is singular)."""
    if total == 1:
        return f"The only {word}"
    if total == 2:
        return f"Neither {word}"
    return f"None of the {count(total, word, many)}"


def none_does(total: int, word: str, does: str, does_not: str) -> str:
    """A sentence saying none of `total` things does something: "Neither vendor depends on the
    leaver.", and for one thing "The only vendor does not depend on the leaver." (never "The only
    vendor depends", which says the opposite)."""
    if total == 1:
        return f"The only {word} {does_not}."
    return f"{none_of(total, word)} {does}."


def day(when: date, today: date) -> str:
    """A date as people write it: "18 Nov" this year, "18 Nov 2025" in any other (never "25")."""
    return f"{when:%d %b}" if when.year == today.year else f"{when:%d %b %Y}"


def moment(when: datetime, today: date) -> str:
    """A time of day with its date: "18 Nov 09:00" this year, "18 Nov 2025 09:00" otherwise."""
    return f"{day(when.date(), today)} {when:%H:%M}"


def due(when: date, today: date) -> str:
    """`due 18 Nov`, `due today`, or for a date gone by `was due 18 Nov (overdue)`."""
    if when < today:
        return f"was due {day(when, today)} (overdue)"
    if when == today:
        return "due today"
    return f"due {day(when, today)}"
