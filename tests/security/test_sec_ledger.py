"""Credential states changed in SQL, by someone with no key, to hide a password the leaver knew.

The departing IT person was never an itexit user, so the only thing that says he knew the
firewall's password is the credential's `known_to_departing` flag (and its status, rotation
date and retirement). Clearing the flag, marking the credential rotated and proven, retiring
it, moving it to another scope or wiping its tag in SQL would make the exposure disappear from
`itexit remind` and the dashboard: a false all-clear. Each attack is performed with raw SQL
(SQLite and PostgreSQL); every key holder's ledger names the row as changed outside itexit,
`itexit remind` exits 1 saying so, and the dashboard shows it without failing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from known_firewall import CHANGED, KNOWN, TODAY, firewall, kinds_for, known_firewall

from itexit.cli import main
from itexit.domain.credentials import CredentialEdit
from itexit.domain.errors import IntegrityFailure
from itexit.domain.exposures import Severity
from itexit.domain.roles import Role
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


def remind(
    vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str], who: str = MANAGER
) -> tuple[int, str]:
    """`itexit remind` as `who`; its exit code and what it printed."""
    passphrase = {MANAGER: MANAGER_PASS, CONSULTANT: CONSULTANT_PASS, VIEWER: VIEWER_PASS}[who]
    pp = tmp_path / f"{who}.pp"
    pp.write_text(passphrase + "\n")
    url = vault.location.sqlalchemy_url
    where = ["--vault", str(vault.path)] if vault.path else ["--db", url]
    code = main([*where, "--user", who, "--passphrase-file", str(pp), "remind"])
    out = capsys.readouterr()
    return code, out.out + out.err


NOW = datetime.now(UTC)
ATTACKS: dict[str, tuple[str, dict[str, Any]]] = {
    "flag cleared": (
        "UPDATE credentials SET known_to_departing = :f, rotation_due = :f WHERE id = :i",
        {"f": False},
    ),
    "marked rotated and proven": (
        "UPDATE credentials SET status = 'locked_out', rotated_at = :t WHERE id = :i",
        {"t": NOW},
    ),
    "rotated date set": (
        "UPDATE credentials SET rotated_at = :t WHERE id = :i",
        {"t": NOW},
    ),
    "retired": ("UPDATE credentials SET retired_at = :t WHERE id = :i", {"t": NOW}),
    "moved to another scope": ("UPDATE credentials SET scope = 'hr' WHERE id = :i", {}),
    "tag wiped": ("UPDATE credentials SET bound_tag = '' WHERE id = :i", {}),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_credential_hidden_in_sql_is_named_never_cleared(
    vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str], attack: str
) -> None:
    cred_id = firewall(vault)
    manager = vault.unlock(MANAGER, MANAGER_PASS)
    assert KNOWN in kinds_for(manager, cred_id)
    code, out = remind(vault, tmp_path, capsys)
    assert code == 1 and "Firewall" in out

    statement, params = ATTACKS[attack]
    vault.sql(statement, i=cred_id, **params)

    for who, passphrase in ((MANAGER, MANAGER_PASS), (CONSULTANT, CONSULTANT_PASS)):
        session = vault.unlock(who, passphrase)
        found = [
            e
            for e in session.exposures.list(state="open", today=TODAY)
            if e.subject_ref == f"cred:{cred_id}"
        ]
        assert [e.kind for e in found] == [CHANGED], (who, found)
        assert f"credentials row {cred_id}" in found[0].why
        assert "changed outside itexit" in found[0].why
        assert found[0].severity is Severity.CRITICAL
    board = vault.unlock(MANAGER, MANAGER_PASS).dashboard(TODAY)
    assert any(e.kind == CHANGED and cred_id in e.why for e in board.exposures)
    code, out = remind(vault, tmp_path, capsys)
    assert code == 1
    assert f"credentials row {cred_id}" in out and "changed outside itexit" in out


def test_a_viewer_is_told_plainly_that_states_are_not_checked(
    vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cred_id = firewall(vault)
    vault.sql(
        "UPDATE credentials SET known_to_departing = :f, rotation_due = :f WHERE id = :i",
        f=False,
        i=cred_id,
    )
    viewer = vault.unlock(VIEWER, VIEWER_PASS)
    assert not viewer.exposures.checks_states()
    assert vault.unlock(MANAGER, MANAGER_PASS).exposures.checks_states()
    code, out = remind(vault, tmp_path, capsys, who=VIEWER)
    assert "cannot check these states against its sealed records" in out
    # the manager is told, by name
    code, out = remind(vault, tmp_path, capsys)
    assert code == 1 and f"credentials row {cred_id}" in out


def test_product_changes_keep_their_tag(vault: Vault) -> None:
    """Every change itexit makes re-tags the row: no finding without an edit in SQL."""
    manager = vault.manager
    cred_id = firewall(vault)
    manager.credentials.update(cred_id, CredentialEdit(known_to_departing=False, port=8443))
    manager.credentials.verify(cred_id, attest="Logged in at the console with the password")
    session = vault.unlock(MANAGER, MANAGER_PASS)
    assert CHANGED not in {e.kind for e in session.exposures.list(state="all", today=TODAY)}
    manager.credentials.retire(cred_id, "The firewall was replaced")
    session = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    assert CHANGED not in {e.kind for e in session.exposures.list(state="all", today=TODAY)}


def test_a_state_changed_in_sql_makes_remind_exit_1_naming_the_row(
    vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A case closed in SQL is refused by the ledger; `remind` says so and exits 1 (a check
    found something), and the dashboard's refusal names the row."""
    case_id = str(vault.scalar("SELECT id FROM cases"))
    vault.sql("UPDATE cases SET status = 'closed' WHERE id = :i", i=case_id)
    code, out = remind(vault, tmp_path, capsys)
    assert code == 1
    assert f"cases row {case_id}" in out and "changed outside itexit" in out
    assert "Traceback" not in out


def test_a_later_change_or_re_key_never_launders_an_edit(vault: Vault) -> None:
    """A state only the tag covers (the retirement date, the source, the recovery flag), edited
    in SQL, is refused by the next change to the row and by a re-key, never sealed in."""
    cred_id = firewall(vault)
    vault.sql("UPDATE credentials SET recovery_tied = :t WHERE id = :i", t=True, i=cred_id)
    manager = vault.unlock(MANAGER, MANAGER_PASS)
    with pytest.raises(IntegrityFailure, match=f"credentials row {cred_id}"):
        manager.credentials.verify(cred_id, attest="Logged in at the console with the password")
    manager.add_user("ivan", Role.CONSULTANT, "tangerine cobalt walrus sonnet 31")
    with pytest.raises(IntegrityFailure, match=f"credentials row {cred_id}"):
        manager.remove_user("ivan")
    found = vault.unlock(MANAGER, MANAGER_PASS).exposures.list(state="open", today=TODAY)
    assert [e.kind for e in found if e.subject_ref == f"cred:{cred_id}"] == [CHANGED]
