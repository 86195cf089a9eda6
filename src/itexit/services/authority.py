"""Checking the audit log against the signed member list: who signed, and could they act.

The chain's hashes and links say the log was not edited; this walk says more. Every signed
entry must be signed by the key the member list gave its actor at that moment, the name it
shows must be that member's, and the member's role must allow the action. Entries that record
a member-list change must name that change, in order, so a list rolled back or cut short
beside a newer log is caught. Entries written before an older vault's list was signed are
checked against the keys the log itself introduced, and counted apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput, CheckFailed, RollbackDetected
from itexit.domain.models import AuditEvent, AuditVerdict
from itexit.domain.roles import Permission, Role, is_allowed, role_noun
from itexit.services import audit, witness
from itexit.services.roster import check_tables, check_witness, stored
from itexit.store.models import AuditRow, User, VaultMeta
from itexit.vault.keys import verify_signature
from itexit.vault.roster import RECOVERY, RosterBroken, RosterState, replay

UNAUTHENTICATED = "(unauthenticated)"

_P = Permission
_ACTIONS: dict[str, frozenset[Permission] | None] = {
    # exact actions first, then families by their first word; None: any member
    "auth.unlock": None,
    "user.passwd": None,
    "cred.reveal": frozenset({_P.CRED_REVEAL}),
    "cred.copy": frozenset({_P.CRED_REVEAL}),
    "renewal.export_ics": frozenset({_P.RENEWAL_READ}),
    "vault.create": frozenset({_P.USER_MANAGE}),
    "vault": frozenset({_P.VAULT_BACKUP}),
    "backup": frozenset({_P.VAULT_BACKUP}),
    "export": frozenset({_P.CRED_REVEAL}),
    "settings": frozenset({_P.SETTINGS_WRITE}),
    "user": frozenset({_P.USER_MANAGE}),
    "roster": frozenset({_P.USER_MANAGE}),
    "cred": frozenset({_P.CRED_WRITE, _P.CRED_ROTATE}),
    "import": frozenset({_P.CRED_WRITE}),
    "handover": frozenset({_P.CRED_WRITE}),
    "vendor": frozenset({_P.VENDOR_WRITE}),
    "renewal": frozenset({_P.RENEWAL_WRITE}),
    "case": frozenset({_P.CASE_WRITE}),
    "task": frozenset({_P.CASE_WRITE, _P.TASK_COMPLETE}),
    "statement": frozenset({_P.HR_WRITE}),
    "mailbox": frozenset({_P.MAILBOX_REVIEW, _P.CRED_WRITE}),
    "exposure": frozenset({_P.USER_MANAGE}),
}
"""The permissions that allow each audited action; an action not listed needs membership."""


def allowed(role: str, action: str) -> bool:
    needed = _ACTIONS.get(action, _ACTIONS.get(action.split(".", 1)[0]))
    if needed is None:
        return True
    try:
        return any(is_allowed(Role(role), permission) for permission in needed)
    except ValueError:
        return False


@dataclass
class _Walk:
    states: Sequence[RosterState]
    applied: int = 0
    legacy: int = 0
    unsigned: int = 0

    def state(self) -> RosterState | None:
        return self.states[self.applied - 1] if self.applied else None


def verify(session: Session, vault_id: str) -> AuditVerdict:
    """The whole log, checked against the member list; anyone with the file can run it."""
    try:
        states = replay(vault_id, stored(session))
    except RosterBroken as exc:
        return AuditVerdict(ok=False, rows=0, reason=f"the member list is broken: {exc.reason}")
    rows = session.execute(select(AuditRow).order_by(AuditRow.seq)).scalars()
    members = session.scalar(select(User.id).where(User.status == "active").limit(1))
    return verify_rows(vault_id, rows, states, has_members=members is not None)


def verify_rows(
    vault_id: str, rows: Iterable[AuditRow], states: Sequence[RosterState], has_members: bool
) -> AuditVerdict:
    walk = _Walk(states)
    keys: dict[str, set[str]] = {}  # the log's own key registry, before the list was signed
    expected_prev = audit.genesis_hash(vault_id)
    count, last_seq, last_hash = 0, 0, ""
    for row in rows:
        count += 1
        try:
            problem = _check(row, last_seq, expected_prev, keys, walk)
        except (ValueError, TypeError, AttributeError, KeyError):
            problem = "it holds values that are not readable (altered in the database)"
        if problem:
            return AuditVerdict(ok=False, rows=count, first_bad_seq=row.seq, reason=problem)
        expected_prev, last_seq, last_hash = row.hash, row.seq, row.hash
    if count == 0 and (has_members or states):
        return AuditVerdict(
            ok=False,
            rows=0,
            first_bad_seq=1,
            reason="the log is empty although the vault has members: it was emptied",
        )
    if walk.applied != len(states):
        return AuditVerdict(
            ok=False,
            rows=count,
            first_bad_seq=last_seq + 1,
            reason=(
                f"no entry records member-list change {walk.applied + 1}: the log was cut short "
                "or the member list was changed beside it"
            ),
        )
    return AuditVerdict(
        ok=True,
        rows=count,
        head_seq=last_seq,
        head_hash=last_hash,
        legacy_rows=walk.legacy,
        unsigned_rows=walk.unsigned,
    )


def _check(
    row: AuditRow, last_seq: int, expected_prev: str, keys: dict[str, set[str]], walk: _Walk
) -> str | None:
    if row.seq != last_seq + 1:
        return f"expected entry {last_seq + 1} here: an entry was removed or moved"
    if row.prev_hash != expected_prev:
        return "it does not follow the entry before it"
    if audit._row_hash(row) != row.hash:
        return "its content was changed after it was written"
    details = json.loads(row.details)
    if not isinstance(details, dict):
        return "its details are not readable"
    if not row.signature:
        return _check_unsigned(row, walk)
    before = walk.state()
    link = details.get("roster_seq")
    if link is not None:
        if int(link) != walk.applied + 1 or walk.applied >= len(walk.states):
            return f"it records member-list change {link}, which the member list does not hold"
        if walk.states[walk.applied].head != details.get("roster_hash"):
            return f"it records member-list change {link}, but that change is different"
        walk.applied += 1
    state = before or walk.state()
    if state is None:
        walk.legacy += 1
        return audit._check_row(row, last_seq, expected_prev, keys)
    problem = _check_signer(row, state)
    if problem:
        return problem
    now = walk.state() or state
    if row.epoch != now.epoch:
        return (
            f"it was written with version {row.epoch} of the vault's keys, but the member "
            f"list was at version {now.epoch} then: the key tables were rolled back or altered"
        )
    return None


def _check_signer(row: AuditRow, state: RosterState) -> str | None:
    if row.actor_id == RECOVERY:
        key, name, role = state.recovery_sign, "recovery kit", Role.MANAGER.value
    else:
        member = state.members.get(row.actor_id)
        if member is None:
            return f"it is signed for {row.actor_name}, who was not a member at that point"
        key, name, role = member.sign, member.name, member.role
    if row.signer_key != key.hex():
        return f"it is signed by a key that {name} did not hold at that point"
    if row.actor_name != name:
        return f"it names {row.actor_name} as the actor, but the key that signed it is {name}'s"
    if not verify_signature(
        key, bytes.fromhex(row.signature), audit._SIGN_DOMAIN + bytes.fromhex(row.hash)
    ):
        return "its signature does not match: it was forged or altered"
    if not allowed(role, row.action):
        noun = role_noun(role)
        return f"{name} was {noun} at that point, and {noun} may not make the change it records"
    return None


def _check_unsigned(row: AuditRow, walk: _Walk) -> str | None:
    if row.action not in audit.UNSIGNED_ACTIONS:
        return "it is not signed, and only failed unlocks may be unsigned"
    if row.actor_id != audit.SYSTEM_ACTOR or row.signer_key:
        return f"it is not signed, yet it names {row.actor_name} as its actor"
    walk.unsigned += 1
    return None


def proven_events(session: Session, vault_id: str, rows: Iterable[AuditRow]) -> list[AuditEvent]:
    """Audit rows for display: the actor is the member whose key signed the row; an unsigned
    row shows no actor at all (whoever typed a name at a failed unlock proved nothing)."""
    try:
        states = replay(vault_id, stored(session))
    except RosterBroken:
        states = []
    names = {
        member.sign.hex(): member.name for state in states for member in state.everyone().values()
    }
    if states:
        names[states[-1].recovery_sign.hex()] = "recovery kit"
    events = []
    for row in rows:
        event = audit.to_event(row)
        if not row.signature:
            actor = UNAUTHENTICATED
        else:
            actor = names.get(row.signer_key, row.actor_name if not states else "(unproven)")
        events.append(event.model_copy(update={"actor": actor}))
    return events


def verify_anchored(
    session: Session, vault_id: str, checkpoint_text: str | None = None
) -> AuditVerdict:
    """`verify`, compared with this workstation's witness and, when given, a printed
    checkpoint; a log that verifies advances the witness. Says which anchor it had."""
    had_anchor = witness.seen(vault_id) is not None or witness.seen_roster(vault_id) is not None
    try:
        states = replay(vault_id, stored(session))
    except RosterBroken as exc:
        return AuditVerdict(ok=False, rows=0, reason=f"the member list is broken: {exc.reason}")
    check_witness(vault_id, states)
    seen = witness.seen(vault_id)
    if seen is not None:
        row = session.get(AuditRow, seen[0])
        if row is None or row.hash != seen[1]:
            raise RollbackDetected(
                f"The audit log is older than the one this workstation last saw (entry {seen[0]} "
                "is missing or different): it was cut short or replaced by an old copy."
            )
    rows = session.execute(select(AuditRow).order_by(AuditRow.seq)).scalars()
    members = session.scalar(select(User.id).where(User.status == "active").limit(1))
    verdict = verify_rows(vault_id, rows, states, has_members=members is not None)
    anchor = "witness" if had_anchor else ""
    if checkpoint_text is not None:
        check_checkpoint(session, vault_id, states, checkpoint_text)
        anchor = "checkpoint"
    if verdict.ok and states:
        meta = session.scalars(select(VaultMeta)).first()
        if meta is not None:
            check_tables(session, states[-1], meta)  # raises, naming the row
    if verdict.ok:
        witness.record(vault_id, verdict.head_seq, verdict.head_hash)
        if states:
            witness.record_roster(vault_id, states[0].root, states[-1].seq, states[-1].head)
    return verdict.model_copy(update={"anchor": anchor})


def check_checkpoint(
    session: Session, vault_id: str, states: Sequence[RosterState], text: str
) -> None:
    """Refuse a log or member list that does not hold what a printed checkpoint recorded."""
    try:
        raw = json.loads(text)
        fields = dict(raw)
        signature = bytes.fromhex(str(fields.pop("signature")))
        seq, head, signer = int(raw["seq"]), str(raw["hash"]), str(raw["signer"])
        roster_seq = int(raw.get("roster_seq", 0))
        at = str(raw["at"])[:16].replace("T", " ")
    except (ValueError, TypeError, KeyError):
        raise BadInput(
            "That file is not an itexit checkpoint (print one with `itexit audit checkpoint`)."
        ) from None
    if raw.get("vault_id") != vault_id:
        raise CheckFailed("That checkpoint belongs to another vault.")
    if roster_seq:
        if (
            roster_seq > len(states)
            or states[roster_seq - 1].head != raw.get("roster_hash")
            or states[0].root != raw.get("roster_root")
        ):
            raise CheckFailed(
                f"The member list does not hold the change the checkpoint of {at} recorded: "
                "it was replaced or rolled back in the database."
            )
        candidates = [m for m in states[roster_seq - 1].members.values() if m.name == signer]
    else:
        candidates = [m for s in states for m in s.everyone().values() if m.name == signer]
    message = audit.checkpoint_message(fields)
    if not any(verify_signature(m.sign, signature, message) for m in candidates):
        raise CheckFailed(
            f"The checkpoint of {at} is not signed by {signer} as the member list knows them: "
            "the file was altered, or the member list was."
        )
    row = session.get(AuditRow, seq)
    if row is None or row.hash != head:
        raise CheckFailed(
            f"The audit log does not hold entry {seq} as the checkpoint of {at} recorded it: "
            "it was cut short or replaced by another copy."
        )
