"""Records sealed before their states were bound: bound once at a manager's unlock, then checked.

A vault signed before every state was bound holds cases and renewals whose sealed records do
not carry their status, credentials without a tag and closed tasks whose history does not seal
their status. Until they are bound, putting back such an older record in SQL beside an edited
state would pass as "an older record". A manager's next unlock binds them all, once, audited,
and signs the new binding level into the member list; from then on a record without its
binding is itself a finding, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from itexit.domain.checklist import CaseKind, NewCase
from itexit.domain.errors import IntegrityFailure
from itexit.domain.exposures import ExposureKind
from itexit.domain.renewals import NewRenewal, RenewalKind
from itexit.domain.roles import Role
from itexit.services import checklist as checklist_service
from itexit.services import roster as roster_service
from itexit.services import states
from itexit.store.checklist import Case
from itexit.store.models import Credential
from itexit.store.renewals import Renewal
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    MANAGER,
    MANAGER_PASS,
    Vault,
    add_credential,
    new_vault,
    opened,
)

TODAY = date.today()
CASE = "Gary Thistle"


def half_bound(target: str) -> Vault:
    """A vault as the release before complete binding left it: a signed member list with no
    binding level, credentials without tags, cases and renewals sealed without their state,
    task history without the task's status."""
    found_fields = roster_service.found_fields

    def older_found(*args: Any) -> dict[str, Any]:
        return {k: v for k, v in found_fields(*args).items() if k != "bound"}

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(roster_service, "found_fields", older_found)
        patch.setattr(states, "bind_vault", lambda ctx, state: state)
        patch.setattr(Credential, "TAGGED", ())
        patch.setattr(Case, "BOUND", ())
        patch.setattr(Renewal, "BOUND", ())
        patch.setattr(checklist_service, "TASK_STAMP", "_older")
        vault = new_vault(target)
        m = vault.manager
        m.ctx.bound = 0
        m.add_user(CONSULTANT, Role.CONSULTANT, CONSULTANT_PASS)
        add_credential(m, "Firewall", known=True)
        m.cases.create(
            NewCase(name=CASE, kind=CaseKind.IT_EMPLOYEE, termination_date=TODAY - timedelta(20))
        )
        m.renewals.add(
            NewRenewal(
                kind=RenewalKind.DOMAIN,
                vendor="Registrar",
                item="practice.example",
                renewal_date=TODAY + timedelta(days=40),
            )
        )
        first, second = (
            int(n) for (n,) in vault.rows("SELECT number FROM tasks ORDER BY number")[:2]
        )
        m.cases.not_applicable(CASE, first, "No badge was ever issued")
        m.cases.not_applicable(CASE, second, "Not for this practice")
        m.cases.reopen(CASE, second)
    assert "bound" not in str(vault.scalar("SELECT body FROM roster_entries WHERE seq = 1"))
    assert vault.scalar("SELECT count(*) FROM credentials WHERE bound_tag = ''") == 1
    return vault


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    yield from opened(half_bound(db_url))


def row_of(vault: Vault, table: str) -> tuple[str, bytes, int]:
    ident, doc, version = vault.rows(f"SELECT id, doc, version FROM {table}")[0]
    return str(ident), bytes(doc), int(version)


def task(vault: Vault, status: str) -> str:
    return str(vault.scalar("SELECT id FROM tasks WHERE status = :s ORDER BY number", s=status))


def test_a_managers_unlock_binds_every_older_record_once(vault: Vault) -> None:
    older_case = row_of(vault, "cases")
    older_renewal = row_of(vault, "renewals")
    entries = vault.scalar("SELECT count(*) FROM roster_entries")
    # a consultant's unlock cannot bind (it holds no HR key): nothing changes
    vault.unlock(CONSULTANT, CONSULTANT_PASS).exposures.list(today=TODAY)
    assert vault.scalar("SELECT count(*) FROM roster_entries") == entries

    manager = vault.unlock(MANAGER, MANAGER_PASS)
    assert vault.scalar("SELECT count(*) FROM roster_entries") == entries + 1
    assert '"kind":"bound"' in str(
        vault.scalar("SELECT body FROM roster_entries ORDER BY seq DESC")
    )
    assert vault.scalar("SELECT count(*) FROM credentials WHERE bound_tag = ''") == 0
    assert vault.scalar("SELECT count(*) FROM task_events WHERE action = 'bound'") == 1
    audited = vault.rows("SELECT details FROM audit_events WHERE action = 'roster.bind'")
    assert len(audited) == 1 and '"tasks":1' in str(audited[0][0]).replace(" ", "")
    assert vault.gw.verify_audit().ok
    assert not [
        e for e in manager.exposures.list(today=TODAY) if e.kind == ExposureKind.CHANGED_OUTSIDE
    ]
    vault.unlock(MANAGER, MANAGER_PASS)  # once: the next unlock binds nothing more
    assert vault.scalar("SELECT count(*) FROM roster_entries") == entries + 1

    # from now on, an older record put back in SQL beside an edited state is named
    for table, older, column, closed in (
        ("cases", older_case, "status", "closed"),
        ("renewals", older_renewal, "state", "retired"),
    ):
        ident, doc, version = older
        current = vault.rows(f"SELECT doc, version, {column} FROM {table} WHERE id = :i", i=ident)[
            0
        ]
        vault.sql(
            f"UPDATE {table} SET doc = :d, version = :v, {column} = :s WHERE id = :i",
            d=doc,
            v=version,
            s=closed,
            i=ident,
        )
        with pytest.raises(IntegrityFailure, match=f"{table} row {ident} carries no binding"):
            vault.unlock(MANAGER, MANAGER_PASS).exposures.list(today=TODAY)
        vault.sql(
            f"UPDATE {table} SET doc = :d, version = :v, {column} = :s WHERE id = :i",
            d=current[0],
            v=current[1],
            s=current[2],
            i=ident,
        )
    vault.unlock(MANAGER, MANAGER_PASS).exposures.list(today=TODAY)

    # a closed task whose sealing entry is deleted, and a reopened one set done again
    closed_task = task(vault, "na")
    vault.sql("DELETE FROM task_events WHERE action = 'bound' AND task_id = :t", t=closed_task)
    with pytest.raises(IntegrityFailure, match=f"tasks row {closed_task}"):
        vault.unlock(MANAGER, MANAGER_PASS).cases.list()
    vault.sql("UPDATE tasks SET status = 'open' WHERE id = :t", t=closed_task)
    reopened = str(
        vault.scalar(
            "SELECT t.id FROM tasks t JOIN task_events e ON e.task_id = t.id "
            "WHERE e.action = 'reopened'"
        )
    )
    vault.sql("UPDATE tasks SET status = 'na' WHERE id = :t", t=reopened)
    with pytest.raises(IntegrityFailure, match=f"tasks row {reopened}"):
        vault.unlock(MANAGER, MANAGER_PASS).cases.list()
    vault.sql("UPDATE tasks SET status = 'open' WHERE id = :t", t=reopened)

    # a credential whose tag is wiped is a finding, not an older row
    vault.sql("UPDATE credentials SET bound_tag = ''")
    found = vault.unlock(MANAGER, MANAGER_PASS).exposures.list(today=TODAY)
    assert [e.subject for e in found if e.kind == ExposureKind.CHANGED_OUTSIDE] == ["Firewall"]


def test_before_binding_an_untagged_credential_is_checked_by_opening_it(vault: Vault) -> None:
    """Until a manager binds the vault, a consultant's ledger opens the untagged rows: a flag
    cleared in SQL is named all the same."""
    ident = str(vault.scalar("SELECT id FROM credentials"))
    vault.sql("UPDATE credentials SET known_to_departing = :f", f=False)
    found = vault.unlock(CONSULTANT, CONSULTANT_PASS).exposures.list(today=TODAY)
    changed = [e for e in found if e.kind == ExposureKind.CHANGED_OUTSIDE]
    assert len(changed) == 1 and ident in changed[0].why
    # the manager's unlock leaves the changed row as it is, and names it from then on
    vault.unlock(MANAGER, MANAGER_PASS)
    assert vault.scalar("SELECT bound_tag FROM credentials") == ""
    refused = vault.rows("SELECT details FROM audit_events WHERE action = 'roster.bind'")
    assert ident in str(refused[0][0])
    found = vault.unlock(CONSULTANT, CONSULTANT_PASS).exposures.list(today=TODAY)
    assert [e.subject for e in found if e.kind == ExposureKind.CHANGED_OUTSIDE] == ["Firewall"]
