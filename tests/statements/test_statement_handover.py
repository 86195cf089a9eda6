"""Passwords listed in an exit statement travel sealed from HR to the credential inventory."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from statement_helpers import Practice

from itexit.domain.credentials import CredentialStatus, Source
from itexit.domain.errors import BadInput, IntegrityFailure
from itexit.domain.roles import Role
from itexit.domain.statements import NewListedPassword
from itexit.services.credentials.handover import pending_count, receive
from itexit.vault.inbox import derive_inbox_key, entry_info, open_entry
from vaulthelpers import LEAVER, LEAVER_PASS, MANAGER2, MANAGER2_PASS

SECRET = "Canary-Handover-7f3k!"


def listed(system: str = "Old NAS", secret: str = SECRET) -> NewListedPassword:
    return NewListedPassword(
        system=system, username="gadmin", secret=SecretStr(secret), note="in the comms cupboard"
    )


def test_a_listed_password_becomes_an_unverified_credential(practice: Practice) -> None:
    hr = practice.hr.statements
    hr.prepare(practice.case_id)
    statement = hr.add_password(practice.case_id, listed())
    assert [(p.system, p.username, p.in_inventory) for p in statement.passwords] == [
        ("Old NAS", "gadmin", False)
    ]
    # HR cannot drain (no cred key): nothing happens
    assert receive(practice.hr.ctx) == 0
    assert receive(practice.viewer.ctx) == 0
    assert pending_count(practice.consultant.ctx) == 1

    assert receive(practice.consultant.ctx) == 1
    creds = {c.system: c for c in practice.consultant.credentials.list()}
    nas = creds["Old NAS"]
    assert nas.source is Source.EXIT_STATEMENT
    assert nas.status is CredentialStatus.UNVERIFIED
    assert nas.known_to_departing and nas.rotation_due
    assert practice.consultant.credentials.reveal("Old NAS") == SECRET
    assert practice.consultant.credentials.reveal("Old NAS", "username") == "gadmin"
    assert "comms cupboard" in practice.consultant.credentials.reveal("Old NAS", "notes")
    # opened once: the entry is gone, a second drain adds nothing
    assert pending_count(practice.consultant.ctx) == 0
    assert receive(practice.manager.ctx) == 0
    assert [c.system for c in practice.manager.credentials.list()].count("Old NAS") == 1
    # HR sees it reached the inventory, never the secret
    after = hr.get(practice.case_id)
    assert after.passwords[0].in_inventory
    assert SECRET not in after.model_dump_json()
    actions = [e.action for e in practice.manager.recent_audit(limit=10)]
    assert "handover.drain" in actions and "cred.add" in actions
    assert practice.manager.verify_audit().ok


def test_empty_password_or_system_is_refused(practice: Practice) -> None:
    practice.hr.statements.prepare(practice.case_id)
    with pytest.raises(BadInput, match="Type the password for NAS"):
        practice.hr.statements.add_password(practice.case_id, listed("NAS", ""))
    with pytest.raises(BadInput, match="Name the system"):
        practice.hr.statements.add_password(practice.case_id, listed(" ", "x"))
    assert pending_count(practice.manager.ctx) == 0


def test_a_hand_over_survives_a_user_removal(practice: Practice) -> None:
    vault = practice.vault
    vault.manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
    vault.manager.add_user(MANAGER2, Role.MANAGER, MANAGER2_PASS)
    practice.hr.statements.prepare(practice.case_id)
    practice.hr.statements.add_password(practice.case_id, listed())
    old_epoch = vault.epoch()
    vault.manager.remove_user(LEAVER)
    assert vault.epoch() == old_epoch + 1
    # until someone holding the new cred key unlocks, HR is told plainly what to do
    hr = vault.unlock("hana", "granite lantern mosaic thistle 19")
    hr.statements.add_property(practice.case_id, "Laptop")
    with pytest.raises(BadInput, match="ask a practice manager or the IT consultant to unlock"):
        hr.statements.add_password(practice.case_id, listed("Router", "second-secret"))
    # another manager unlocks: the new epoch's inbox opens; the old entry still opens
    dora = vault.unlock(MANAGER2, MANAGER2_PASS)
    hr.statements.add_password(practice.case_id, listed("Router", "second-secret"))
    assert receive(dora.ctx) == 2
    assert dora.credentials.reveal("Old NAS") == SECRET
    assert dora.credentials.reveal("Router") == "second-secret"
    # the emptied old-epoch inbox key is gone; only the current one remains
    assert [r[0] for r in vault.rows("SELECT key_epoch FROM handover_keys")] == [old_epoch + 1]
    assert dora.verify_audit().ok


def test_an_inbox_key_swapped_in_sql_is_refused(practice: Practice) -> None:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from itexit.vault.inbox import public_raw

    practice.hr.statements.prepare(practice.case_id)
    attacker = public_raw(X25519PrivateKey.generate()).hex()
    practice.vault.sql("UPDATE handover_keys SET public_key = :p", p=attacker)
    with pytest.raises(IntegrityFailure, match="not signed by a manager or IT consultant"):
        practice.hr.statements.add_password(practice.case_id, listed())
    assert pending_count(practice.manager.ctx) == 0


def test_a_sealed_entry_moved_or_altered_does_not_open(practice: Practice) -> None:
    practice.hr.statements.prepare(practice.case_id)
    practice.hr.statements.add_password(practice.case_id, listed("A", "first"))
    practice.hr.statements.add_password(practice.case_id, listed("B", "second"))
    rows = practice.vault.rows("SELECT id, sealed FROM handover_entries ORDER BY created_at")
    # copy A's ciphertext over B: bound to its entry id, it no longer opens
    practice.vault.sql(
        "UPDATE handover_entries SET sealed = :s WHERE id = :i", s=rows[0][1], i=rows[1][0]
    )
    # B no longer opens and stays waiting; A still arrives, and the list keeps working
    assert receive(practice.consultant.ctx) == 1
    systems = {c.system for c in practice.consultant.credentials.list()}
    assert len(systems) == 2 and systems - {"System0"} <= {"A", "B"}
    assert pending_count(practice.consultant.ctx) == 1
    # the vault-level check: bound to its entry id, the copied ciphertext does not open
    ctx = practice.consultant.ctx
    private = derive_inbox_key(ctx.keys.reveal(("cred", ctx.epoch)), ctx.vault_id)
    assert open_entry(private, rows[0][1], entry_info(ctx.vault_id, ctx.epoch, rows[0][0]))
    with pytest.raises(IntegrityFailure, match="does not open"):
        open_entry(private, rows[0][1], entry_info(ctx.vault_id, ctx.epoch, rows[1][0]))


def test_listing_the_credentials_only_reads_receiving_is_its_own_use_case(
    practice: Practice,
) -> None:
    """`credentials.list` never writes: the hand-over waits until someone receives it."""
    practice.hr.statements.prepare(practice.case_id)
    practice.hr.statements.add_password(practice.case_id, listed())
    consultant = practice.consultant
    audit_rows = practice.vault.scalar("SELECT count(*) FROM audit_events")
    for _ in range(2):
        assert "Old NAS" not in {c.system for c in consultant.credentials.list()}
    assert practice.vault.scalar("SELECT count(*) FROM audit_events") == audit_rows
    assert practice.vault.scalar("SELECT count(*) FROM handover_entries") == 1
    assert consultant.handovers_waiting() == 1
    assert practice.hr.handovers_waiting() == 0  # HR cannot open it: nothing to offer
    assert practice.hr.receive_handovers() == 0
    assert consultant.receive_handovers() == 1
    assert "Old NAS" in {c.system for c in consultant.credentials.list()}
    assert consultant.handovers_waiting() == 0


def test_receiving_is_one_unit_of_work_a_failed_entry_undoes_the_others(
    practice: Practice,
) -> None:
    """Each credential is added by the credentials' own use case, joined to the receipt's
    transaction: when one cannot be added, none is, and every entry still waits."""
    from itexit.vault import inbox

    practice.hr.statements.prepare(practice.case_id)
    practice.hr.statements.add_password(practice.case_id, listed("Good NAS"))
    key_id, key_epoch, public = practice.vault.rows(
        "SELECT id, key_epoch, public_key FROM handover_keys"
    )[0]
    statement_id = practice.vault.scalar("SELECT id FROM exit_statements")
    entry_id = "00000000-0000-4000-8000-00000000bad0"
    sealed = inbox.seal_entry(  # sealed properly, but naming no system: adding it fails
        bytes.fromhex(public),
        {"system": " ", "username": "x", "secret": "y", "note": ""},
        inbox.entry_info(practice.consultant.ctx.vault_id, key_epoch, entry_id),
    )
    practice.vault.sql(
        "INSERT INTO handover_entries (id, key_id, statement_id, sealed, created_by, created_at)"
        " VALUES (:i, :k, :s, :x, 'hana', '2099-01-01 00:00:00')",
        i=entry_id,
        k=key_id,
        s=statement_id,
        x=sealed,
    )
    credentials = practice.vault.scalar("SELECT count(*) FROM credentials")
    with pytest.raises(BadInput):
        practice.consultant.receive_handovers()
    assert practice.vault.scalar("SELECT count(*) FROM credentials") == credentials
    assert practice.vault.scalar("SELECT count(*) FROM handover_entries") == 2
    assert practice.manager.verify_audit().ok
