"""Roles are checked in the services (deny by default) and the scope keys are the second line."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from itexit.domain.errors import PermissionDenied
from itexit.domain.roles import PERMISSIONS, ROLE_SCOPES, Permission, Role, Scope, is_allowed
from itexit.store.models import Credential
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    HR_PASS,
    HR_USER,
    LEAVER,
    LEAVER_PASS,
    VIEWER,
    VIEWER_PASS,
    Vault,
    add_credential,
)

NEW_PASS = "oblong pelican tambourine frost 88"


def reveal_rows(vault: Vault) -> int:
    return int(vault.scalar("SELECT count(*) FROM audit_events WHERE action = 'cred.reveal'"))


def test_each_role_is_held_to_the_matrix(vault: Vault) -> None:
    hr = vault.unlock(HR_USER, HR_PASS)
    viewer = vault.unlock(VIEWER, VIEWER_PASS)
    consultant = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    reveals = reveal_rows(vault)

    # HR: no secret, by service and by key
    for field in ("password", "username", "notes"):
        with pytest.raises(PermissionDenied):
            hr.credentials.reveal("System0", field)
    with pytest.raises(PermissionDenied):
        add_credential(hr, "Sneaky", secret="x")
    with pytest.raises(PermissionDenied):
        hr.ctx.keys.reveal(("cred", hr.ctx.epoch))
    with hr.ctx.reading() as s:
        row = s.scalars(select(Credential)).first()
        assert row is not None
        with pytest.raises(PermissionDenied):
            hr.ctx.unseal(row)
    assert [c.system for c in hr.credentials.list()] == ["System0", "System1"]  # metadata only
    assert hr.ctx.keys.reveal(("hr", hr.ctx.epoch))

    # viewer: read-only, holds no key at all
    with pytest.raises(PermissionDenied):
        viewer.add_user("mallory", Role.MANAGER, NEW_PASS)
    with pytest.raises(PermissionDenied):
        viewer.remove_user(CONSULTANT)
    with pytest.raises(PermissionDenied):
        viewer.change_passphrase(CONSULTANT, NEW_PASS)
    with pytest.raises(PermissionDenied):
        viewer.credentials.reveal("System0")
    with pytest.raises(PermissionDenied):
        add_credential(viewer, "Sneaky", secret="x")
    for scope in ("cred", "hr"):
        with pytest.raises(PermissionDenied):
            viewer.ctx.keys.reveal((scope, viewer.ctx.epoch))
    assert viewer.verify_audit().ok
    assert viewer.checkpoint().seq > 0
    assert len(viewer.list_users()) == 4

    # consultant: secrets yes, HR and people no
    with pytest.raises(PermissionDenied):
        consultant.ctx.keys.reveal(("hr", consultant.ctx.epoch))
    with pytest.raises(PermissionDenied):
        consultant.add_user("mallory", Role.MANAGER, NEW_PASS)
    with pytest.raises(PermissionDenied):
        consultant.remove_user(VIEWER)
    with pytest.raises(PermissionDenied):
        consultant.change_passphrase(VIEWER, NEW_PASS)
    assert consultant.credentials.reveal("System1") == "secret-number-1"

    # denied calls changed nothing and audited no reveal
    assert reveal_rows(vault) == reveals + 1
    names = {u.name for u in vault.manager.list_users()}
    assert "mallory" not in names and VIEWER in names
    assert vault.unlock(VIEWER, VIEWER_PASS).identity.role is Role.VIEWER

    # the key slots in the database follow the role map exactly
    holders: dict[str, set[str]] = {}
    for holder, scope in vault.rows("SELECT holder, scope FROM key_slots"):
        holders.setdefault(holder, set()).add(scope)
    assert holders.get(vault.user_id(HR_USER)) == {"hr"}
    assert holders.get(vault.user_id(CONSULTANT)) == {"cred"}
    assert vault.user_id(VIEWER) not in holders


def test_scope_keys_hold_even_if_the_role_check_were_skipped(
    file_vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Second line: with the permission matrix bypassed, HR still cannot decrypt a secret."""
    hr = file_vault.unlock(HR_USER, HR_PASS)
    consultant = file_vault.unlock(CONSULTANT, CONSULTANT_PASS)
    import itexit.services.context as context

    monkeypatch.setattr(context, "is_allowed", lambda role, permission: True)
    with pytest.raises(PermissionDenied, match="credentials and mailbox records"):
        hr.credentials.reveal("System0")
    with pytest.raises(PermissionDenied, match="the HR records"):
        consultant.ctx.keys.reveal(("hr", consultant.ctx.epoch))
    # sealing the hr key to a new HR user needs the hr key
    with pytest.raises(PermissionDenied, match="the HR records"):
        consultant.add_user(LEAVER, Role.HR, LEAVER_PASS)
    # a removal needs every scope key, so a consultant cannot re-key even then
    with pytest.raises(PermissionDenied):
        consultant.remove_user(VIEWER)
    assert file_vault.unlock(VIEWER, VIEWER_PASS).identity.role is Role.VIEWER


def test_a_locked_session_can_do_nothing(file_vault: Vault) -> None:
    session = file_vault.manager
    session.lock()
    with pytest.raises(PermissionDenied):
        session.credentials.reveal("System0")
    with pytest.raises(PermissionDenied):
        session.credentials.list()
    with pytest.raises(PermissionDenied):
        session.ctx.keys.reveal(("cred", session.ctx.epoch))
    with pytest.raises(PermissionDenied):
        session.add_user("mallory", Role.MANAGER, NEW_PASS)
    assert session.ctx.actor.keys is None


# --- the matrix itself ----------------------------------------------------------------------

SECRET_PERMISSIONS = {Permission.CRED_REVEAL, Permission.CRED_WRITE, Permission.CRED_ROTATE}
CHANGING = {p for p in Permission if not p.value.endswith((".read", ".list"))}


def test_hr_and_viewer_hold_no_secret_permission() -> None:
    for role in (Role.HR, Role.VIEWER):
        assert not SECRET_PERMISSIONS & PERMISSIONS[role], role
        assert not is_allowed(role, Permission.USER_MANAGE)


def test_viewer_changes_nothing_and_holds_no_scope() -> None:
    assert PERMISSIONS[Role.VIEWER] & CHANGING == {Permission.AUDIT_CHECKPOINT}
    assert ROLE_SCOPES[Role.VIEWER] == frozenset()


def test_consultant_never_reaches_hr() -> None:
    assert Scope.HR not in ROLE_SCOPES[Role.CONSULTANT]
    assert not is_allowed(Role.CONSULTANT, Permission.HR_READ)
    assert not is_allowed(Role.CONSULTANT, Permission.HR_WRITE)
    assert not is_allowed(Role.CONSULTANT, Permission.USER_MANAGE)


def test_only_managers_manage_users_and_hold_every_scope() -> None:
    assert [r for r in Role if is_allowed(r, Permission.USER_MANAGE)] == [Role.MANAGER]
    assert [r for r in Role if ROLE_SCOPES[r] == frozenset(Scope)] == [Role.MANAGER]
    assert ROLE_SCOPES[Role.HR] == frozenset({Scope.HR})


def test_deny_by_default() -> None:
    assert not is_allowed("auditor", Permission.DASHBOARD_READ)  # type: ignore[arg-type]
    assert all(is_allowed(Role.MANAGER, p) for p in Permission)
