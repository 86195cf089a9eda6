"""Someone who can write any row, but holds no passphrase that opens the current state.

Each test performs one of the attacks with raw SQL (on SQLite and on PostgreSQL) and shows the
product refuses or detects it, naming the row.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from pydantic import SecretStr

from itexit import locations
from itexit.domain.checklist import CaseKind, NewCase
from itexit.domain.credentials import NewCredential
from itexit.domain.errors import CheckFailed, IntegrityFailure, RollbackDetected
from itexit.domain.roles import Role
from itexit.domain.statements import NewListedPassword
from itexit.services import audit
from itexit.services.session import checkpoint_text
from itexit.vault import inbox
from itexit.vault.keys import KeyPair
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


def build(target: str) -> Vault:
    """The practice, after the IT person (a consultant) was removed; his keys kept aside."""
    v = populated(target, credentials=2)
    v.manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
    leaver = v.unlock(LEAVER, LEAVER_PASS)
    assert leaver.ctx.actor.keys is not None
    v.leaver_keys = leaver.ctx.actor.keys  # type: ignore[attr-defined]
    v.slots_before = v.rows("SELECT scope, epoch, holder, sealed FROM key_slots")  # type: ignore[attr-defined]
    v.manager.remove_user(LEAVER)
    return v


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    yield from opened(build(db_url))


def forget_witness() -> None:
    """A workstation that never opened this vault (or whose home was wiped)."""
    locations.witness_path().unlink(missing_ok=True)


# --- 1. a role, a row or a key changed in SQL ---------------------------------------------------


def test_a_viewer_made_manager_in_sql_is_refused_and_gets_no_key(vault: Vault) -> None:
    vault.sql("UPDATE users SET role = 'manager' WHERE name = :n", n=VIEWER)
    for name, passphrase in ((MANAGER, MANAGER_PASS), (VIEWER, VIEWER_PASS)):
        with pytest.raises(IntegrityFailure, match="users row for 'vic' says 'manager'"):
            vault.unlock(name, passphrase)
    # a manager already unlocked re-keys: refused before any key is sealed
    with pytest.raises(IntegrityFailure, match="users row for 'vic'"):
        vault.manager.add_user("newhire", Role.HR, "amber falcon ledger pebble 88")
    with pytest.raises(IntegrityFailure, match="users row for 'vic'"):
        vault.manager.remove_user(CONSULTANT)
    vic = vault.user_id(VIEWER)
    assert vault.scalar("SELECT count(*) FROM key_slots WHERE holder = :h", h=vic) == 0
    with pytest.raises(IntegrityFailure, match="users row for 'vic'"):
        vault.gw.verify_audit()


def test_a_user_row_inserted_in_sql_is_refused(vault: Vault) -> None:
    vault.sql(
        "INSERT INTO users (id, name, role, status, box_public, sign_public, wrapped_keys, "
        "kdf_memory_kib, kdf_time_cost, kdf_parallelism, kdf_salt, version, updated_at, "
        "updated_by, created_at) SELECT 'mallory-id', 'mallory', 'manager', 'active', "
        "box_public, sign_public, wrapped_keys, kdf_memory_kib, kdf_time_cost, "
        "kdf_parallelism, kdf_salt, 1, updated_at, 'x', created_at FROM users WHERE name = :n",
        n=LEAVER,
    )
    with pytest.raises(IntegrityFailure, match="users row for 'mallory' is not in the signed"):
        vault.unlock(MANAGER, MANAGER_PASS)
    with pytest.raises(IntegrityFailure, match="mallory"):
        vault.unlock("mallory", LEAVER_PASS)


def test_the_removed_person_reactivated_or_his_key_swapped_in_is_refused(vault: Vault) -> None:
    vault.sql("UPDATE users SET status = 'active' WHERE name = :n", n=LEAVER)
    with pytest.raises(IntegrityFailure, match="users row for 'ivan' says active, but"):
        vault.unlock(MANAGER, MANAGER_PASS)
    vault.sql("UPDATE users SET status = 'removed' WHERE name = :n", n=LEAVER)
    keys: KeyPair = vault.leaver_keys  # type: ignore[attr-defined]
    vault.sql(
        "UPDATE users SET box_public = :b, sign_public = :s WHERE name = :n",
        b=keys.box_public,
        s=keys.sign_public,
        n=CONSULTANT,
    )
    with pytest.raises(IntegrityFailure, match="users row for 'bob' holds public keys"):
        vault.unlock(MANAGER, MANAGER_PASS)


def test_an_unknown_status_gives_a_sentence(vault: Vault) -> None:
    vault.sql("UPDATE users SET status = 'superuser' WHERE name = :n", n=VIEWER)
    with pytest.raises(IntegrityFailure, match="users row for 'vic' has a status"):
        vault.unlock(MANAGER, MANAGER_PASS)


# --- 2. key tables and metadata put back from before the removal --------------------------------


def test_older_key_tables_and_metadata_are_refused(vault: Vault) -> None:
    old_slots: list[Any] = vault.slots_before  # type: ignore[attr-defined]
    epoch = vault.epoch()
    vault.sql("DELETE FROM key_slots")
    for scope, slot_epoch, holder, sealed in old_slots:
        vault.sql(
            "INSERT INTO key_slots (scope, epoch, holder, sealed) VALUES (:s, :e, :h, :b)",
            s=scope,
            e=slot_epoch,
            h=holder,
            b=sealed,
        )
    vault.sql("UPDATE vault_meta SET epoch = :e", e=epoch - 1)
    with pytest.raises(
        IntegrityFailure, match=f"vault_meta row says the vault's keys are at version {epoch - 1}"
    ):
        vault.unlock(MANAGER, MANAGER_PASS)
    with pytest.raises(IntegrityFailure, match="vault_meta row"):
        vault.unlock(LEAVER, LEAVER_PASS)
    with pytest.raises(IntegrityFailure, match="vault_meta row"):
        vault.gw.verify_audit()
    # only the slots rolled back: named by row
    vault.sql("UPDATE vault_meta SET epoch = :e", e=epoch)
    with pytest.raises(
        IntegrityFailure, match=r"key_slots row \d+ holds version \d+ of the vault's keys"
    ):
        vault.unlock(MANAGER, MANAGER_PASS)


def test_a_member_list_rolled_back_with_the_key_tables_is_caught(vault: Vault) -> None:
    """The list cut back to before the removal: the witness refuses it; a workstation with
    no witness is told by `audit verify`, which finds newer entries naming the lost change."""
    epoch = vault.epoch()
    last = int(vault.scalar("SELECT max(seq) FROM roster_entries"))
    vault.sql("DELETE FROM roster_entries WHERE seq = :s", s=last)
    with pytest.raises(RollbackDetected, match=f"change {last} is missing"):
        vault.unlock(MANAGER, MANAGER_PASS)
    forget_witness()
    verdict = vault.gw.verify_audit()
    assert not verdict.ok
    assert f"member-list change {last}" in str(verdict.reason)
    assert vault.epoch() == epoch


def test_a_slot_holding_a_substituted_key_is_refused(vault: Vault) -> None:
    """HPKE needs only the public key: a key of the attacker's choosing sealed to a manager
    would be taken as the scope key, and new secrets sealed under it; the list vouches."""
    from itexit.vault.keys import seal_to, slot_info

    manager = vault.user_id(MANAGER)
    box = vault.scalar("SELECT box_public FROM users WHERE name = :n", n=MANAGER)
    chosen = bytes(32)
    vault.sql(
        "UPDATE key_slots SET sealed = :b WHERE holder = :h AND scope = 'cred'",
        b=seal_to(
            bytes(box),
            chosen,
            slot_info(vault.manager.ctx.vault_id, "cred", vault.epoch(), manager),
        ),
        h=manager,
    )
    with pytest.raises(IntegrityFailure, match=r"key_slots row \d+ holds a cred key"):
        vault.unlock(MANAGER, MANAGER_PASS)


# --- 3. a credential's host and port pointed at a listener ------------------------------------


def test_a_secret_is_never_sent_to_a_host_changed_in_sql(vault: Vault) -> None:
    summary = vault.manager.credentials.add(
        NewCredential(
            system="Mail server",
            host="mail.practice.example.test",
            port=993,
            username="admin",
            secret=SecretStr("Canary-Endpoint-1"),
            verifier="imap",
        )
    )
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    try:
        vault.sql(
            "UPDATE credentials SET host = '127.0.0.1', port = :p WHERE id = :i",
            p=listener.getsockname()[1],
            i=summary.id,
        )
        with pytest.raises(IntegrityFailure, match=f"credentials row {summary.id} says host"):
            vault.manager.credentials.verify(summary.id)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
        vault.sql(
            "UPDATE credentials SET host = 'mail.practice.example.test', verifier = 'ssh', "
            "port = 993 WHERE id = :i",
            i=summary.id,
        )
        with pytest.raises(IntegrityFailure, match="says verifier is 'ssh'"):
            vault.manager.credentials.verify(summary.id)
    finally:
        listener.close()


# --- 4. the removed person re-signs the hand-over inbox key -----------------------------------


def test_a_removed_person_cannot_re_sign_the_hand_over_inbox(vault: Vault) -> None:
    case = vault.manager.cases.create(
        NewCase(name="Gary Thistle", kind=CaseKind.IT_EMPLOYEE, termination_date=date(2026, 11, 20))
    )
    vault.unlock(CONSULTANT, CONSULTANT_PASS)  # opens the new epoch's inbox
    hr = vault.unlock(HR_USER, HR_PASS)
    hr.statements.prepare(case.id)
    keys: KeyPair = vault.leaver_keys  # type: ignore[attr-defined]
    his_inbox = KeyPair.generate().box
    public = inbox.public_raw(his_inbox)
    epoch = vault.epoch()
    vault.sql(
        "UPDATE handover_keys SET public_key = :p, signer_key = :k, signature = :s "
        "WHERE key_epoch = :e",
        p=public.hex(),
        k=keys.sign_public.hex(),
        s=keys.signature(inbox.key_statement(vault.manager.ctx.vault_id, epoch, public)).hex(),
        e=epoch,
    )
    listed = NewListedPassword(system="Old NAS", username="gadmin", secret=SecretStr("Canary-HR-9"))
    with pytest.raises(IntegrityFailure, match="not signed by a manager or IT consultant"):
        hr.statements.add_password(case.id, listed)
    assert vault.scalar("SELECT count(*) FROM handover_entries") == 0


# --- 5. audit entries: authority, the actor's name, unsigned rows -----------------------------


def _forge(vault: Vault, signer: KeyPair | None, **fields: Any) -> int:
    with vault.gw.store.sessions() as session, session.begin():
        return audit.append(
            session,
            vault_id=vault.manager.ctx.vault_id,
            epoch=vault.epoch(),
            signer=signer,
            **fields,
        ).seq


def test_audit_entries_need_the_role_and_the_name_the_key_proves(vault: Vault) -> None:
    consultant = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    keys = consultant.ctx.actor.keys
    forget_witness()
    head = vault.gw.verify_audit().head_seq
    seq = _forge(
        vault,
        keys,
        actor_id=vault.user_id(CONSULTANT),
        actor_name=CONSULTANT,
        action="user.add",
        target="mallory",
        details={"role": "manager"},
    )
    verdict = vault.gw.verify_audit()
    assert (verdict.ok, verdict.first_bad_seq) == (False, seq)
    assert "an IT consultant may not make the change it records" in str(verdict.reason)
    vault.sql("DELETE FROM audit_events WHERE seq > :s", s=head)
    forget_witness()
    seq = _forge(
        vault,
        keys,
        actor_id=vault.user_id(CONSULTANT),
        actor_name=MANAGER,
        action="cred.reveal",
        target="System0",
    )
    verdict = vault.gw.verify_audit()
    assert verdict.first_bad_seq == seq and "bob's" in str(verdict.reason)
    vault.sql("DELETE FROM audit_events WHERE seq > :s", s=head)
    forget_witness()
    seq = _forge(
        vault,
        None,
        actor_id=vault.user_id(MANAGER),
        actor_name=MANAGER,
        action="auth.failed",
        target=MANAGER,
    )
    verdict = vault.gw.verify_audit()
    assert verdict.first_bad_seq == seq and "names alice" in str(verdict.reason)


def test_failed_unlocks_name_nobody(vault: Vault) -> None:
    from itexit.domain.errors import AuthenticationFailed

    with pytest.raises(AuthenticationFailed):
        vault.unlock(MANAGER, "not the passphrase at all 00")
    verdict = vault.gw.verify_audit()
    assert verdict.ok and verdict.unsigned_rows >= 1
    events = vault.manager.recent_audit(limit=5)
    failed = next(e for e in events if e.action == "auth.failed")
    assert failed.actor == "(unauthenticated)"
    assert {e.actor for e in events if e.action != "auth.failed"} <= {MANAGER, LEAVER}


# --- 7. witness and checkpoints ---------------------------------------------------------------


def test_audit_verify_creates_the_witness_and_says_when_it_had_no_anchor(vault: Vault) -> None:
    forget_witness()
    first = vault.gw.verify_audit()
    assert first.ok and first.anchor == ""
    assert json.loads(locations.witness_path().read_text())[vault.manager.ctx.vault_id]["seq"] == (
        first.head_seq
    )
    assert vault.gw.verify_audit().anchor == "witness"
    vault.sql("DELETE FROM audit_events WHERE seq > :s", s=first.head_seq - 3)
    with pytest.raises(RollbackDetected, match=f"entry {first.head_seq}"):
        vault.gw.verify_audit()


def test_an_empty_log_on_a_vault_with_members_is_refused(vault: Vault) -> None:
    vault.sql("DELETE FROM audit_events")
    forget_witness()
    verdict = vault.gw.verify_audit()
    assert not verdict.ok and "empty" in str(verdict.reason)


def test_a_printed_checkpoint_catches_an_older_copy(vault: Vault) -> None:
    text = checkpoint_text(vault.manager.checkpoint())
    assert vault.gw.verify_audit(text).anchor == "checkpoint"
    head = vault.gw.verify_audit().head_seq
    vault.sql("DELETE FROM audit_events WHERE seq > :s", s=head - 2)
    forget_witness()  # a workstation that never saw it
    with pytest.raises(CheckFailed, match=f"does not hold entry {head}"):
        vault.gw.verify_audit(text)
    # a checkpoint edited to match is not signed by its signer any more
    forged = json.loads(text)
    forged["seq"] = head - 2
    forged["hash"] = vault.scalar("SELECT hash FROM audit_events WHERE seq = :s", s=head - 2)
    with pytest.raises(CheckFailed, match="not signed by alice"):
        vault.gw.verify_audit(json.dumps(forged))


# --- 6. plain columns a reader relies on ------------------------------------------------------


def test_status_and_rotation_flags_edited_in_sql_are_refused(vault: Vault) -> None:
    """Marking a credential rotated, or not due, in SQL would silence the rotation campaign."""
    cred_id = vault.scalar("SELECT id FROM credentials WHERE system = 'System0'")
    assert any(i.summary.id == cred_id for i in vault.manager.credentials.campaign().items)
    vault.sql(
        "UPDATE credentials SET rotation_due = :f, known_to_departing = :f WHERE id = :i",
        f=False,
        i=cred_id,
    )
    # the campaign keeps it, at its worst, and will not change it until it is put back
    kept = [
        i.summary for i in vault.manager.credentials.campaign().items if i.summary.id == cred_id
    ]
    assert [(r.changed_outside, r.rotation_due, r.known_to_departing) for r in kept] == [
        (True, True, True)
    ]
    assert cred_id not in vault.manager.changing.due()[0]
    consultant = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    with pytest.raises(IntegrityFailure, match=f"credentials row {cred_id}"):
        consultant.credentials.verify(cred_id, attest="Logged in by hand")


def test_a_system_renamed_in_sql_never_reveals_its_secret(vault: Vault) -> None:
    cred_id = vault.scalar("SELECT id FROM credentials WHERE system = 'System0'")
    vault.sql("UPDATE credentials SET system = 'Payroll portal' WHERE id = :i", i=cred_id)
    with pytest.raises(IntegrityFailure, match=f"credentials row {cred_id} does not match"):
        vault.manager.credentials.reveal("Payroll portal")


def test_an_unknown_value_in_a_plain_column_is_a_sentence(vault: Vault) -> None:
    from itexit.domain.checklist import CaseKind, NewCase

    cred_id = vault.scalar("SELECT id FROM credentials WHERE system = 'System0'")
    vault.sql("UPDATE credentials SET status = 'hacked' WHERE id = :i", i=cred_id)
    # a key holder's list checks the status against the sealed record: the row is kept, named
    # as changed outside itexit, with a status itexit knows
    row = next(r for r in vault.manager.credentials.list() if r.id == cred_id)
    assert row.changed_outside and row.status.value == "unverified"
    with pytest.raises(IntegrityFailure, match=f"credentials row {cred_id} has a status"):
        vault.manager.credentials.detail(cred_id)
    # a viewer holds no key, but a value itexit never writes is plainly changed: the row is
    # kept, at its worst, and the rest of the list still reads
    viewer = vault.unlock(VIEWER, VIEWER_PASS)
    seen = {r.id: r for r in viewer.credentials.list()}
    assert len(seen) > 1 and seen[cred_id].changed_outside and seen[cred_id].rotation_due
    case = vault.manager.cases.create(
        NewCase(name="Gary Thistle", kind=CaseKind.IT_EMPLOYEE, termination_date=date(2026, 11, 20))
    )
    vault.sql("UPDATE cases SET status = 'gone' WHERE id = :i", i=case.id)
    with pytest.raises(IntegrityFailure, match=f"cases row {case.id} has a status"):
        vault.manager.cases.list()
