"""The store on both backends: migrations build exactly the ORM schema, the constraints hold,
and the whole create / unlock / add / remove cycle round-trips."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, insert, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from itexit.domain.errors import AuthenticationFailed, StaleEdit
from itexit.domain.roles import Role
from itexit.services.gateway import Gateway
from itexit.store.migrate import HEAD_REVISION, current_revision
from itexit.store.models import Base, Credential, SecretVersion
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    LEAVER,
    LEAVER_PASS,
    MANAGER,
    MANAGER_PASS,
    add_credential,
    encrypted_row_count,
    location_for,
    new_vault,
)


@pytest.fixture
def gw(db_url: str) -> Iterator[Gateway]:
    gateway = Gateway.open(location_for(db_url))
    yield gateway
    gateway.close()


@pytest.mark.fresh_schema
def test_open_builds_the_schema_through_migrations(gw: Gateway) -> None:
    engine = gw.store.engine
    assert current_revision(engine) == HEAD_REVISION
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    assert not gw.exists()
    # opening again is a no-op: same revision, no backup taken
    again = Gateway.open(gw.location)
    try:
        assert current_revision(again.store.engine) == HEAD_REVISION
    finally:
        again.close()
    assert not gw.store.backup_dir.exists() or not any(gw.store.backup_dir.iterdir())


@pytest.mark.fresh_schema
def test_migrations_match_the_orm_metadata(gw: Gateway) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with gw.store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []


def test_unique_constraint_names_and_partial_index_exist(gw: Gateway) -> None:
    inspector = inspect(gw.store.engine)
    indexes = {ix["name"]: ix for ix in inspector.get_indexes("secret_versions")}
    assert indexes["uq_secret_versions_live_stage"]["unique"]
    assert indexes["uq_secret_versions_live_stage"]["column_names"] == ["credential_id", "stage"]
    uniques = {u["name"] for u in inspector.get_unique_constraints("key_slots")}
    assert "uq_key_slots_holder" in uniques


def test_the_models_live_stage_index_is_partial_as_the_database_holds_it(gw: Gateway) -> None:
    """The migration makes the index partial on both backends; the model names the same
    condition for each, so tables built from the model hold the same index."""
    engine = gw.store.engine
    dialect = engine.dialect.name
    index = next(ix for ix in SecretVersion.__table__.indexes if ix.name.endswith("live_stage"))
    condition = str(index.dialect_options[dialect]["where"])
    assert condition == "stage IN ('current', 'pending')"
    with engine.connect() as conn:
        if dialect == "sqlite":
            held = conn.scalar(
                text("SELECT sql FROM sqlite_master WHERE name = 'uq_secret_versions_live_stage'")
            )
        else:
            held = conn.scalar(
                text("SELECT pg_get_indexdef('uq_secret_versions_live_stage'::regclass)")
            )
    assert held is not None and "WHERE" in held.upper()
    words = ["stage", "current", "pending"]
    assert all(word in held.split("WHERE", 1)[-1] for word in words)


def _credential(engine: Engine) -> str:
    cid = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(
            insert(Credential.__table__).values(
                id=cid,
                system="EHR",
                host="",
                category="ehr",
                status="unverified",
                known_to_departing=False,
                source="handed_over",
                rotation_due=False,
                rotation_reason="",
                verifier="manual",
                scope="cred",
                epoch=1,
                doc=b"\x01" + bytes(40),
                version=1,
                updated_by="test",
            )
        )
    return cid


def _secret(engine: Engine, cid: str, stage: str, doc: bytes = b"\x01" + bytes(40)) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(SecretVersion.__table__).values(
                id=str(uuid.uuid4()),
                credential_id=cid,
                stage=stage,
                scope="cred",
                epoch=1,
                doc=doc,
                version=1,
                updated_by="test",
            )
        )


def test_at_most_one_current_and_one_pending_per_credential(gw: Gateway) -> None:
    engine = gw.store.engine
    first, second = _credential(engine), _credential(engine)
    _secret(engine, first, "current")
    _secret(engine, first, "pending")
    _secret(engine, first, "previous")
    _secret(engine, first, "previous")  # history is not limited
    _secret(engine, second, "current")  # the index is per credential
    _secret(engine, second, "pending")
    marker = b"\x01PARAMETER-CANARY-d00d"
    for stage in ("current", "pending"):
        with pytest.raises(IntegrityError) as info:
            _secret(engine, first, stage, doc=marker)
        # the engine never echoes bound values (a doc, a secret) into its errors
        assert "PARAMETER-CANARY" not in str(info.value)
    with engine.connect() as conn:
        stages = conn.execute(
            text("SELECT stage FROM secret_versions WHERE credential_id = :c ORDER BY stage"),
            {"c": first},
        ).scalars()
        assert list(stages) == ["current", "pending", "previous", "previous"]
    # promoting a second row to current is refused as well
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            update(SecretVersion.__table__)
            .where(SecretVersion.credential_id == first, SecretVersion.stage == "previous")
            .values(stage="current")
        )


def test_deleting_a_credential_deletes_its_secrets(gw: Gateway) -> None:
    engine = gw.store.engine
    cid = _credential(engine)
    _secret(engine, cid, "current")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM credentials WHERE id = :c"), {"c": cid})
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM secret_versions")).scalar() == 0


def test_a_secret_needs_its_credential(gw: Gateway) -> None:
    with pytest.raises(IntegrityError):
        _secret(gw.store.engine, str(uuid.uuid4()), "current")


def test_version_column_refuses_a_silent_overwrite(gw: Gateway) -> None:
    engine = gw.store.engine
    cid = _credential(engine)
    with Session(engine) as first, Session(engine) as second:
        a = first.get(Credential, cid)
        b = second.get(Credential, cid)
        assert a is not None and b is not None
        b.status = "verified"
        b.version += 1
        second.commit()
        a.status = "failed"
        a.version += 1
        with pytest.raises(StaleDataError):
            first.commit()
    with engine.connect() as conn:
        assert conn.execute(select(Credential.status)).scalar() == "verified"


def test_stale_write_through_a_transaction_is_a_stale_edit(db_url: str) -> None:
    vault = new_vault(db_url)
    try:
        cid = add_credential(vault.manager, "EHR")
        ctx = vault.manager.ctx
        if vault.path is not None:
            # SQLite: a transaction holds the write lock from its start; another writer waits
            # for it (here with a short timeout) instead of slipping a write in between.
            import sqlite3

            with ctx.transaction() as session:
                row = session.get(Credential, cid)
                assert row is not None
                other = sqlite3.connect(vault.path, timeout=0.2)
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute(
                        "UPDATE credentials SET version = version + 1 WHERE id = ?", (cid,)
                    )
                other.close()
                row.status = "verified"
                row.version += 1
            assert vault.scalar("SELECT version FROM credentials WHERE id = :c", c=cid) == 2
            return
        with pytest.raises(StaleEdit), ctx.transaction() as session:
            row = session.get(Credential, cid)
            assert row is not None
            vault.sql("UPDATE credentials SET version = version + 1 WHERE id = :c", c=cid)
            row.status = "verified"
            row.version += 1
            session.flush()
        assert vault.manager.verify_audit().ok
    finally:
        vault.close()


def test_sqlite_engine_settings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    gateway = Gateway.open(location_for(tmp_path / "vault.sqlite"))
    try:
        engine = gateway.store.engine
        assert engine.hide_parameters
        with engine.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "secure_delete", "synchronous")
            }
        assert pragma == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "secure_delete": 1,
            "synchronous": 2,
        }
    finally:
        gateway.close()


def test_create_unlock_add_remove_round_trip(db_url: str) -> None:
    vault = new_vault(db_url)
    try:
        m = vault.manager
        assert m.identity.role is Role.MANAGER
        m.add_user(CONSULTANT, Role.CONSULTANT, CONSULTANT_PASS)
        m.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
        add_credential(m, "EHR", username="frontdesk", secret="ehr-pass", notes="n1")
        add_credential(m, "Router", secret="router-pass")
        assert [c.system for c in m.credentials.list()] == ["EHR", "Router"]
        leaver = vault.unlock(LEAVER, LEAVER_PASS)
        assert leaver.credentials.reveal("EHR") == "ehr-pass"
        sealed = encrypted_row_count(vault.gw)
        assert sealed >= 4  # two credentials and their secret versions, at least
        report = m.remove_user(LEAVER)
        assert (report.removed, report.new_epoch, report.records_reencrypted) == (LEAVER, 2, sealed)
        assert report.rotation_due == ["EHR", "Router"]
        with pytest.raises(AuthenticationFailed):
            vault.unlock(LEAVER, LEAVER_PASS)
        vault.close()
        # a fresh gateway on the same database sees it all
        gateway = Gateway.open(vault.location)
        vault.gw = gateway
        assert gateway.exists() and gateway.practice_name()
        consultant = gateway.unlock(CONSULTANT, CONSULTANT_PASS)
        assert consultant.credentials.reveal("EHR", "username") == "frontdesk"
        assert consultant.credentials.reveal("Router") == "router-pass"
        manager = gateway.unlock(MANAGER, MANAGER_PASS)
        users = {u.name: u for u in manager.list_users()}
        assert users[LEAVER].status == "removed" and users[LEAVER].removed_at is not None
        verdict = manager.verify_audit()
        assert verdict.ok, verdict
        actions = [e.action for e in reversed(manager.recent_audit(limit=100))]
        assert actions[0] == "vault.create"
        assert {
            "user.add",
            "cred.add",
            "cred.reveal",
            "user.remove",
            "auth.unlock",
            "auth.failed",
        } <= set(actions)
    finally:
        vault.close()
