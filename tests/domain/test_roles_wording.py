"""Refusals name the role as the screen does and say in plain words what it may not do."""

from __future__ import annotations

import pytest

from itexit.domain.errors import PermissionDenied
from itexit.domain.roles import PERMISSION_WORDS, Permission, Role, refusal


def test_every_permission_has_plain_words() -> None:
    assert set(PERMISSION_WORDS) == set(Permission)
    for words in PERMISSION_WORDS.values():
        assert "." not in words and "_" not in words


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.VIEWER, "An auditor cannot see or copy a password or other secret."),
        (Role.HR, "An HR officer cannot see or copy a password or other secret."),
        (Role.CONSULTANT, "An IT consultant cannot see or copy a password or other secret."),
    ],
)
def test_refusal_reads_as_a_sentence(role: Role, expected: str) -> None:
    assert refusal(role, Permission.CRED_REVEAL) == expected


def test_an_auditor_revealing_a_secret_is_told_so_plainly(tmp_path: object) -> None:
    from vaulthelpers import VIEWER, VIEWER_PASS, populated

    vault = populated(tmp_path / "v.sqlite")  # type: ignore[operator]
    try:
        auditor = vault.unlock(VIEWER, VIEWER_PASS)
        credential = vault.manager.credentials.list()[0]
        with pytest.raises(PermissionDenied) as refused:
            auditor.credentials.reveal(credential.id)
        assert str(refused.value) == refusal(Role.VIEWER, Permission.CRED_REVEAL)
        assert "cred.reveal" not in str(refused.value) and "viewer" not in str(refused.value)
    finally:
        vault.close()
