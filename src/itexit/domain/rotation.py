"""The credential status machine (docs/rotation.md) as pure rules, and the campaign's order.

Verification results move a credential between states; an unreachable or erroring check says
nothing about the secret and never moves it. Nothing becomes ROTATED without the pending secret
being verified (or attested), and nothing becomes LOCKED_OUT without the previous secret failing.
"""

from __future__ import annotations

from enum import StrEnum

from itexit.domain.credentials import Category, CredentialStatus
from itexit.domain.errors import BadInput

S = CredentialStatus


class Step(StrEnum):
    """What a person (or the app after a crash) does to a credential."""

    VERIFY = "verify"
    """Check the current secret."""
    START = "start"
    """Generate and save a PENDING secret."""
    CONFIRM = "confirm"
    """Check the pending secret; promote it when it works."""
    VERIFY_OLD = "verify_old"
    """Check that the previous secret now fails."""
    RECONCILE = "reconcile"
    """Try pending, then current, then previous; keep the one that works."""
    EDIT_SECRET = "edit_secret"  # noqa: S105 (a step name, not a secret)
    """Replace the current secret by hand (a corrected hand-over)."""


class Result(StrEnum):
    WORKS = "works"
    FAILS = "fails"
    UNKNOWN = "unknown"
    """Unreachable or error: nothing learned."""


class ReconcileFound(StrEnum):
    PENDING = "pending"
    CURRENT = "current"
    PREVIOUS = "previous"
    NONE = "none"


class IllegalTransition(BadInput):
    """The step does not apply to the credential in its present state."""


_ANY = frozenset(S)
_ALLOWED: dict[Step, frozenset[CredentialStatus]] = {
    Step.VERIFY: _ANY - {S.NEEDS_RECONCILE},
    Step.START: _ANY - {S.ROTATION_PENDING, S.NEEDS_RECONCILE},
    Step.CONFIRM: frozenset({S.ROTATION_PENDING}),
    Step.VERIFY_OLD: frozenset({S.ROTATED, S.LOCKED_OUT}),
    Step.RECONCILE: _ANY,
    Step.EDIT_SECRET: _ANY - {S.ROTATION_PENDING, S.NEEDS_RECONCILE},
}

_REFUSALS: dict[tuple[Step, CredentialStatus], str] = {
    (Step.VERIFY, S.NEEDS_RECONCILE): "no secret is known to work: find which one works first",
    (Step.START, S.ROTATION_PENDING): (
        "a new secret is already pending; confirm it, or find which one works and keep it"
    ),
    (Step.START, S.NEEDS_RECONCILE): "no secret is known to work: find which one works first",
    (Step.EDIT_SECRET, S.ROTATION_PENDING): (
        "a rotation is under way; confirm it, or find which secret works, before replacing it"
    ),
    (Step.EDIT_SECRET, S.NEEDS_RECONCILE): "find which stored secret works first",
}


def allowed(step: Step, status: CredentialStatus) -> bool:
    return status in _ALLOWED[step]


def check_allowed(step: Step, status: CredentialStatus, system: str = "the credential") -> None:
    """Raise one clear sentence when the step does not apply in this state."""
    if allowed(step, status):
        return
    reason = _REFUSALS.get((step, status))
    if reason is None:
        if step is Step.CONFIRM:
            reason = "there is no pending secret to confirm; start a rotation first"
        elif step is Step.VERIFY_OLD:
            reason = "only a rotated credential has an old secret to prove dead"
        else:
            reason = f"it is {status.value.replace('_', ' ')}"
    raise IllegalTransition(f"Cannot {step.value.replace('_', ' ')} {system}: {reason}.")


def after(step: Step, status: CredentialStatus, result: Result) -> CredentialStatus:
    """The status after a step with a given result; raises IllegalTransition when not allowed."""
    check_allowed(step, status)
    if result is Result.UNKNOWN and step not in (Step.START, Step.EDIT_SECRET):
        return status
    match step:
        case Step.START:
            return S.ROTATION_PENDING
        case Step.EDIT_SECRET:
            return S.UNVERIFIED
        case Step.VERIFY:
            if status is S.ROTATION_PENDING:
                # the current secret's fate says nothing about the pending one
                return status
            if result is Result.WORKS:
                return status if status in (S.ROTATED, S.LOCKED_OUT) else S.VERIFIED
            return S.FAILED
        case Step.CONFIRM:
            return S.ROTATED if result is Result.WORKS else S.ROTATION_PENDING
        case Step.VERIFY_OLD:
            return S.LOCKED_OUT if result is Result.FAILS else S.ROTATED
        case Step.RECONCILE:
            raise IllegalTransition("Reconcile is decided by reconciled(), not after().")
    raise AssertionError(step)  # pragma: no cover


def reconciled(found: ReconcileFound) -> CredentialStatus:
    """After trying pending, current and previous in turn: what the credential becomes."""
    return {
        ReconcileFound.PENDING: S.ROTATED,
        ReconcileFound.CURRENT: S.VERIFIED,
        ReconcileFound.PREVIOUS: S.VERIFIED,
        ReconcileFound.NONE: S.NEEDS_RECONCILE,
    }[found]


RECONCILE_GUIDANCE = (
    "None of the stored secrets works. Reset the password on the system itself (through its "
    "admin console, the vendor's support line or the account's recovery channel), then record "
    "the new one with `itexit cred rotate start ID --secret-file FILE` and confirm it."
)


# --- the campaign -----------------------------------------------------------------------------

#: the order in which a departing person's access is cut: whoever holds the domain, DNS and the
#: email admin can reset everything else, so those go first
LEVERAGE: tuple[tuple[Category, ...], ...] = (
    (Category.DOMAIN_REGISTRAR,),
    (Category.DNS,),
    (Category.EMAIL,),
    (Category.FIREWALL,),
    (Category.EHR,),
    (Category.BACKUP,),
    (Category.BANKING,),
)


def leverage_rank(category: Category) -> int:
    for rank, group in enumerate(LEVERAGE):
        if category in group:
            return rank
    return len(LEVERAGE)


def in_campaign(known_to_departing: bool, rotation_due: bool) -> bool:
    return known_to_departing or rotation_due


def campaign_done(status: CredentialStatus) -> bool:
    """A credential leaves the campaign only once its old secret is proven dead."""
    return status is S.LOCKED_OUT


def finished(status: CredentialStatus, rotation_due: bool) -> bool:
    """Out of the campaign: the old secret proven dead, and nobody leaving could read the new."""
    return campaign_done(status) and not rotation_due


def next_step(status: CredentialStatus) -> str:
    """What the person should do next with a credential in the campaign."""
    return {
        S.UNVERIFIED: "start rotation (or verify the handed-over secret first)",
        S.VERIFIED: "start rotation",
        S.FAILED: "start rotation: reset it on the system",
        S.ROTATION_PENDING: "set the pending secret on the system, then confirm",
        S.ROTATED: "prove the old secret fails",
        S.LOCKED_OUT: "done",
        S.NEEDS_RECONCILE: "reset it on the system, then find which secret works (x)",
    }[status]
