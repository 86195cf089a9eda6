"""This workstation's memory of the newest audit head it has seen, per vault."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session

from itexit import locations
from itexit.services import audit


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


def record(vault_id: str, seq: int, head_hash: str) -> None:
    """Remember a head if it is newer; written atomically (temp file, fsync, rename)."""
    path = locations.witness_path()
    data = _load(path)
    current = data.get(vault_id)
    if (
        isinstance(current, dict)
        and isinstance(current.get("seq"), int)
        and int(str(current["seq"])) >= seq
    ):
        return
    data[vault_id] = {"seq": seq, "hash": head_hash}
    _write(path, data)


def replace(vault_id: str, seq: int, head_hash: str) -> None:
    """Remember an older head in place of a newer one: a restore to an older backup, made
    knowingly (with a reason, in the audit log)."""
    path = locations.witness_path()
    data = _load(path)
    data[vault_id] = {"seq": seq, "hash": head_hash}
    _write(path, data)


def note_backup(vault_id: str, head_seq: int, backup_seq: int, backup_hash: str) -> None:
    """After the audit entry that records a verified backup (`head_seq`): that backup holds
    everything this workstation has seen, until the next change moves the head on."""
    path = locations.witness_path()
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
    """Run the body in one transaction; once it commits, remember the audit head it left."""
    with session.begin():
        yield
        last = audit.head(session)
    if last is not None:
        record(vault_id, last.seq, last.hash)
