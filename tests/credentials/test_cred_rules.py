"""The status machine as pure rules: every legal transition, and every illegal one refused."""

from __future__ import annotations

import itertools

import pytest

from itexit.domain.credentials import Category, CredentialStatus
from itexit.domain.rotation import (
    IllegalTransition,
    ReconcileFound,
    Result,
    Step,
    after,
    allowed,
    campaign_done,
    leverage_rank,
    reconciled,
)

S = CredentialStatus
W, F, U = Result.WORKS, Result.FAILS, Result.UNKNOWN

LEGAL: dict[tuple[Step, CredentialStatus, Result], CredentialStatus] = {
    # verify the current secret
    (Step.VERIFY, S.UNVERIFIED, W): S.VERIFIED,
    (Step.VERIFY, S.UNVERIFIED, F): S.FAILED,
    (Step.VERIFY, S.UNVERIFIED, U): S.UNVERIFIED,
    (Step.VERIFY, S.VERIFIED, W): S.VERIFIED,
    (Step.VERIFY, S.VERIFIED, F): S.FAILED,
    (Step.VERIFY, S.VERIFIED, U): S.VERIFIED,
    (Step.VERIFY, S.FAILED, W): S.VERIFIED,
    (Step.VERIFY, S.FAILED, F): S.FAILED,
    (Step.VERIFY, S.FAILED, U): S.FAILED,
    (Step.VERIFY, S.ROTATION_PENDING, W): S.ROTATION_PENDING,
    (Step.VERIFY, S.ROTATION_PENDING, F): S.ROTATION_PENDING,
    (Step.VERIFY, S.ROTATION_PENDING, U): S.ROTATION_PENDING,
    (Step.VERIFY, S.ROTATED, W): S.ROTATED,
    (Step.VERIFY, S.ROTATED, F): S.FAILED,
    (Step.VERIFY, S.ROTATED, U): S.ROTATED,
    (Step.VERIFY, S.LOCKED_OUT, W): S.LOCKED_OUT,
    (Step.VERIFY, S.LOCKED_OUT, F): S.FAILED,
    (Step.VERIFY, S.LOCKED_OUT, U): S.LOCKED_OUT,
    # confirm the pending secret
    (Step.CONFIRM, S.ROTATION_PENDING, W): S.ROTATED,
    (Step.CONFIRM, S.ROTATION_PENDING, F): S.ROTATION_PENDING,
    (Step.CONFIRM, S.ROTATION_PENDING, U): S.ROTATION_PENDING,
    # prove the old secret dead
    (Step.VERIFY_OLD, S.ROTATED, F): S.LOCKED_OUT,
    (Step.VERIFY_OLD, S.ROTATED, W): S.ROTATED,
    (Step.VERIFY_OLD, S.ROTATED, U): S.ROTATED,
    (Step.VERIFY_OLD, S.LOCKED_OUT, F): S.LOCKED_OUT,
    (Step.VERIFY_OLD, S.LOCKED_OUT, W): S.ROTATED,
    (Step.VERIFY_OLD, S.LOCKED_OUT, U): S.LOCKED_OUT,
}
for _status in (S.UNVERIFIED, S.VERIFIED, S.FAILED, S.ROTATED, S.LOCKED_OUT):
    for _result in Result:
        LEGAL[(Step.START, _status, _result)] = S.ROTATION_PENDING
        LEGAL[(Step.EDIT_SECRET, _status, _result)] = S.UNVERIFIED


@pytest.mark.parametrize(("step", "status", "result"), sorted(LEGAL, key=str))
def test_every_legal_transition(step: Step, status: CredentialStatus, result: Result) -> None:
    assert after(step, status, result) is LEGAL[(step, status, result)]


ILLEGAL = [
    (step, status, result)
    for step, status, result in itertools.product(
        [s for s in Step if s is not Step.RECONCILE], S, Result
    )
    if (step, status, result) not in LEGAL
]


@pytest.mark.parametrize(("step", "status", "result"), ILLEGAL, ids=str)
def test_every_illegal_transition_is_refused_in_one_sentence(
    step: Step, status: CredentialStatus, result: Result
) -> None:
    assert not allowed(step, status)
    with pytest.raises(IllegalTransition) as caught:
        after(step, status, result)
    message = str(caught.value)
    assert message.startswith("Cannot ") and message.endswith(".")


def test_there_are_illegal_transitions_to_check() -> None:
    assert len(ILLEGAL) >= 40


def test_nothing_becomes_rotated_without_the_pending_secret_working() -> None:
    for (step, status, result), target in LEGAL.items():
        if target is S.ROTATED and status is not S.ROTATED:
            assert step is Step.CONFIRM or step is Step.VERIFY_OLD
            if step is Step.CONFIRM:
                assert result is Result.WORKS
            else:  # the old secret working again undoes a lock-out
                assert (status, result) == (S.LOCKED_OUT, Result.WORKS)


def test_only_a_failing_old_secret_locks_out() -> None:
    for (step, status, result), target in LEGAL.items():
        if target is S.LOCKED_OUT and status is not S.LOCKED_OUT:
            assert (step, result) == (Step.VERIFY_OLD, Result.FAILS)


def test_unknown_results_never_move_a_credential() -> None:
    for (step, status, result), target in LEGAL.items():
        if result is Result.UNKNOWN and step in (Step.VERIFY, Step.CONFIRM, Step.VERIFY_OLD):
            assert target is status


def test_reconcile_outcomes() -> None:
    assert reconciled(ReconcileFound.PENDING) is S.ROTATED
    assert reconciled(ReconcileFound.CURRENT) is S.VERIFIED
    assert reconciled(ReconcileFound.PREVIOUS) is S.VERIFIED
    assert reconciled(ReconcileFound.NONE) is S.NEEDS_RECONCILE
    for status in S:
        assert allowed(Step.RECONCILE, status)


def test_leverage_puts_whoever_can_reset_everything_first() -> None:
    order = sorted(Category, key=leverage_rank)
    assert order[:7] == [
        Category.DOMAIN_REGISTRAR,
        Category.DNS,
        Category.EMAIL,
        Category.FIREWALL,
        Category.EHR,
        Category.BACKUP,
        Category.BANKING,
    ]
    assert campaign_done(S.LOCKED_OUT) and not campaign_done(S.ROTATED)
