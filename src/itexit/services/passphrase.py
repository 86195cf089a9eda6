"""How strong a passphrase is, in words a practice manager understands."""

from __future__ import annotations

from dataclasses import dataclass

MIN_LENGTH = 12
MIN_SCORE = 3
_LABELS = ("Very weak", "Weak", "Fair", "Strong", "Very strong")


@dataclass(frozen=True)
class Strength:
    score: int
    label: str
    feedback: str
    acceptable: bool


def strength(text: str, user_inputs: tuple[str, ...] = ()) -> Strength:
    """zxcvbn's estimate, plus a length floor; the feedback says what to do about it."""
    if not text:
        return Strength(
            0,
            "Empty",
            f"Use at least {MIN_LENGTH} characters; a few random words work well.",
            False,
        )
    from zxcvbn import zxcvbn

    result = zxcvbn(text[:128], user_inputs=list(user_inputs))
    score = int(result["score"])
    tips = result["feedback"].get("warning") or " ".join(result["feedback"].get("suggestions", []))
    if len(text) < MIN_LENGTH:
        return Strength(
            min(score, 2), _LABELS[min(score, 2)], f"Use at least {MIN_LENGTH} characters.", False
        )
    acceptable = score >= MIN_SCORE
    if not tips:
        tips = "Good: hard to guess." if acceptable else "Add another uncommon word."
    return Strength(score, _LABELS[score], tips, acceptable)


def require_acceptable(text: str, user_inputs: tuple[str, ...] = ()) -> None:
    from itexit.domain.errors import BadInput

    result = strength(text, user_inputs)
    if not result.acceptable:
        raise BadInput(f"That passphrase is too weak ({result.label.lower()}): {result.feedback}")
