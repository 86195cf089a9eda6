"""Any one row edited in SQL: either nobody sees anything change, or it is caught.

"Caught" means an unlock by some member is refused, `audit verify` fails or refuses, or the
manager's `remind` names a row changed outside itexit, each with one sentence. "Sees" is what
decides access and where secrets go and what is still open: the members and their roles, each
credential's system, address, verifier, status and flags, each secret as revealed, and every
open exposure. The practice is letting go of an IT person who never had an itexit account, so
a credential's `known_to_departing` flag alone says he knew its password. Run on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itexit.domain.checklist import CaseKind, NewCase
from itexit.domain.errors import ItexitError
from itexit.domain.exposures import ExposureKind
from itexit.domain.roles import Role
from itexit.vault import kdf
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
    add_credential,
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
        [
            "system",
            "category",
            "host",
            "port",
            "verifier",
            "status",
            "rotation_due",
            "known_to_departing",
            "recovery_tied",
            "source",
            "rotated_at",
            "retired_at",
            "scope",
            "bound_tag",
        ],
    ),
    ("cases", "id", ["status"]),
    ("tasks", "id", ["status"]),
]
TODAY = date.today()
TIMES = {"rotated_at", "retired_at"}


@pytest.fixture(autouse=True)
def _derivations_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each example unlocks five or six times with the same few passphrases and stored
    settings; a key derived once for a passphrase, salt and cost is the key Argon2 gives every
    time, so it is remembered rather than derived again. An edited salt or cost is a new
    derivation, made in full."""
    derived: dict[tuple[bytes, kdf.KdfParams], bytes] = {}
    real = kdf._derive

    def remembered(secret: bytes | bytearray, params: kdf.KdfParams) -> bytes:
        key = (bytes(secret), params)
        if key not in derived:
            derived[key] = real(secret, params)
        return derived[key]

    monkeypatch.setattr(kdf, "_derive", remembered)


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    v = populated(db_url, credentials=2)
    v.manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
    v.manager.remove_user(LEAVER)
    # the IT person leaving never had an account: only the flag says he knew this password
    add_credential(v.manager, "Firewall", known=True)
    v.manager.cases.create(
        NewCase(
            name="Gary Thistle",
            kind=CaseKind.IT_EMPLOYEE,
            termination_date=TODAY - timedelta(days=20),
        )
    )
    # Every lock in the examples runs a full garbage collection: leave what building the vault
    # made and loaded (the vault itself, the modules it imported) out of them.
    gc.collect()
    gc.freeze()
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
    flags = sorted(
        (c.system, c.known_to_departing, c.recovery_tied, c.source.value)
        for c in session.credentials.list()
    )
    exposures = sorted((e.kind, e.subject, e.why) for e in session.exposures.list(today=TODAY))
    session.lock()
    return users, creds, flags, exposures


def caught(vault: Vault) -> bool:
    """Whether anyone's unlock, or `audit verify`, refuses the vault as it is now."""
    for name, passphrase in PEOPLE:
        try:
            vault.unlock(name, passphrase).lock()
        except ItexitError:
            return True
    try:
        if not vault.gw.verify_audit().ok:
            return True
    except ItexitError:
        return True
    try:  # what `itexit remind` reads
        manager = vault.unlock(MANAGER, MANAGER_PASS)
        items = manager.exposures.list(state="open", today=TODAY)
        manager.reminders(TODAY)
    except ItexitError:
        return True
    return any(e.kind == ExposureKind.CHANGED_OUTSIDE for e in items)


def mutated(column: str, value: Any, other: Any, choice: int) -> Any:
    """A different value of the same kind: another row's, or this one changed a little."""
    if other is not None and other != value and choice % 2 == 0:
        return other
    if isinstance(value, datetime) or (value is None and column in TIMES):
        return datetime.now(UTC) + timedelta(seconds=choice) if value is None else None
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
    if column == "status":  # a state itexit knows, or one it does not
        return ["done", "na", "closed", "locked_out", "rotated", "retired", text + "x"][choice % 7]
    if choice % 3 == 0 and text:
        return text[:-1] + ("0" if text[-1] != "0" else "1")
    return {0: "manager", 1: text + "x", 2: "viewer"}[choice % 3]


@settings(
    max_examples=40,
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
    rows = vault.rows(f"SELECT {key}, {column} FROM {table} ORDER BY {key}")
    row_key, value = rows[row_pick % len(rows)]
    other = rows[(row_pick + 1) % len(rows)][1] if len(rows) > 1 else None
    edited_unseen_or_caught(
        vault, table, key, column, row_key, value, mutated(column, value, other, choice)
    )


@pytest.mark.parametrize("column", ["known_to_departing", "rotation_due", "status", "retired_at"])
def test_the_firewalls_flags_flipped_for_a_leaver_who_never_had_an_account_are_caught(
    vault: Vault, column: str
) -> None:
    """The one edit that would give a false all-clear, made every time rather than by chance."""
    row_key, value = vault.rows(f"SELECT id, {column} FROM credentials WHERE system = 'Firewall'")[
        0
    ]
    new = {"status": "locked_out", "retired_at": datetime.now(UTC)}.get(column, not value)
    edited_unseen_or_caught(vault, "credentials", "id", column, row_key, value, new)
    vault.sql(f"UPDATE credentials SET {column} = :v WHERE id = :k", v=new, k=row_key)
    assert caught(vault)


def edited_unseen_or_caught(
    vault: Vault, table: str, key: str, column: str, row_key: Any, value: Any, new: Any
) -> None:
    baseline = view(vault)
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
