"""The hash-chained, signed audit log: append in the caller's transaction, verify, checkpoint."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itexit.domain.canonical import canonical
from itexit.domain.models import AuditEvent, AuditVerdict
from itexit.store.models import AuditRow, VaultMeta
from itexit.vault.keys import KeyPair, verify_signature

SYSTEM_ACTOR = "-"
RECOVERY_ACTOR = "recovery"
#: the only actions written without a signature: nobody is unlocked when they happen
UNSIGNED_ACTIONS = frozenset({"auth.failed"})
#: actions whose details introduce a signing key (`sign_key`) for the subject (`subject_id`)
_KEY_INTRODUCERS = frozenset({"vault.create", "user.add", "user.reset"})
_SIGN_DOMAIN = b"itexit.audit.v1\x00"


def genesis_hash(vault_id: str) -> str:
    return hashlib.sha256(b"itexit.audit.genesis\x00" + vault_id.encode()).hexdigest()


def _row_hash(row: AuditRow) -> str:
    payload = canonical(
        {
            "seq": row.seq,
            "at": row.at,
            "actor_id": row.actor_id,
            "actor_name": row.actor_name,
            "action": row.action,
            "target": row.target,
            "details": row.details,
            "epoch": row.epoch,
            "prev": row.prev_hash,
            "signer": row.signer_key,
        }
    )
    return hashlib.sha256(payload).hexdigest()


def head(session: Session) -> AuditRow | None:
    return session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).first()


def append(
    session: Session,
    *,
    vault_id: str,
    epoch: int,
    actor_id: str,
    actor_name: str,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    signer: KeyPair | None = None,
) -> AuditRow:
    """Add one row after the current head; the caller's transaction commits or rolls back both."""
    if signer is None and action not in UNSIGNED_ACTIONS:
        raise ValueError(f"audit action {action} must be signed")
    # The chain's head is read under the vault's write lock: the meta row on PostgreSQL
    # (`begin_write` took SQLite's at the start of the transaction), so two writers never
    # both append after the same entry.
    session.scalars(select(VaultMeta.id).with_for_update()).first()
    last = head(session)
    row = AuditRow(
        seq=(last.seq + 1) if last else 1,
        at=datetime.now(UTC).isoformat(timespec="microseconds"),
        actor_id=actor_id,
        actor_name=actor_name,
        action=action,
        target=target,
        details=canonical(details or {}).decode(),
        epoch=epoch,
        prev_hash=last.hash if last else genesis_hash(vault_id),
        signer_key=signer.sign_public.hex() if signer else "",
    )
    row.hash = _row_hash(row)
    row.signature = signer.signature(_SIGN_DOMAIN + bytes.fromhex(row.hash)).hex() if signer else ""
    session.add(row)
    session.flush()
    return row


def verify_rows(vault_id: str, rows: Iterable[AuditRow]) -> AuditVerdict:
    """Walk the chain: sequence, links, hashes, and each signature by a key the chain introduced."""
    keys: dict[str, set[str]] = {}
    expected_prev = genesis_hash(vault_id)
    count = 0
    last_hash = ""
    last_seq = 0

    def bad(row: AuditRow, reason: str) -> AuditVerdict:
        return AuditVerdict(ok=False, rows=count, first_bad_seq=row.seq, reason=reason)

    for row in rows:
        count += 1
        try:
            problem = _check_row(row, last_seq, expected_prev, keys)
        except (ValueError, TypeError, AttributeError):
            problem = "it holds values that are not readable (altered in the database)"
        if problem:
            return bad(row, problem)
        expected_prev = row.hash
        last_hash = row.hash
        last_seq = row.seq
    return AuditVerdict(ok=True, rows=count, head_seq=last_seq, head_hash=last_hash)


def _check_row(
    row: AuditRow, last_seq: int, expected_prev: str, keys: dict[str, set[str]]
) -> str | None:
    """The first thing wrong with one row, or None; updates the key registry as it goes."""
    if row.seq != last_seq + 1:
        return f"expected entry {last_seq + 1} here: an entry was removed or moved"
    if row.prev_hash != expected_prev:
        return "it does not follow the entry before it"
    if _row_hash(row) != row.hash:
        return "its content was changed after it was written"
    details = json.loads(row.details)
    if not isinstance(details, dict):
        return "its details are not readable"
    if row.action == "vault.create" and row.seq == 1:
        keys.setdefault(row.actor_id, set()).add(str(details.get("sign_key", "")))
        if details.get("recovery_sign_key"):
            keys.setdefault(RECOVERY_ACTOR, set()).add(str(details["recovery_sign_key"]))
    if row.action in UNSIGNED_ACTIONS and not row.signature:
        pass
    elif row.signer_key not in keys.get(row.actor_id, set()):
        return f"it is signed by a key that {row.actor_name} never held"
    elif not verify_signature(
        bytes.fromhex(row.signer_key),
        bytes.fromhex(row.signature),
        _SIGN_DOMAIN + bytes.fromhex(row.hash),
    ):
        return "its signature does not match: it was forged or altered"
    if row.action in _KEY_INTRODUCERS and row.seq > 1:
        keys.setdefault(str(details.get("subject_id")), set()).add(str(details.get("sign_key", "")))
    if row.action == "user.remove":
        keys.pop(str(details.get("subject_id")), None)
    return None


def verify(session: Session, vault_id: str) -> AuditVerdict:
    rows = session.execute(select(AuditRow).order_by(AuditRow.seq)).scalars()
    return verify_rows(vault_id, rows)


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditRow)) or 0)


def to_event(row: AuditRow) -> AuditEvent:
    return AuditEvent(
        seq=row.seq,
        at=datetime.fromisoformat(row.at),
        actor=row.actor_name,
        action=row.action,
        target=row.target,
        details=json.loads(row.details),
    )


def checkpoint_message(fields: dict[str, Any]) -> bytes:
    return b"itexit.checkpoint.v1\x00" + canonical(fields)
