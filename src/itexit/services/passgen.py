"""New secrets to a system's policy, drawn from the OS's CSPRNG, with a strength estimate."""

from __future__ import annotations

import functools
import math
import secrets
import string
from dataclasses import dataclass

from itexit.domain.credentials import PasswordPolicy
from itexit.domain.errors import BadInput

AMBIGUOUS = frozenset("0Oo1lI|`'\"")
SYMBOLS = "!#$%&*+-=?@^_~.,:;"
"""Symbols that survive web forms, shells and router consoles; no quotes, slashes or spaces."""

_LABELS = ("Very weak", "Weak", "Fair", "Strong", "Very strong")


@dataclass(frozen=True)
class Generated:
    secret: str
    entropy_bits: float
    score: int
    label: str


def character_classes(policy: PasswordPolicy) -> list[str]:
    classes = []
    if policy.lowercase:
        classes.append(string.ascii_lowercase)
    if policy.uppercase:
        classes.append(string.ascii_uppercase)
    if policy.digits:
        classes.append(string.digits)
    if policy.symbols:
        classes.append(SYMBOLS)
    if policy.exclude_ambiguous:
        classes = ["".join(c for c in chars if c not in AMBIGUOUS) for chars in classes]
    return [c for c in classes if c]


@functools.cache
def wordlist() -> tuple[str, ...]:
    """Common English words of 4 to 8 letters, distinct, in a stable order (7,000+ of them)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    seen: dict[str, None] = {}
    for word in FREQUENCY_LISTS["english_wikipedia"]:
        if 4 <= len(word) <= 8 and word.isascii() and word.isalpha():
            seen.setdefault(word.lower(), None)
    return tuple(seen)


def generate(policy: PasswordPolicy) -> Generated:
    """A password with at least one character of each chosen class, or a passphrase."""
    if policy.passphrase_words:
        words = wordlist()
        chosen = [secrets.choice(words) for _ in range(policy.passphrase_words)]
        secret = policy.separator.join(chosen)
        bits = policy.passphrase_words * math.log2(len(words))
    else:
        classes = character_classes(policy)
        if not classes:
            raise BadInput("Choose at least one kind of character for the new password.")
        if policy.length < len(classes):
            raise BadInput(f"A password with {len(classes)} kinds of character needs more length.")
        alphabet = "".join(classes)
        while True:
            chars = [secrets.choice(alphabet) for _ in range(policy.length)]
            if all(any(c in cls for c in chars) for cls in classes):
                break
        secret = "".join(chars)
        bits = policy.length * math.log2(len(alphabet))
    score = estimate(secret)
    return Generated(secret=secret, entropy_bits=bits, score=score, label=_LABELS[score])


def estimate(secret: str) -> int:
    """zxcvbn's 0 to 4 score of a secret (first 100 characters, which is plenty to decide)."""
    if not secret:
        return 0
    from zxcvbn import zxcvbn

    return int(zxcvbn(secret[:100])["score"])


def label(score: int) -> str:
    return _LABELS[max(0, min(score, 4))]
