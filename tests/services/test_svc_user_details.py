"""A person's full name and e-mail: stored, listed, audited, and edited without overwriting."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from itexit.domain.errors import BadInput, PermissionDenied, StaleEdit
from itexit.domain.roles import Role
from vaulthelpers import CONSULTANT, CONSULTANT_PASS, MANAGER, Vault, populated


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    v = populated(db_url, credentials=0)
    yield v
    v.close()


def test_details_are_stored_listed_and_audited(vault: Vault) -> None:
    added = vault.manager.add_user(
        "sam", Role.HR, "juniper lantern quarry bellow 51", "Sam Okafor", "sam@harbour.example"
    )
    assert (added.full_name, added.email) == ("Sam Okafor", "sam@harbour.example")
    edited = vault.manager.edit_user(MANAGER, full_name="Alice  Ng", email="ALICE@harbour.example")
    assert (edited.full_name, edited.email) == ("Alice Ng", "ALICE@harbour.example")
    listed = {u.name: u for u in vault.manager.list_users()}
    assert listed["sam"].full_name == "Sam Okafor" and listed[MANAGER].full_name == "Alice Ng"
    details = [
        json.loads(d)
        for (d,) in vault.rows(
            "SELECT details FROM audit_events WHERE action = 'user.edit' ORDER BY seq"
        )
    ]
    assert details == [
        {
            "subject_id": vault.user_id(MANAGER),
            "full_name": "Alice Ng",
            "email": "ALICE@harbour.example",
        }
    ]
    # the same values again change nothing and write no audit row
    vault.manager.edit_user(MANAGER, full_name="Alice Ng")
    assert vault.scalar("SELECT count(*) FROM audit_events WHERE action = 'user.edit'") == 1
    assert vault.gw.verify_audit().ok


def test_an_edit_made_on_an_old_read_is_refused(vault: Vault) -> None:
    seen = next(u.version for u in vault.manager.list_users() if u.name == CONSULTANT)
    vault.manager.edit_user(CONSULTANT, email="bob@harbour.example", expected_version=seen)
    with pytest.raises(StaleEdit):
        vault.manager.edit_user(CONSULTANT, full_name="Bob Smith", expected_version=seen)
    bob = next(u for u in vault.manager.list_users() if u.name == CONSULTANT)
    assert bob.full_name == "" and bob.email == "bob@harbour.example"


def test_bad_values_and_roles_are_refused(vault: Vault) -> None:
    with pytest.raises(BadInput, match="not an e-mail address"):
        vault.manager.edit_user(CONSULTANT, email="bob@")
    bob = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    with pytest.raises(PermissionDenied):
        bob.edit_user(CONSULTANT, full_name="Bob the Admin")
