"""A credential changed outside itexit stays in every list at its worst, and is put back.

An edit made in SQL to a credential's states (to hide a password the leaver knew) must never
make the inventory unusable nor clear the credential: the list shows it as changed, known to the
departing person and due for rotation, and a consultant or manager puts back what itexit sealed
(audited), after which it is an ordinary credential due for rotation. What itexit could not seal
(whether the leaver knew it, when it was rotated) is taken at its worst.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from known_firewall import CHANGED, KNOWN, TODAY, firewall, kinds_for, known_firewall

from itexit.domain.credentials import CredentialStatus
from itexit.domain.errors import BadInput, IntegrityFailure, PermissionDenied
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    MANAGER,
    MANAGER_PASS,
    VIEWER,
    VIEWER_PASS,
    Vault,
)


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    yield from known_firewall(db_url)


def test_a_hidden_credential_stays_listed_at_its_worst_and_is_put_back(vault: Vault) -> None:
    cred_id = firewall(vault)
    vault.sql(
        "UPDATE credentials SET known_to_departing = :f, rotation_due = :f, "
        "status = 'locked_out', rotated_at = :t WHERE id = :i",
        f=False,
        t=datetime.now(UTC),
        i=cred_id,
    )
    consultant = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    listed = {r.id: r for r in consultant.credentials.list()}
    assert len(listed) == 3, "one changed row must not make the whole inventory unreadable"
    row = listed[cred_id]
    assert row.changed_outside and row.known_to_departing and row.rotation_due
    assert consultant.credentials.summary(cred_id).changed_outside
    auto, manual = consultant.changing.due()
    assert cred_id not in auto
    assert ("Firewall", "changed outside itexit: put it back first") in manual
    assert kinds_for(consultant, cred_id) == {CHANGED}
    closing = next(
        e.closing
        for e in consultant.exposures.list(state="open", today=TODAY)
        if e.subject_ref == f"cred:{cred_id}"
    )
    assert closing.command == f"itexit cred put-back {cred_id}"

    summary, changed = consultant.credentials.put_back(cred_id)
    assert set(changed) == {"known_to_departing", "rotation_due", "status"}
    assert summary.status is CredentialStatus.UNVERIFIED  # as sealed, not as edited
    assert summary.known_to_departing and summary.rotation_due
    assert summary.rotated_at is None  # never sealed, so taken at its worst
    assert not summary.changed_outside

    manager = vault.unlock(MANAGER, MANAGER_PASS)
    again = {r.id: r for r in manager.credentials.list()}[cred_id]
    assert not again.changed_outside and again.rotation_due
    assert kinds_for(manager, cred_id) == {KNOWN}, "still open: it must be rotated"
    assert manager.verify_audit().ok
    signed = vault.rows("SELECT actor_name FROM audit_events WHERE action = 'cred.put_back'")
    assert [row[0] for row in signed] == [CONSULTANT]
    assert [h.kind for h in manager.credentials.history(cred_id)][-1] == "put_back"
    with pytest.raises(BadInput, match="nothing to put back"):
        manager.credentials.put_back(cred_id)


def test_a_retirement_made_in_sql_neither_hides_it_nor_survives_the_put_back(
    vault: Vault,
) -> None:
    cred_id = firewall(vault)
    vault.sql(
        "UPDATE credentials SET retired_at = :t WHERE id = :i", t=datetime.now(UTC), i=cred_id
    )
    manager = vault.unlock(MANAGER, MANAGER_PASS)
    assert [r.changed_outside for r in manager.credentials.list() if r.id == cred_id] == [True]
    assert cred_id not in {r.id for r in manager.credentials.list(retired=True)}
    summary, changed = manager.credentials.put_back(cred_id)
    assert "retired_at" in changed and summary.retired_at is None


def test_a_renamed_credential_cannot_be_put_back_and_says_what_to_do(vault: Vault) -> None:
    cred_id = firewall(vault)
    vault.sql("UPDATE credentials SET system = 'Guest Wi-Fi' WHERE id = :i", i=cred_id)
    manager = vault.unlock(MANAGER, MANAGER_PASS)
    assert [r.changed_outside for r in manager.credentials.list() if r.id == cred_id] == [True]
    with pytest.raises(IntegrityFailure, match=r"cannot be put back.*backup"):
        manager.credentials.put_back(cred_id)
    assert kinds_for(manager, cred_id) == {CHANGED}


def test_an_auditor_cannot_put_back(vault: Vault) -> None:
    cred_id = firewall(vault)
    vault.sql("UPDATE credentials SET known_to_departing = :f WHERE id = :i", f=False, i=cred_id)
    viewer = vault.unlock(VIEWER, VIEWER_PASS)
    with pytest.raises(PermissionDenied):
        viewer.credentials.put_back(cred_id)
