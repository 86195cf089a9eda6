"""The signed member list: who may unlock, in which role, with which keys, at which key epoch.

Every change is one entry: a canonical JSON body naming the vault, its place in the chain, the
previous entry's hash, what changed and who signed it, then an Ed25519 signature over the
body's hash. The first entry (`found`) lists the members at that moment and the recovery kit's
public keys; each later entry must be signed by a manager who is a member just before it (or
by the recovery kit). Replaying the chain gives the one state every decision is taken from;
the tables beside it are checked against it, never trusted on their own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from itexit.domain.errors import IntegrityFailure
from itexit.vault import aead
from itexit.vault.keys import KeyPair, verify_signature

DOMAIN = b"itexit.roster.v1\x00"
KIT_DOMAIN = b"itexit.roster.kit.v1\x00"
RECOVERY = "recovery"
"""The signer id of the recovery kit, which acts with a manager's authority."""
MANAGER = "manager"
ROLES = frozenset({"manager", "consultant", "hr", "viewer"})
KINDS = frozenset({"found", "add", "remove", "keys", "bound"})
BINDING_LEVEL = 2
"""How completely the vault's records bind their plain states, once a manager vouched for it:
1, every record seals its bound columns; 2, each credential also carries a tag of its states
and every closed task's history seals its status. Below the current level, a manager's unlock
binds what is missing and signs the new level; at it, a record without its binding is refused."""


class RosterBroken(IntegrityFailure):
    """The chain of member-list changes does not verify; `seq` names the first bad change."""

    def __init__(self, seq: int, reason: str) -> None:
        self.seq = seq
        self.reason = reason
        super().__init__(
            f"The signed member list is broken at change {seq}: {reason}. Nothing was "
            "unlocked; restore the vault from a backup."
        )


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    role: str
    box: bytes
    sign: bytes

    def as_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "box": self.box.hex(),
            "sign": self.sign.hex(),
        }

    @classmethod
    def from_json(cls, value: Any) -> Member:
        if not isinstance(value, dict):
            raise ValueError("a member is not an object")
        member = cls(
            id=str(value["id"]),
            name=str(value["name"]),
            role=str(value["role"]),
            box=bytes.fromhex(str(value["box"])),
            sign=bytes.fromhex(str(value["sign"])),
        )
        if member.role not in ROLES or len(member.box) != 32 or len(member.sign) != 32:
            raise ValueError("a member has an unknown role or a key of the wrong length")
        return member


@dataclass(frozen=True)
class StoredEntry:
    """One row of the member list as read from the database."""

    seq: int
    body: str
    hash: str
    signature: str
    kit_signature: str = ""


@dataclass(frozen=True)
class RosterState:
    """The member list after some number of changes."""

    vault_id: str
    seq: int
    head: str
    root: str
    epoch: int
    recovery_box: bytes
    recovery_sign: bytes
    members: Mapping[str, Member]
    key_ids: Mapping[str, str] = field(default_factory=dict)
    """Each scope key of the current epoch, by `key_commitment`."""
    former: Mapping[str, Member] = field(default_factory=dict)
    kit_countersigned: bool = False
    bound: int = 0
    """The binding level a manager signed (`BINDING_LEVEL`); 0 for a vault that never did."""

    def member_named(self, name: str) -> Member | None:
        return next((m for m in self.members.values() if m.name == name), None)

    def signer_key(self, signer: str) -> bytes | None:
        """The signing key of a member (or the kit) who may change the list now."""
        if signer == RECOVERY:
            return self.recovery_sign
        member = self.members.get(signer)
        return member.sign if member is not None and member.role == MANAGER else None

    def everyone(self) -> dict[str, Member]:
        return {**self.former, **self.members}


def entry_hash(body: str) -> str:
    return hashlib.sha256(DOMAIN + body.encode()).hexdigest()


def make_entry(
    state: RosterState | None,
    vault_id: str,
    kind: str,
    signer_id: str,
    signer: KeyPair,
    at: str,
    fields: Mapping[str, Any],
    kit: KeyPair | None = None,
) -> StoredEntry:
    """A new signed entry after `state` (None: the first entry)."""
    seq = state.seq + 1 if state else 1
    body = aead.canonical(
        {
            **fields,
            "vault": vault_id,
            "seq": seq,
            "prev": state.head if state else "",
            "kind": kind,
            "signer": signer_id,
            "at": at,
        }
    ).decode()
    digest = entry_hash(body)
    signature = signer.signature(DOMAIN + bytes.fromhex(digest)).hex()
    kit_signature = kit.signature(KIT_DOMAIN + bytes.fromhex(digest)).hex() if kit else ""
    entry = StoredEntry(seq, body, digest, signature, kit_signature)
    apply(state, vault_id, entry)  # never store an entry that would not verify
    return entry


def replay(vault_id: str, entries: Iterable[StoredEntry]) -> list[RosterState]:
    """The state after each entry, in order; the first entry that does not verify raises."""
    states: list[RosterState] = []
    for entry in entries:
        states.append(apply(states[-1] if states else None, vault_id, entry))
    return states


def apply(state: RosterState | None, vault_id: str, entry: StoredEntry) -> RosterState:
    try:
        return _apply(state, vault_id, entry)
    except RosterBroken:
        raise
    except (ValueError, KeyError, TypeError, AttributeError):
        raise RosterBroken(
            entry.seq, "it holds values that are not readable (altered in the database)"
        ) from None


def _apply(state: RosterState | None, vault_id: str, entry: StoredEntry) -> RosterState:
    seq = state.seq + 1 if state else 1
    if entry.seq != seq:
        raise RosterBroken(seq, f"expected change {seq} here: a change was removed or moved")
    if entry_hash(entry.body) != entry.hash:
        raise RosterBroken(seq, "its content was changed after it was signed")
    body = json.loads(entry.body)
    if not isinstance(body, dict):
        raise ValueError("body")
    if body.get("vault") != vault_id:
        raise RosterBroken(seq, "it belongs to another vault")
    if body.get("seq") != seq or body.get("prev") != (state.head if state else ""):
        raise RosterBroken(seq, "it does not follow the change before it")
    kind, signer = str(body.get("kind")), str(body.get("signer"))
    if kind not in KINDS or (kind == "found") != (state is None):
        raise RosterBroken(seq, f"a {kind!r} change cannot come here")
    if state is None:
        return _found(vault_id, entry, body, signer)
    key = state.signer_key(signer)
    if key is None:
        raise RosterBroken(seq, "it is signed by someone who was not a manager at that point")
    _check_signature(seq, key, entry)
    return _change(state, entry, body, kind)


def _check_signature(seq: int, key: bytes, entry: StoredEntry) -> None:
    if not verify_signature(
        key, bytes.fromhex(entry.signature), DOMAIN + bytes.fromhex(entry.hash)
    ):
        raise RosterBroken(seq, "its signature does not match: it was forged or altered")


def _found(vault_id: str, entry: StoredEntry, body: dict[str, Any], signer: str) -> RosterState:
    members = {m.id: m for m in (Member.from_json(v) for v in body["members"])}
    recovery = body["recovery"]
    recovery_box = bytes.fromhex(str(recovery["box"]))
    recovery_sign = bytes.fromhex(str(recovery["sign"]))
    epoch = int(body["epoch"])
    if epoch < 1 or len({m.name for m in members.values()}) != len(members):
        raise ValueError("found")
    if signer == RECOVERY:
        key = recovery_sign
    elif signer in members and members[signer].role == MANAGER:
        key = members[signer].sign
    else:
        raise RosterBroken(1, "it is not signed by a manager it lists")
    _check_signature(1, key, entry)
    countersigned = bool(entry.kit_signature) and verify_signature(
        recovery_sign, bytes.fromhex(entry.kit_signature), KIT_DOMAIN + bytes.fromhex(entry.hash)
    )
    if entry.kit_signature and not countersigned:
        raise RosterBroken(1, "the recovery kit's signature on it does not match")
    return RosterState(
        vault_id=vault_id,
        seq=1,
        head=entry.hash,
        root=entry.hash,
        epoch=epoch,
        recovery_box=recovery_box,
        recovery_sign=recovery_sign,
        members=members,
        key_ids=_key_ids(body["keys"]),
        kit_countersigned=countersigned,
        bound=int(body.get("bound", 0)),
    )


def _key_ids(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise ValueError("keys")
    return {str(scope): str(commitment) for scope, commitment in value.items()}


def _change(state: RosterState, entry: StoredEntry, body: dict[str, Any], kind: str) -> RosterState:
    seq = entry.seq
    members = dict(state.members)
    former = dict(state.former)
    epoch = state.epoch
    key_ids = dict(state.key_ids)
    if kind == "bound":
        level = int(body["level"])
        if level <= state.bound:
            raise RosterBroken(seq, "it lowers how completely the records are bound")
        return replace(state, seq=seq, head=entry.hash, bound=level)
    if kind == "add":
        member = Member.from_json(body["member"])
        taken = {m.name for m in state.everyone().values()}
        if member.id in state.everyone() or member.name in taken:
            raise RosterBroken(seq, f"it adds {member.name}, whose name or id is already used")
        members[member.id] = member
    elif kind == "remove":
        member_id = str(body["member_id"])
        if member_id not in members or int(body["epoch"]) != epoch + 1:
            raise RosterBroken(seq, "it removes someone who is not a member, or skips an epoch")
        former[member_id] = members.pop(member_id)
        epoch += 1
        key_ids = _key_ids(body["keys"])
    else:  # keys: a new key pair after a passphrase reset
        member_id = str(body["member_id"])
        old = members.get(member_id)
        if old is None:
            raise RosterBroken(seq, "it gives new keys to someone who is not a member")
        new = replace(
            old, box=bytes.fromhex(str(body["box"])), sign=bytes.fromhex(str(body["sign"]))
        )
        if len(new.box) != 32 or len(new.sign) != 32:
            raise ValueError("keys")
        members[member_id] = new
    return replace(
        state,
        seq=seq,
        head=entry.hash,
        epoch=epoch,
        members=members,
        former=former,
        key_ids=key_ids,
    )


def fingerprint(public: bytes) -> str:
    """A short, readable fingerprint of a public key, to compare with what a person was shown."""
    digest = hashlib.sha256(public).hexdigest()[:16].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def key_commitment(vault_id: str, scope: str, epoch: int, key: bytes) -> str:
    """A hash that names one scope key without revealing it, so a substituted key is caught."""
    label = aead.canonical({"vault": vault_id, "scope": scope, "epoch": epoch})
    return hashlib.sha256(b"itexit.scope-key.v1\x00" + label + b"\x00" + key).hexdigest()
