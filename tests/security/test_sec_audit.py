"""The audit log: any edit, deletion, reordering or forged row is caught at the first bad entry."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select

from itexit import locations
from itexit.domain.errors import CheckFailed, RollbackDetected
from itexit.domain.roles import Role
from itexit.services import audit
from itexit.store.models import AuditRow
from itexit.vault.keys import KeyPair
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    LEAVER,
    LEAVER_PASS,
    MANAGER,
    MANAGER_PASS,
    Vault,
    opened,
    populated,
)

COLUMNS = [c.name for c in AuditRow.__table__.columns]


def build(target: str | Path) -> Vault:
    v = populated(target, credentials=2)
    v.manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
    leaver = v.unlock(LEAVER, LEAVER_PASS)
    leaver.credentials.reveal("System0")
    v.leaver_keys = leaver.ctx.actor.keys  # type: ignore[attr-defined]
    v.manager.remove_user(LEAVER)
    v.unlock(CONSULTANT, CONSULTANT_PASS).credentials.reveal("System1")
    assert v.manager.verify_audit().ok
    return v


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    yield from opened(build(db_url))


@pytest.fixture
def file_vault(tmp_path: Path) -> Iterator[Vault]:
    """SQLite only, for checks that do not depend on the backend."""
    yield from opened(build(tmp_path / "vault.sqlite"))


def snapshot(vault: Vault) -> list[dict[str, Any]]:
    with vault.gw.store.engine.connect() as conn:
        rows = conn.execute(select(AuditRow.__table__).order_by(AuditRow.seq)).all()
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def restore(vault: Vault, rows: list[dict[str, Any]]) -> None:
    with vault.gw.store.engine.begin() as conn:
        conn.execute(delete(AuditRow.__table__))
        conn.execute(insert(AuditRow.__table__), rows)


def seq_of(rows: list[dict[str, Any]], action: str) -> int:
    return next(r["seq"] for r in rows if r["action"] == action)


def forge(vault: Vault, signer: KeyPair | None, **fields: Any) -> int:
    """Append a row the way the app does (correct chain and hash), signed by `signer`."""
    meta_vault_id = vault.manager.ctx.vault_id
    with vault.gw.store.sessions() as session, session.begin():
        row = audit.append(
            session,
            vault_id=meta_vault_id,
            epoch=fields.pop("epoch", 2),
            actor_id=fields.pop("actor_id"),
            actor_name=fields.pop("actor_name"),
            action=fields.pop("action"),
            target=fields.pop("target", ""),
            details=fields.pop("details", {}),
            signer=signer,
        )
        return row.seq


Case = Callable[[Vault, list[dict[str, Any]]], int]


def edit_details(v: Vault, rows: list[dict[str, Any]]) -> int:
    seq = seq_of(rows, "user.add")
    details = json.loads(rows[seq - 1]["details"])
    details["role"] = "viewer"
    v.sql(
        "UPDATE audit_events SET details = :d WHERE seq = :s",
        d=json.dumps(details, sort_keys=True, separators=(",", ":")),
        s=seq,
    )
    return seq


def edit_action(v: Vault, rows: list[dict[str, Any]]) -> int:
    seq = seq_of(rows, "cred.reveal")
    v.sql("UPDATE audit_events SET action = 'auth.unlock' WHERE seq = :s", s=seq)
    return seq


def edit_target(v: Vault, rows: list[dict[str, Any]]) -> int:
    seq = seq_of(rows, "user.remove")
    v.sql("UPDATE audit_events SET target = 'somebody-else' WHERE seq = :s", s=seq)
    return seq


def edit_time(v: Vault, rows: list[dict[str, Any]]) -> int:
    seq = seq_of(rows, "cred.add")
    v.sql("UPDATE audit_events SET at = '2020-01-01T00:00:00.000000+00:00' WHERE seq = :s", s=seq)
    return seq


def edit_and_rehash(v: Vault, rows: list[dict[str, Any]]) -> int:
    """Change a row and recompute its hash: the next row no longer follows it."""
    seq = seq_of(rows, "user.remove")
    with v.gw.store.sessions() as session, session.begin():
        row = session.get(AuditRow, seq)
        assert row is not None
        row.target = "somebody-else"
        row.hash = audit._row_hash(row)
    # the signature no longer matches the new hash: caught at the row itself
    return seq


def delete_middle(v: Vault, rows: list[dict[str, Any]]) -> int:
    seq = seq_of(rows, "user.remove")
    v.sql("DELETE FROM audit_events WHERE seq = :s", s=seq)
    return seq + 1


def delete_first(v: Vault, rows: list[dict[str, Any]]) -> int:
    v.sql("DELETE FROM audit_events WHERE seq = 1")
    return 2


def swap_seq(v: Vault, rows: list[dict[str, Any]]) -> int:
    a = seq_of(rows, "user.add")
    b = a + 1
    v.sql("UPDATE audit_events SET seq = -1 WHERE seq = :a", a=a)
    v.sql("UPDATE audit_events SET seq = :a WHERE seq = :b", a=a, b=b)
    v.sql("UPDATE audit_events SET seq = :b WHERE seq = -1", b=b)
    return a


def forged_by_fresh_key(v: Vault, rows: list[dict[str, Any]]) -> int:
    return forge(
        v,
        KeyPair.generate(),
        actor_id=v.user_id(MANAGER),
        actor_name=MANAGER,
        action="user.add",
        target="mallory",
        details={"subject_id": "x", "role": "manager", "sign_key": "00" * 32},
    )


def forged_by_removed_user(v: Vault, rows: list[dict[str, Any]]) -> int:
    keys = v.leaver_keys  # type: ignore[attr-defined]
    return forge(
        v,
        keys,
        actor_id=str(v.scalar("SELECT id FROM users WHERE name = :n", n=LEAVER)),
        actor_name=LEAVER,
        action="cred.reveal",
        target="System0",
    )


def forged_in_the_middle(v: Vault, rows: list[dict[str, Any]]) -> int:
    """Renumber the tail up by one and slot a fresh-key row in after `user.add`."""
    at = seq_of(rows, "user.add") + 1
    for seq in sorted((r["seq"] for r in rows if r["seq"] >= at), reverse=True):
        v.sql("UPDATE audit_events SET seq = :n WHERE seq = :s", n=seq + 1, s=seq)
    forger = KeyPair.generate()
    prev = rows[at - 2]
    row = AuditRow(
        seq=at,
        at=prev["at"],
        actor_id=prev["actor_id"],
        actor_name=prev["actor_name"],
        action="cred.add",
        target="Backdoor",
        details="{}",
        epoch=prev["epoch"],
        prev_hash=prev["hash"],
        signer_key=forger.sign_public.hex(),
    )
    row.hash = audit._row_hash(row)
    row.signature = forger.signature(audit._SIGN_DOMAIN + bytes.fromhex(row.hash)).hex()
    with v.gw.store.sessions() as session, session.begin():
        session.add(row)
    return at


def flipped_signature(v: Vault, rows: list[dict[str, Any]]) -> int:
    seq = seq_of(rows, "cred.add")
    sig = rows[seq - 1]["signature"]
    v.sql(
        "UPDATE audit_events SET signature = :g WHERE seq = :s",
        g=("0" if sig[0] != "0" else "1") + sig[1:],
        s=seq,
    )
    return seq


def signer_swapped(v: Vault, rows: list[dict[str, Any]]) -> int:
    seq = seq_of(rows, "cred.add")
    consultant_row = next(r for r in rows if r["actor_name"] == CONSULTANT and r["signer_key"])
    v.sql(
        "UPDATE audit_events SET signer_key = :k WHERE seq = :s",
        k=consultant_row["signer_key"],
        s=seq,
    )
    return seq


CASES: list[Case] = [
    edit_details,
    edit_action,
    edit_target,
    edit_time,
    edit_and_rehash,
    delete_middle,
    delete_first,
    swap_seq,
    forged_by_fresh_key,
    forged_by_removed_user,
    forged_in_the_middle,
    flipped_signature,
    signer_swapped,
]


def test_tampering_is_caught_at_the_first_bad_row(vault: Vault) -> None:
    original = snapshot(vault)
    assert {"vault.create", "user.add", "cred.add", "cred.reveal", "user.remove"} <= {
        r["action"] for r in original
    }
    problems: list[str] = []
    for case in CASES:
        expected = case(vault, original)
        # the chain's own checks, without the witness (which catches some of these first)
        locations.witness_path().unlink(missing_ok=True)
        verdict = vault.manager.verify_audit()
        if verdict.ok or verdict.first_bad_seq != expected:
            problems.append(f"{case.__name__}: expected bad entry {expected}, got {verdict}")
        elif not verdict.reason:
            problems.append(f"{case.__name__}: no reason given")
        restore(vault, original)
        assert vault.manager.verify_audit().ok, f"restore after {case.__name__} failed"
    assert problems == []


def test_checkpoint_refuses_a_broken_chain(file_vault: Vault) -> None:
    good = file_vault.manager.checkpoint()
    assert good.seq == file_vault.manager.verify_audit().head_seq
    file_vault.sql("UPDATE audit_events SET target = 'x' WHERE seq = 2")
    with pytest.raises(CheckFailed, match="entry 2"):
        file_vault.manager.checkpoint()


def test_garbage_in_a_row_is_reported_not_raised(vault: Vault) -> None:
    """Unreadable values are tampering too: verify names the row instead of crashing."""
    original = snapshot(vault)
    cases: list[tuple[str, str, Any, int]] = [
        ("signature", "not-hex", 3, 3),
        ("signature", "abc", 3, 3),
        ("signature", "", 3, 3),
        ("details", "{not json", 4, 4),
    ]
    problems: list[str] = []
    for column, value, seq, expected in cases:
        vault.sql(f"UPDATE audit_events SET {column} = :v WHERE seq = :s", v=value, s=seq)
        try:
            verdict = vault.manager.verify_audit()
        except Exception as exc:
            problems.append(f"{column}={value!r}: raised {type(exc).__name__}: {exc}")
        else:
            if verdict.ok or verdict.first_bad_seq != expected:
                problems.append(f"{column}={value!r}: {verdict}")
        restore(vault, original)
    # the first row rewritten with a re-computed hash and details that are not an object
    with vault.gw.store.sessions() as session, session.begin():
        row = session.get(AuditRow, 1)
        assert row is not None
        row.details = "[]"
        row.hash = audit._row_hash(row)
    try:
        verdict = vault.manager.verify_audit()
    except Exception as exc:
        problems.append(f"details=[] on entry 1: raised {type(exc).__name__}: {exc}")
    else:
        if verdict.ok or verdict.first_bad_seq != 1:
            problems.append(f"details=[] on entry 1: {verdict}")
    restore(vault, original)
    assert problems == []


def test_cutting_off_the_newest_rows_is_caught_by_the_witness(file_vault: Vault) -> None:
    head = file_vault.manager.verify_audit().head_seq
    file_vault.sql("DELETE FROM audit_events WHERE seq > :s", s=head - 2)
    # the chain that is left is internally consistent, but this workstation has seen a
    # longer one: `audit verify` and the unlock both refuse it
    with pytest.raises(RollbackDetected, match=f"entry {head}"):
        file_vault.manager.verify_audit()
    with pytest.raises(RollbackDetected):
        file_vault.gw.verify_audit()
    with pytest.raises(RollbackDetected):
        file_vault.unlock(MANAGER, MANAGER_PASS)
