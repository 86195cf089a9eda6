"""This workstation's memory of the newest audit head it has seen, per vault."""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from itexit import locations
from itexit.domain.errors import SavedButIncomplete
from itexit.services import audit
from itexit.store.engine import begin_write, write_problem


def _load(path: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def seen(vault_id: str) -> tuple[int, str] | None:
    entry = _load(locations.witness_path()).get(vault_id)
    if not isinstance(entry, dict):
        return None
    seq, head = entry.get("seq"), entry.get("hash")
    if isinstance(seq, int) and isinstance(head, str):
        return seq, head
    return None


def seen_roster(vault_id: str) -> tuple[str, int, str] | None:
    """The first and the newest member-list change this workstation saw: (root, seq, hash)."""
    entry = _load(locations.witness_path()).get(vault_id)
    if not isinstance(entry, dict):
        return None
    root, seq, head = entry.get("roster_root"), entry.get("roster_seq"), entry.get("roster_hash")
    if isinstance(root, str) and isinstance(seq, int) and isinstance(head, str):
        return root, seq, head
    return None


def record(vault_id: str, seq: int, head_hash: str) -> None:
    """Remember an audit head if it is newer; written atomically (temp file, fsync, rename), one
    process at a time (a lock file beside it), so a slower process never writes an older head
    over a newer one."""
    path = locations.witness_path()
    with _locked(path):
        _record_locked(path, vault_id, seq, head_hash)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the witness's lock file while reading and rewriting it."""
    locations.ensure_home()
    lock_fd = os.open(path.with_name(".witness.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(lock_fd)


def _record_locked(path: Path, vault_id: str, seq: int, head_hash: str) -> None:
    data = _load(path)
    current = data.get(vault_id)
    if (
        isinstance(current, dict)
        and isinstance(current.get("seq"), int)
        and int(str(current["seq"])) >= seq
    ):
        return
    entry = dict(current) if isinstance(current, dict) else {}
    entry.update({"seq": seq, "hash": head_hash})
    entry.pop("backup", None)  # a backup noted at an older head no longer holds everything
    data[vault_id] = entry
    _write(path, data)


def record_roster(vault_id: str, root: str, seq: int, head_hash: str) -> None:
    """Remember the member list's first change and its newest, if newer than the one kept."""
    path = locations.witness_path()
    with _locked(path):
        data = _load(path)
        current = data.get(vault_id)
        entry = dict(current) if isinstance(current, dict) else {}
        kept = entry.get("roster_seq")
        if isinstance(kept, int) and kept >= seq and entry.get("roster_root") == root:
            return
        entry.update({"roster_root": root, "roster_seq": seq, "roster_hash": head_hash})
        data[vault_id] = entry
        _write(path, data)


def replace(vault_id: str, seq: int, head_hash: str) -> None:
    """Remember an older head in place of a newer one: a restore to an older backup, made
    knowingly (with a reason, in the audit log). The member list is pinned again from the
    restored vault at the next unlock or `audit verify`."""
    path = locations.witness_path()
    with _locked(path):
        data = _load(path)
        data[vault_id] = {"seq": seq, "hash": head_hash}
        _write(path, data)


def note_backup(vault_id: str, head_seq: int, backup_seq: int, backup_hash: str) -> None:
    """After the audit entry that records a verified backup (`head_seq`): that backup holds
    everything this workstation has seen, until the next change moves the head on."""
    path = locations.witness_path()
    with _locked(path):
        data = _load(path)
        entry = data.get(vault_id)
        if isinstance(entry, dict) and entry.get("seq") == head_seq:
            entry["backup"] = {"seq": backup_seq, "hash": backup_hash}
            _write(path, data)


def backup_noted(vault_id: str) -> tuple[int, str] | None:
    """The verified backup made at the newest head this workstation saw, if nothing followed."""
    entry = _load(locations.witness_path()).get(vault_id)
    noted = entry.get("backup") if isinstance(entry, dict) else None
    if isinstance(noted, dict):
        seq, head = noted.get("seq"), noted.get("hash")
        if isinstance(seq, int) and isinstance(head, str):
            return seq, head
    return None


def _write(path: Path, data: dict[str, dict[str, object]]) -> None:
    locations.ensure_home()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".witness-")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


@contextmanager
def committed(session: Session, vault_id: str) -> Iterator[None]:
    """Run the body in one transaction, holding the write lock from its first statement; once
    it commits, remember the audit head and the member-list head it left."""
    try:
        with session.begin():
            begin_write(session)
            yield
            last = audit.head(session)
    except OperationalError as exc:
        problem = write_problem(exc)
        if problem is None:
            raise
        raise problem from None
    roster = session.info.pop("roster_witness", None)
    try:
        if last is not None:
            record(vault_id, last.seq, last.hash)
        if roster is not None:
            record_roster(vault_id, *roster)
    except OSError as exc:
        raise SavedButIncomplete(
            "The change was saved, but this computer's note of the newest audit entry "
            f"could not be updated ({exc.strerror}); free some space in "
            f"{locations.home()} so it can guard against an old copy of the vault."
        ) from None
