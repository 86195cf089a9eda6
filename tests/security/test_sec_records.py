"""Encrypted records: a ciphertext moved or relabelled in SQL does not open, a flipped byte does
not open, and a removed user's keys open nothing current."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from itexit.domain.errors import (
    AuthenticationFailed,
    IntegrityFailure,
    ItexitError,
    PermissionDenied,
    StaleEdit,
)
from itexit.domain.roles import Role
from itexit.services.session import UnlockedVault
from itexit.store.models import Credential, KeySlot, SecretVersion
from itexit.vault.keys import open_slot, slot_info
from itexit.vault.records import decrypt_document
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    LEAVER,
    LEAVER_PASS,
    MANAGER,
    MANAGER_PASS,
    Vault,
    flip,
    opened,
    populated,
    sample_indices,
)


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    yield from opened(populated(db_url, credentials=3))


@pytest.fixture
def file_vault(tmp_path: Path) -> Iterator[Vault]:
    """For checks that do not depend on the backend: SQLite only, to keep the suite quick."""
    yield from opened(populated(tmp_path / "vault.sqlite", credentials=3))


def cred_id(vault: Vault, system: str) -> str:
    return str(vault.scalar("SELECT id FROM credentials WHERE system = :s", s=system))


def secret_id(vault: Vault, system: str) -> str:
    return str(
        vault.scalar(
            "SELECT v.id FROM secret_versions v JOIN credentials c ON c.id = v.credential_id "
            "WHERE c.system = :s AND v.stage = 'current'",
            s=system,
        )
    )


def reveal_all(vault: Vault, ref: str, session: UnlockedVault | None = None) -> dict[str, Any]:
    """Reveal every field (through a fresh manager unlock unless a session is given); each
    failure is kept, not raised."""
    session = session or vault.unlock(MANAGER, MANAGER_PASS)
    out: dict[str, Any] = {}
    for field in ("password", "username", "notes"):
        try:
            out[field] = session.credentials.reveal(ref, field)
        except Exception as exc:
            out[field] = exc
    return out


# --- 3. ciphertext moved or relabelled ---------------------------------------------------------


CRED_COLUMNS = ("system", "category", "scope", "epoch", "version", "doc")
SECRET_COLUMNS = ("credential_id", "stage", "scope", "epoch", "version", "doc")


def snapshot(vault: Vault) -> tuple[list[Any], list[Any]]:
    creds = vault.rows(f"SELECT id, {', '.join(CRED_COLUMNS)} FROM credentials")
    secrets = vault.rows(f"SELECT id, {', '.join(SECRET_COLUMNS)} FROM secret_versions")
    return creds, secrets


def restore(vault: Vault, snap: tuple[list[Any], list[Any]]) -> None:
    creds, secrets = snap
    vault.sql("UPDATE secret_versions SET stage = 'parked'")
    for table, columns, rows in (
        ("credentials", CRED_COLUMNS, creds),
        ("secret_versions", SECRET_COLUMNS, secrets),
    ):
        assignments = ", ".join(f"{c} = :{c}" for c in columns)
        for row in rows:
            vault.sql(
                f"UPDATE {table} SET {assignments} WHERE id = :id",
                id=row[0],
                **dict(zip(columns, row[1:], strict=True)),
            )


BASELINE = {"password": "secret-number-1", "username": "user1", "notes": "notes 1"}
SECRET_OF = (
    "(SELECT id FROM secret_versions WHERE credential_id = "
    "(SELECT id FROM credentials WHERE system = '{system}') AND stage = 'current')"
)
CRED_OF = "(SELECT id FROM credentials WHERE system = '{system}')"
S0, S1, S2 = (SECRET_OF.format(system=f"System{i}") for i in range(3))
C0, C1 = (CRED_OF.format(system=f"System{i}") for i in range(2))

#: (what was done, SQL statements, the fields of System1 that must now fail)
TAMPERING: list[tuple[str, list[str], tuple[str, ...]]] = [
    (
        "credential doc copied from another row",
        [
            f"UPDATE credentials SET doc = (SELECT doc FROM credentials WHERE id = {C0}) "
            f"WHERE id = {C1}"
        ],
        ("username", "notes"),
    ),
    (
        "doc, version, epoch, scope and labels copied from another row",
        [
            f"UPDATE credentials SET doc = (SELECT doc FROM credentials WHERE id = {C0}), "
            f"version = (SELECT version FROM credentials WHERE id = {C0}), "
            f"category = (SELECT category FROM credentials WHERE id = {C0}) WHERE id = {C1}"
        ],
        ("username", "notes"),
    ),
    (
        "secret doc copied from another row",
        [
            f"UPDATE secret_versions SET doc = (SELECT doc FROM secret_versions WHERE id = {S0}) "
            f"WHERE id = {S1}"
        ],
        ("password",),
    ),
    (
        "secret rows swapped between credentials (credential_id relabelled)",
        [
            f"UPDATE secret_versions SET stage = 'swap0' WHERE id = {S0}",
            f"UPDATE secret_versions SET stage = 'swap1' WHERE id = {S1}",
            f"UPDATE secret_versions SET credential_id = {C0}, stage = 'current' "
            "WHERE stage = 'swap1'",
            f"UPDATE secret_versions SET credential_id = {C1}, stage = 'current' "
            "WHERE stage = 'swap0'",
        ],
        ("password",),
    ),
    (
        "credential scope set to hr",
        [f"UPDATE credentials SET scope = 'hr' WHERE id = {C1}"],
        ("username", "notes"),
    ),
    (
        "secret scope set to hr",
        [f"UPDATE secret_versions SET scope = 'hr' WHERE id = {S1}"],
        ("password",),
    ),
    (
        "credential version raised",
        [f"UPDATE credentials SET version = version + 1 WHERE id = {C1}"],
        ("username", "notes"),
    ),
    (
        "credential version set to 7",
        [f"UPDATE credentials SET version = 7 WHERE id = {C1}"],
        ("username",),
    ),
    (
        "secret version raised",
        [f"UPDATE secret_versions SET version = version + 1 WHERE id = {S1}"],
        ("password",),
    ),
    (
        "credential system relabelled",
        [f"UPDATE credentials SET system = 'Payroll' WHERE id = {C1}"],
        ("username", "notes"),
    ),
    (
        "credential category relabelled",
        [f"UPDATE credentials SET category = 'banking' WHERE id = {C1}"],
        ("username", "notes"),
    ),
]

#: a row claiming another key epoch than the vault's is tampering, not a missing permission
EPOCH_TAMPERING: list[tuple[str, list[str], tuple[str, ...]]] = [
    (
        "credential epoch raised",
        [f"UPDATE credentials SET epoch = epoch + 1 WHERE id = {C1}"],
        ("username", "notes"),
    ),
    (
        "credential epoch lowered",
        [f"UPDATE credentials SET epoch = epoch - 1 WHERE id = {C1}"],
        ("username",),
    ),
    (
        "secret epoch raised",
        [f"UPDATE secret_versions SET epoch = epoch + 1 WHERE id = {S1}"],
        ("password",),
    ),
]


def check_tampering(vault: Vault, cases: list[tuple[str, list[str], tuple[str, ...]]]) -> list[str]:
    """Apply each case to System1, reveal every field, put the rows back; list what went wrong."""
    ref = cred_id(vault, "System1")
    session = vault.unlock(MANAGER, MANAGER_PASS)
    assert reveal_all(vault, ref, session) == BASELINE
    snap = snapshot(vault)
    problems: list[str] = []
    for what, statements, fields in cases:
        for statement in statements:
            vault.sql(statement)
        result = reveal_all(vault, ref, session)
        for field in fields:
            if not isinstance(result[field], IntegrityFailure):
                problems.append(f"{what}: {field} gave {result[field]!r}, not IntegrityFailure")
        for field in set(BASELINE) - set(fields):
            if isinstance(result[field], Exception) and not isinstance(
                result[field], IntegrityFailure
            ):
                problems.append(f"{what}: {field} raised {result[field]!r}")
        restore(vault, snap)
        assert reveal_all(vault, ref, session) == BASELINE, f"restore after {what!r} failed"
    # other rows were never affected, and a fresh unlock reads everything again
    assert reveal_all(vault, "System2")["password"] == "secret-number-2"
    return problems


def test_rows_moved_or_relabelled_in_sql_do_not_open(vault: Vault) -> None:
    assert check_tampering(vault, TAMPERING) == []


def test_rows_with_a_changed_epoch_fail_as_tampering(vault: Vault) -> None:
    """A manager holds every scope: a row of another epoch was altered, so IntegrityFailure
    (not "your role does not hold the cred key", which sends a manager looking at roles)."""
    assert check_tampering(vault, EPOCH_TAMPERING) == []


def test_secret_stage_relabelled_in_sql(file_vault: Vault) -> None:
    """A CURRENT secret relabelled PENDING no longer opens under its new label."""
    sid = secret_id(file_vault, "System1")
    file_vault.sql("UPDATE secret_versions SET stage = 'pending' WHERE id = :i", i=sid)
    session = file_vault.unlock(MANAGER, MANAGER_PASS)
    with session.ctx.reading() as s:
        row = s.get(SecretVersion, sid)
        assert row is not None and row.stage == "pending"
        with pytest.raises(IntegrityFailure):
            session.ctx.unseal(row)


def test_credential_without_a_current_secret_fails_as_a_vault_error(file_vault: Vault) -> None:
    """Tampering that leaves no CURRENT secret is reported as an app error, not a crash."""
    sid = secret_id(file_vault, "System1")
    file_vault.sql("UPDATE secret_versions SET stage = 'previous' WHERE id = :i", i=sid)
    result = reveal_all(file_vault, "System1")
    assert isinstance(result["password"], ItexitError), repr(result["password"])
    assert result["username"] == "user1"


def test_address_changes_through_the_context_fail(file_vault: Vault) -> None:
    """The same checks at the vault layer, on the ORM row the services use."""
    session = file_vault.unlock(MANAGER, MANAGER_PASS)
    ctx = session.ctx
    with ctx.reading() as s:
        cred = s.scalars(select(Credential).where(Credential.system == "System2")).one()
        address = ctx.address(cred)
        assert (
            decrypt_document(ctx.keys.reveal(("cred", ctx.epoch)), address, cred.doc)["username"]
            == "user2"
        )
        for change in (
            {"table": "secret_versions"},
            {"record_id": "not-this-row"},
            {"scope": "hr"},
            {"epoch": address.epoch + 1},
            {"version": address.version + 1},
            {"vault_id": "another-vault"},
            {"labels": {**address.labels, "system": "Other"}},
        ):
            with pytest.raises(IntegrityFailure):
                decrypt_document(
                    ctx.keys.reveal(("cred", ctx.epoch)),
                    dataclasses.replace(address, **change),
                    cred.doc,
                )  # type: ignore[arg-type]
        # the other scope's key does not open it either
        with pytest.raises(IntegrityFailure):
            decrypt_document(ctx.keys.reveal(("hr", ctx.epoch)), address, cred.doc)


# --- 4. byte flips of a record's document -----------------------------------------------------


def test_every_byte_flip_of_a_document_fails(tmp_path) -> None:  # type: ignore[no-untyped-def]
    vault = populated(tmp_path / "vault.sqlite", credentials=1)
    try:
        ctx = vault.manager.ctx
        with ctx.reading() as s:
            cred = s.scalars(select(Credential)).one()
            secret = s.scalars(select(SecretVersion)).one()
            s.expunge_all()
        for row in (cred, secret):
            original = row.doc
            ctx.unseal(row)
            for index in range(len(original)):
                row.doc = flip(original, index)
                with pytest.raises(IntegrityFailure):
                    ctx.unseal(row)
            row.doc = original
        # and end to end through SQL on a spread of positions
        original = bytes(vault.scalar("SELECT doc FROM secret_versions"))
        for index in sample_indices(len(original), 12):
            vault.sql("UPDATE secret_versions SET doc = :d", d=flip(original, index, 0x80))
            with pytest.raises(IntegrityFailure):
                vault.manager.credentials.reveal("System0")
        vault.sql("UPDATE secret_versions SET doc = :d", d=original)
        assert vault.manager.credentials.reveal("System0") == "secret-number-0"
    finally:
        vault.close()


# --- 7. a removed user's passphrase and old keys open nothing current --------------------------


def test_removed_user_and_their_old_keys_open_nothing_current(vault: Vault) -> None:
    manager = vault.manager
    manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
    leaver_session = vault.unlock(LEAVER, LEAVER_PASS)
    leaver_id = leaver_session.identity.user_id
    old_key = leaver_session.ctx.keys.reveal(("cred", leaver_session.ctx.epoch))
    leaver_pair = leaver_session.ctx.actor.keys
    assert leaver_pair is not None
    old_epoch = vault.epoch()

    def encrypted_rows() -> list[Any]:
        with manager.ctx.reading() as s:
            rows = [*s.scalars(select(Credential)), *s.scalars(select(SecretVersion))]
            s.expunge_all()
        return rows

    # before removal the captured key opens every row: the checks below can fail
    before = encrypted_rows()
    assert len(before) == 6
    for row in before:
        decrypt_document(old_key, manager.ctx.address(row), row.doc)

    report = manager.remove_user(LEAVER)
    assert report.new_epoch == old_epoch + 1
    assert vault.epoch() == old_epoch + 1

    with pytest.raises(AuthenticationFailed):
        vault.unlock(LEAVER, LEAVER_PASS)

    after = encrypted_rows()
    assert len(after) == 6
    for row in after:
        assert row.epoch == old_epoch + 1
        address = manager.ctx.address(row)
        with pytest.raises(IntegrityFailure):
            decrypt_document(old_key, address, row.doc)
        with pytest.raises(IntegrityFailure):
            decrypt_document(old_key, dataclasses.replace(address, epoch=old_epoch), row.doc)
        assert row.doc not in {r.doc for r in before}

    slots = vault.rows("SELECT holder, epoch FROM key_slots")
    assert slots and all(holder != leaver_id for holder, _epoch in slots)
    assert {epoch for _holder, epoch in slots} == {old_epoch + 1}
    with manager.ctx.reading() as s:
        for slot in s.scalars(select(KeySlot)):
            with pytest.raises(IntegrityFailure):
                open_slot(
                    leaver_pair.box,
                    slot.sealed,
                    slot_info(manager.ctx.vault_id, slot.scope, slot.epoch, slot.holder),
                )
    assert vault.scalar("SELECT wrapped_keys FROM users WHERE id = :i", i=leaver_id) is None

    # the leaver's still-open session can reveal nothing any more
    with pytest.raises((StaleEdit, PermissionDenied, IntegrityFailure)):
        leaver_session.credentials.reveal("System0")

    # everyone else carries on: the manager and the remaining consultant read the new epoch
    assert manager.credentials.reveal("System2") == "secret-number-2"
    consultant = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    assert consultant.credentials.reveal("System1", "username") == "user1"
    assert all(c.rotation_due for c in manager.credentials.list())
    assert manager.verify_audit().ok
