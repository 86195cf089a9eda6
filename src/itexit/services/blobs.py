"""Evidence files kept inside the vault: sealed bytes, SHA-256 shown to match the paper copy."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from itexit.domain.checklist import MAX_BLOB_BYTES, BlobRef
from itexit.domain.errors import BadInput, IntegrityFailure, NotFound
from itexit.domain.roles import Scope
from itexit.services.context import VaultContext
from itexit.store.checklist import Blob


def clean_filename(filename: str) -> str:
    """Keep the base name only: a path could say more about a workstation than needed."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:200] or "file"


def store_blob(
    ctx: VaultContext, session: Session, data: bytes, filename: str, scope: Scope
) -> BlobRef:
    """Seal a file in the caller's transaction; the same bytes in one scope are kept once.

    The caller checks the permission and writes the audit row; this only needs the scope key.
    """
    if not data:
        raise BadInput(f"{clean_filename(filename)} is empty; attach the file itself.")
    if len(data) > MAX_BLOB_BYTES:
        raise BadInput(
            f"{clean_filename(filename)} is {len(data) / 1_048_576:.1f} MB; files above "
            f"{MAX_BLOB_BYTES // 1_048_576} MB are refused (scan at a lower resolution)."
        )
    sha256 = hashlib.sha256(data).hexdigest()
    keyed = ctx.fingerprint(scope, "blob\x00" + sha256)
    existing = session.scalars(
        select(Blob).where(Blob.scope == scope.value, Blob.fingerprint == keyed)
    ).first()
    if existing is not None:
        return _ref(existing.id, ctx.unseal(existing))
    name = clean_filename(filename)
    row = Blob(id=str(uuid.uuid4()), fingerprint=keyed, version=1)
    document: dict[str, Any] = {
        "filename": name,
        "sha256": sha256,
        "size": len(data),
        "data": base64.b64encode(data).decode("ascii"),
    }
    ctx.seal(row, document, scope)
    session.add(row)
    session.flush()
    return BlobRef(id=row.id, sha256=sha256, filename=name, size=len(data))


def _ref(blob_id: str, doc: dict[str, Any]) -> BlobRef:
    return BlobRef(id=blob_id, sha256=doc["sha256"], filename=doc["filename"], size=doc["size"])


def read_blob(ctx: VaultContext, blob_id: str) -> tuple[BlobRef, bytes]:
    """Open a stored file; the bytes are checked against the SHA-256 sealed with them."""
    with ctx.reading() as session:
        row = session.get(Blob, blob_id)
        if row is None:
            raise NotFound("There is no such file in the vault.")
        doc = ctx.unseal(row)
    data = base64.b64decode(doc["data"])
    if hashlib.sha256(data).hexdigest() != doc["sha256"]:
        raise IntegrityFailure(
            f"The stored file {doc['filename']} does not match the fingerprint it was stored with."
        )
    return _ref(blob_id, doc), data
