"""Any one row edited in SQL: either nobody sees anything change, or it is caught.

"Caught" means an unlock by some member is refused, or `audit verify` fails or refuses, each
with one sentence. "Sees" is what decides access and where secrets go: the members and their
roles, each credential's system, address, verifier, status and rotation flag, and each
secret as revealed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itexit.domain.errors import ItexitError
from itexit.domain.roles import Role
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    HR_PASS,
    HR_USER,
    LEAVER,
    LEAVER_PASS,
    MANAGER,
    MANAGER_PASS,
    VIEWER,
    VIEWER_PASS,
    Vault,
    opened,
    populated,
)

PEOPLE = [
    (MANAGER, MANAGER_PASS),
    (CONSULTANT, CONSULTANT_PASS),
    (HR_USER, HR_PASS),
    (VIEWER, VIEWER_PASS),
]

# table, its key column, the columns an attacker might edit
TARGETS: list[tuple[str, str, list[str]]] = [
    ("users", "id", ["name", "role", "status", "box_public", "sign_public", "wrapped_keys"]),
    ("vault_meta", "id", ["epoch", "recovery_box_public", "recovery_sign_public"]),
    ("key_slots", "id", ["scope", "epoch", "holder", "sealed"]),
    ("roster_entries", "seq", ["seq", "body", "hash", "signature", "kit_signature"]),
    ("audit_events", "seq", ["actor_name", "target", "details", "epoch", "signature"]),
    (
        "credentials",
        "id",
        ["system", "category", "host", "port", "verifier", "status", "rotation_due"],
    ),
]


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    v = populated(tmp_path / "vault.sqlite", credentials=2)
    v.manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
    v.manager.remove_user(LEAVER)
    yield from opened(v)


def view(vault: Vault) -> Any:
    """What the manager sees that decides access and where secrets go; raises if refused."""
    session = vault.unlock(MANAGER, MANAGER_PASS)
    users = sorted((u.name, u.role.value, u.status.value) for u in session.list_users())
    creds = sorted(
        (
            c.system,
            c.host,
            c.port,
            c.verifier,
            c.status.value,
            c.rotation_due,
            session.credentials.reveal(c.id),
        )
        for c in session.credentials.list()
    )
    session.lock()
    return users, creds


def caught(vault: Vault) -> bool:
    """Whether anyone's unlock, or `audit verify`, refuses the vault as it is now."""
    for name, passphrase in PEOPLE:
        try:
            vault.unlock(name, passphrase).lock()
        except ItexitError:
            return True
    try:
        return not vault.gw.verify_audit().ok
    except ItexitError:
        return True


def mutated(value: Any, other: Any, choice: int) -> Any:
    """A different value of the same kind: another row's, or this one changed a little."""
    if other is not None and other != value and choice % 2 == 0:
        return other
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + (1 if choice % 3 else -1)
    if isinstance(value, (bytes, memoryview)):
        raw = bytearray(bytes(value))
        raw[choice % len(raw)] ^= 1 << (choice % 8)
        return bytes(raw)
    if value is None:
        return 1
    text = str(value)
    if choice % 3 == 0 and text:
        return text[:-1] + ("0" if text[-1] != "0" else "1")
    return {0: "manager", 1: text + "x", 2: "viewer"}[choice % 3]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    target=st.sampled_from(TARGETS),
    row_pick=st.integers(min_value=0, max_value=1000),
    column_pick=st.integers(min_value=0, max_value=100),
    choice=st.integers(min_value=0, max_value=1000),
)
def test_one_row_edited_changes_nothing_seen_or_is_caught(
    vault: Vault,
    target: tuple[str, str, list[str]],
    row_pick: int,
    column_pick: int,
    choice: int,
) -> None:
    table, key, columns = target
    column = columns[column_pick % len(columns)]
    baseline = view(vault)
    rows = vault.rows(f"SELECT {key}, {column} FROM {table} ORDER BY {key}")
    row_key, value = rows[row_pick % len(rows)]
    other = rows[(row_pick + 1) % len(rows)][1] if len(rows) > 1 else None
    new = mutated(value, other, choice)
    try:
        vault.sql(f"UPDATE {table} SET {column} = :v WHERE {key} = :k", v=new, k=row_key)
    except Exception:  # the schema itself refused it (a unique or foreign key)
        return
    try:
        if caught(vault):
            return
        try:
            seen = view(vault)
        except ItexitError:
            return  # refused, naming the row, the moment the manager looked
        assert seen == baseline, f"{table}.{column} edited unseen and undetected"
    finally:
        key_now = new if column == key else row_key
        vault.sql(f"UPDATE {table} SET {column} = :v WHERE {key} = :k", v=value, k=key_now)
