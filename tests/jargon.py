"""Words a practice manager should never meet on a screen or in the command line's output.

Tests read every screen's snapshot, the command line's help and its human output through
`jargon_in`; each entry says what to write instead, so a failure tells the fix.
"""

from __future__ import annotations

import re

BANNED: tuple[tuple[str, str], ...] = (
    (r"(?i)\bepochs?\b", 'say "the vault\'s keys were changed" or "new keys"'),
    (r"\bSHA-256\b(?!\))", 'say "fingerprint" (the technical name only in brackets after it)'),
    (r"(?i)\bkey set \d", 'say "the vault\'s keys were changed" or "new keys"'),
    (r"(?i)re-?encrypted", 'say "locked again with the new keys"'),
    (r"\(s\)", "count with domain.wording.count (1 task, 2 tasks)"),
    (r"Errno|\[SSL", "say why in words (domain.text.plain_reason)"),
    (r"(?i)\breconcil", 'say "find which works" / "none works"'),
    (r"\b[A-Z][a-z]+[A-Z]\w*(?:Screen|Modal)\b|\bFirstRun\b", "name the screen in words"),
    (
        r"\b(?:cred|user|audit|task|case|hr|vendor|renewal|mailbox|vault|settings)\.[a-z_]+\b",
        "no permission or action codes",
    ),
    (r"(?i)\blocked[ _]out\b", 'a credential\'s old secret proven dead is "old refused"'),
    (r"Verifier: ", 'say how it is checked ("Checked: by hand")'),
    (r"\b[Aa]n? hr\b|\b[Aa] HR\b", "use ROLE_NOUNS (an HR officer)"),
    (r"(?i)\bviewer\b", 'the role is called "Auditor"'),
    (r"(?i)\bsynced\b", "say what happened (messages added, read in)"),
    (
        r"(?<![\d.,:/-])\b1 (?!of\b)(?![a-z]*(?:ss|us|is)\b)[a-z]+s\b",
        "count with domain.wording.count",
    ),
    (r"\bNone of the 1\b|\b1 of 1 \w+s\b", "use domain.wording.none_of / part_of"),
    (r"\b\d{1,2} [A-Z][a-z]{2} \d{2}\b(?![:\d])", "write the year with four digits"),
    (r"(?i)\bthe the\b", "one article"),
)


def jargon_in(text: str) -> list[str]:
    """Each banned word or pattern found in `text`, with the line it is on and the fix."""
    found = []
    for pattern, instead in BANNED:
        for match in re.finditer(pattern, text):
            start = text.rfind("\n", 0, match.start()) + 1
            end = text.find("\n", match.end())
            line = text[start : end if end >= 0 else len(text)].strip()
            found.append(f"{match.group(0)!r} ({instead}): {line[:140]}")
    return found
