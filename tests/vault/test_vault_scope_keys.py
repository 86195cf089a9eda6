"""`ScopeKeys`: the one object that holds scope keys, in the formats the vault always wrote."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from itexit.domain.errors import IntegrityFailure, PermissionDenied
from itexit.vault import inbox
from itexit.vault.keys import KeyPair, fingerprint, new_scope_key, open_slot, slot_info
from itexit.vault.mail_records import MessageSealer
from itexit.vault.records import RecordAddress, decrypt_document, encrypt_document
from itexit.vault.roster import key_commitment
from itexit.vault.scope_keys import ScopeKeys

VAULT = "7d0c2a4e-0000-4000-8000-000000000001"
SERVICES = Path(__file__).resolve().parents[2] / "src" / "itexit" / "services"


def address(**change: object) -> RecordAddress:
    fields: dict[str, object] = {
        "vault_id": VAULT,
        "table": "credentials",
        "record_id": "c1",
        "version": 3,
        "scope": "cred",
        "epoch": 2,
        "labels": {"system": "EHR"},
    }
    fields.update(change)
    return RecordAddress(**fields)  # type: ignore[arg-type]


def test_documents_are_byte_compatible_with_the_record_format() -> None:
    """What `ScopeKeys` seals opens with the plain record functions and the other way round,
    so every vault written before opens as it did."""
    raw = new_scope_key()
    keys = ScopeKeys({("cred", 2): bytearray(raw)})
    document = {"username": "frontdesk", "secret": "Canary-7"}
    assert decrypt_document(raw, address(), keys.seal(("cred", 2), address(), document)) == document
    assert keys.open(("cred", 2), address(), encrypt_document(raw, address(), document)) == document
    with pytest.raises(IntegrityFailure):  # bound to its address, as before
        keys.open(("cred", 2), address(version=4), keys.seal(("cred", 2), address(), document))
    assert keys.fingerprint(("cred", 2), "c1\x00s3cret") == fingerprint(raw, "c1\x00s3cret")
    assert keys.commitment(("cred", 2), VAULT) == key_commitment(VAULT, "cred", 2, raw)
    assert keys.commitments(VAULT, 2) == {"cred": key_commitment(VAULT, "cred", 2, raw)}
    assert keys.commitments(VAULT, 3) == {}


def test_slots_bulk_sealer_and_inbox_are_the_vaults_formats() -> None:
    raw = new_scope_key()
    keys = ScopeKeys({("cred", 2): bytearray(raw)})
    member = KeyPair.generate()
    sealed = keys.seal_to(("cred", 2), member.box_public, VAULT, "u1")
    assert open_slot(member.box, sealed, slot_info(VAULT, "cred", 2, "u1")) == raw
    reopened = ScopeKeys.from_slots(member.box, VAULT, "u1", [("cred", 2, sealed)])
    assert reopened.reveal(("cred", 2)) == raw and list(reopened) == [("cred", 2)]
    with pytest.raises(IntegrityFailure):  # a slot moved to another holder does not open
        ScopeKeys.from_slots(member.box, VAULT, "u2", [("cred", 2, sealed)])
    ours = keys.message_sealer(("cred", 2), VAULT, "mail_messages")
    theirs = MessageSealer(raw, VAULT, 2, "mail_messages")
    aad = ours.aad(5, "m1", "INBOX", 9, 12)
    assert aad == theirs.aad(5, "m1", "INBOX", 9, 12)
    assert theirs.open(ours.seal({"subject": "Renewal"}, aad), aad) == {"subject": "Renewal"}
    derived = keys.inbox_key(("cred", 2), VAULT)
    assert derived.public == inbox.public_raw(inbox.derive_inbox_key(raw, VAULT))
    assert inbox.InboxKey.from_document(derived.document()).public == derived.public
    info = inbox.entry_info(VAULT, 2, "e1")
    entry = inbox.seal_entry(derived.public, {"system": "NAS"}, info)
    assert derived.open_entry(entry, info) == {"system": "NAS"}


def test_a_key_not_held_is_refused_in_a_sentence() -> None:
    keys = ScopeKeys({("cred", 2): new_scope_key()})
    assert keys.holds(("cred", 2)) and not keys.holds(("cred", 1)) and not keys.holds(("hr", 2))
    assert keys.holds_scope("cred") and not keys.holds_scope("hr")
    for call in (
        lambda: keys.require(("hr", 2)),
        lambda: keys.seal(("hr", 2), address(), {}),
        lambda: keys.fingerprint(("hr", 2), "x"),
        lambda: keys.inbox_key(("hr", 2), VAULT),
    ):
        with pytest.raises(PermissionDenied, match="Your role cannot open the HR records"):
            call()


def test_copies_are_their_own_and_wiping_overwrites() -> None:
    """A role's share (`only`) and an adopted set (`replace`) are copies: wiping one leaves
    the keys of the other intact; `wipe` overwrites every buffer it held."""
    generated = ScopeKeys.generate(["cred", "hr"], 3)
    cred = generated.reveal(("cred", 3))
    assert len(cred) == 32 and any(cred)
    share = generated.only(["cred"])
    assert list(share) == [("cred", 3)]
    held = ScopeKeys()
    held.replace(share)
    buffers = [share.reveal(("cred", 3)), held.reveal(("cred", 3))]
    share.wipe()
    assert not any(buffers[0]) and len(share) == 0
    assert held.reveal(("cred", 3)) == cred and any(generated.reveal(("cred", 3)))
    held.wipe()
    assert not any(buffers[1])


def test_no_service_handles_a_key_byte() -> None:
    """Services seal, open and fingerprint through the vault; none asks for a key's bytes."""
    asks = re.compile(
        r"\.reveal\(|scope_key\(|\._keys\b|\bnew_scope_key\b|\bopen_slot\b|(?<!\.)\bseal_to\("
    )
    offenders = [
        str(path.relative_to(SERVICES))
        for path in SERVICES.rglob("*.py")
        if asks.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert asks.search("key = ctx.keys.reveal(('cred', 1))")
