"""Counted nouns in plain English: "1 message", "3 messages", never "message(s)"."""

from __future__ import annotations

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
