"""The signed member list in the database: read and verify it, check every table against it.

Whoever can write the database can change the `users`, `vault_meta` and `key_slots` rows, but
cannot sign a member-list change: only a manager who is a member (or the recovery kit) can. So
every unlock and every re-key takes the members, their roles and keys and the current key
epoch from the verified list, and refuses a row that says otherwise, naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from itexit.domain.errors import IntegrityFailure, RollbackDetected, VaultError
from itexit.domain.roles import ROLE_SCOPES, Role, role_noun
from itexit.domain.wording import count
from itexit.services import witness
from itexit.store.models import KeySlot, RosterEntry, User, VaultMeta
from itexit.vault.keys import KeyPair
from itexit.vault.roster import (
    BINDING_LEVEL,
    RECOVERY,
    Member,
    RosterState,
    StoredEntry,
    apply,
    fingerprint,
    make_entry,
    replay,
)
from itexit.vault.scope_keys import ScopeKeys

UPGRADE_COMMAND = "itexit upgrade"
UNSIGNED = (
    "This vault's member list has not been signed yet: a practice manager must sign it once "
    f"with `{UPGRADE_COMMAND}` (it shows what will be signed first). Nothing was unlocked."
)
_RESTORE = "Nothing was unlocked; restore the vault from a backup or ask a practice manager."


class RosterUnsigned(VaultError):
    """The vault predates the signed member list; a manager must sign the current one once.

    `can_sign` is set when the person who tried to unlock proved to be a manager."""

    def __init__(self, message: str = UNSIGNED, can_sign: bool = False) -> None:
        super().__init__(message)
        self.can_sign = can_sign


def stored(session: Session) -> list[StoredEntry]:
    rows = session.scalars(select(RosterEntry).order_by(RosterEntry.seq))
    return [StoredEntry(r.seq, r.body, r.hash, r.signature, r.kit_signature) for r in rows]


def history(session: Session, vault_id: str) -> list[RosterState]:
    """The state after each change (empty for a vault that was never signed); verified."""
    return replay(vault_id, stored(session))


def current(session: Session, vault_id: str) -> RosterState:
    """The verified member list now, checked against this workstation's witness."""
    states = history(session, vault_id)
    if not states:
        raise RosterUnsigned()
    check_witness(vault_id, states)
    return states[-1]


def check_witness(vault_id: str, states: list[RosterState]) -> None:
    """Refuse a member list that does not start, or has fewer changes, than one seen here."""
    seen = witness.seen_roster(vault_id)
    if seen is None or not states:
        return
    root, seq, head = seen
    if states[0].root != root:
        raise RollbackDetected(
            "The signed member list of this vault does not begin where this workstation saw "
            "it begin: it was replaced in the database. " + _RESTORE
        )
    if seq > len(states) or states[seq - 1].head != head:
        raise RollbackDetected(
            f"The signed member list is older than the one this workstation last saw (change "
            f"{seq} is missing or different): it was rolled back. " + _RESTORE
        )


def remember(session: Session, state: RosterState) -> None:
    """Have the transaction's commit record this state in the workstation's witness."""
    session.info["roster_witness"] = (state.root, state.seq, state.head)


def check_tables(session: Session, state: RosterState, meta: VaultMeta) -> None:
    """Refuse the first `vault_meta`, `users` or `key_slots` row that disagrees with the list."""
    if meta.epoch != state.epoch:
        raise IntegrityFailure(
            f"The vault_meta row says the vault's keys are at version {meta.epoch}, but the "
            f"signed member list says version {state.epoch}: the key tables were rolled back "
            "or altered. " + _RESTORE
        )
    if (meta.recovery_box_public, meta.recovery_sign_public) != (
        state.recovery_box,
        state.recovery_sign,
    ):
        raise IntegrityFailure(
            "The vault_meta row holds recovery kit keys the signed member list does not: "
            "they were swapped in the database. " + _RESTORE
        )
    seen: set[str] = set()
    for user in session.scalars(select(User).order_by(User.name)):
        seen.add(user.id)
        _check_user(user, state)
    for member in state.members.values():
        if member.id not in seen:
            raise IntegrityFailure(
                f"The signed member list holds {member.name}, but the users table has no row "
                "for them: it was deleted in the database. " + _RESTORE
            )
    for slot in session.scalars(select(KeySlot).order_by(KeySlot.id)):
        _check_slot(slot, state)


def _check_user(user: User, state: RosterState) -> None:
    member = state.members.get(user.id)
    what = f"The users row for {user.name!r}"
    if user.status == "removed":
        former = state.former.get(user.id)
        if member is not None:
            raise IntegrityFailure(
                f"{what} says removed, but the signed member list still holds them: it was "
                "changed in the database. " + _RESTORE
            )
        if former is None:
            raise IntegrityFailure(
                f"{what} is not in the signed member list: it was inserted in the database. "
                + _RESTORE
            )
        if (former.name, former.role) != (user.name, user.role):
            raise IntegrityFailure(
                f"{what} does not match the signed member list, which shows {former.name} as "
                f"{role_noun(former.role)} since removed: it was changed in the database. "
                + _RESTORE
            )
        return
    if user.status != "active":
        raise IntegrityFailure(
            f"{what} has a status ({user.status[:20]!r}) itexit does not know: it was changed "
            "in the database. " + _RESTORE
        )
    if member is None:
        if user.id in state.former:
            raise IntegrityFailure(
                f"{what} says active, but the signed member list shows them removed: it was "
                "changed in the database. " + _RESTORE
            )
        raise IntegrityFailure(
            f"{what} is not in the signed member list: it was inserted in the database. " + _RESTORE
        )
    if member.name != user.name or member.role != user.role:
        raise IntegrityFailure(
            f"{what} says {user.role[:20]!r}, but the signed member list says {member.name} is "
            f"{member.role!r}: it was changed in the database. " + _RESTORE
        )
    if (member.box, member.sign) != (user.box_public, user.sign_public):
        raise IntegrityFailure(
            f"{what} holds public keys the signed member list does not: they were swapped in "
            "the database. " + _RESTORE
        )


def _check_slot(slot: KeySlot, state: RosterState) -> None:
    what = f"The key_slots row {slot.id}"
    if slot.epoch != state.epoch:
        raise IntegrityFailure(
            f"{what} holds version {slot.epoch} of the vault's keys, but the signed member "
            f"list says version {state.epoch}: the key tables were rolled back or altered. "
            + _RESTORE
        )
    if slot.holder == RECOVERY:
        return
    member = state.members.get(slot.holder)
    if member is None:
        raise IntegrityFailure(
            f"{what} seals a key to someone the signed member list does not hold: it was "
            "inserted in the database. " + _RESTORE
        )
    if slot.scope not in {s.value for s in ROLE_SCOPES[Role(member.role)]}:
        raise IntegrityFailure(
            f"{what} seals the {slot.scope[:16]} key to {member.name}, whose role does not hold "
            "it: it was inserted in the database. " + _RESTORE
        )


def check_key(state: RosterState, slot: KeySlot, keys: ScopeKeys) -> None:
    """Refuse a scope key that is not the one the member list vouches for (a swapped slot)."""
    if state.key_ids.get(slot.scope) != keys.commitment((slot.scope, slot.epoch), state.vault_id):
        raise IntegrityFailure(
            f"The key_slots row {slot.id} holds a {slot.scope} key the signed member list does "
            "not vouch for: it was replaced in the database. " + _RESTORE
        )


def key_ids(vault_id: str, epoch: int, keys: ScopeKeys) -> dict[str, str]:
    """Each scope key of `epoch` named by its commitment, as the member list records them."""
    return keys.commitments(vault_id, epoch)


def member_of(user: User) -> Member:
    return Member(user.id, user.name, user.role, user.box_public, user.sign_public)


@dataclass(frozen=True)
class Change:
    """What one signed change did: the state after it, for the audit row that records it."""

    state: RosterState

    def audit_details(self) -> dict[str, Any]:
        return {"roster_seq": self.state.seq, "roster_hash": self.state.head}


def append(
    session: Session,
    state: RosterState | None,
    vault_id: str,
    kind: str,
    signer_id: str,
    signer: KeyPair,
    fields: Mapping[str, Any],
    kit: KeyPair | None = None,
) -> Change:
    """Sign one change after `state` and add it to the caller's transaction."""
    at = datetime.now(UTC).isoformat(timespec="seconds")
    entry = make_entry(state, vault_id, kind, signer_id, signer, at, fields, kit)
    session.add(
        RosterEntry(
            seq=entry.seq,
            body=entry.body,
            hash=entry.hash,
            signature=entry.signature,
            kit_signature=entry.kit_signature,
        )
    )
    session.flush()
    new_state = apply(state, vault_id, entry)
    remember(session, new_state)
    return Change(new_state)


def found_fields(
    members: list[Member],
    epoch: int,
    recovery_box: bytes,
    recovery_sign: bytes,
    ids: dict[str, str],
) -> dict[str, Any]:
    return {
        "members": [m.as_json() for m in members],
        "epoch": epoch,
        "recovery": {"box": recovery_box.hex(), "sign": recovery_sign.hex()},
        "keys": ids,
        "bound": BINDING_LEVEL,
    }


def describe(members: list[Member], epoch: int, recovery_sign: bytes | None) -> list[str]:
    """What signing the member list will vouch for, in words a manager can check."""
    lines = [
        f"  {m.name:<16} {m.role:<11} key {fingerprint(m.sign)}"
        for m in sorted(members, key=lambda m: m.name)
    ]
    changed = "never changed" if epoch <= 1 else f"changed {count(epoch - 1, 'time')}"
    lines.append(f"  the vault's keys: {changed} since the practice was set up")
    if recovery_sign:
        lines.append(f"  recovery kit key {fingerprint(recovery_sign)}")
    return lines
