"""The way out: every credential the person may read, into a new KeePass database.

The export is a disclosure of every secret in it, audited as one entry that lists each
credential's id and a keyed fingerprint of its secret (never the secret), written before the
file appears under its name. The database's passphrase is new: the vault's is refused.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from itexit.domain.backups import KdbxExportResult
from itexit.domain.credentials import CATEGORY_LABELS, Category, SecretStage
from itexit.domain.errors import BadInput, IntegrityFailure, PermissionDenied
from itexit.domain.roles import Permission, Scope
from itexit.io import kdbx_export
from itexit.io.kdbx_export import KdbxEntry
from itexit.services.context import VaultContext
from itexit.services.credentials.records import secret_fingerprint, secret_row
from itexit.services.passphrase import require_acceptable
from itexit.store import backup_copy
from itexit.store.inventory import CredentialEvent
from itexit.store.models import Credential, User, VaultMeta
from itexit.vault.kdf import KdfParams
from itexit.vault.keys import unwrap_user_keys, user_key_aad

EXPORTED = "export.kdbx"


def export_kdbx(ctx: VaultContext, path: Path, passphrase: str) -> KdbxExportResult:
    """Write `path` (new, mode 0600, atomically) holding every credential, audited first."""
    ctx.require(Permission.CRED_REVEAL)
    if not ctx.holds(Scope.CRED):
        raise PermissionDenied("Your role cannot open the credentials and mailbox records.")
    if path.exists():
        raise BadInput(f"{path} already exists; choose a new file name.")
    if not path.parent.is_dir():
        raise BadInput(f"The folder {path.parent} does not exist.")
    with ctx.reading() as session:
        meta = session.scalars(select(VaultMeta)).one()
        require_acceptable(passphrase, (ctx.actor.name, meta.practice_name))
        _refuse_vault_passphrase(ctx, session, passphrase)
        entries, listed = _entries(ctx, session)
    data = kdbx_export.build(passphrase, meta.practice_name, entries)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".itexit-export-", suffix=".part")
    os.close(fd)
    part = Path(name)
    try:
        kdbx_export.write(part, data)
        with ctx.transaction() as session:
            ctx.record(
                session,
                EXPORTED,
                path.name,
                path=str(path),
                count=len(listed),
                credentials=listed,
            )
        if path.exists():
            raise BadInput(f"{path} already exists; choose a new file name.")
        os.replace(part, path)
        backup_copy.fsync_dir(path.parent)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return KdbxExportResult(
        path=str(path), entries=len(entries), with_totp=sum(1 for e in entries if e.otp)
    )


def _refuse_vault_passphrase(ctx: VaultContext, session: Session, passphrase: str) -> None:
    """The export must not open with the vault's passphrase: a copy that outlives a change of
    it, or a removal, would still open with it."""
    user = session.get(User, ctx.actor.id)
    if user is None or user.wrapped_keys is None:
        return
    params = KdfParams(user.kdf_memory_kib, user.kdf_time_cost, user.kdf_parallelism, user.kdf_salt)
    try:
        unwrap_user_keys(
            user.wrapped_keys, passphrase, params, user_key_aad(ctx.vault_id, user.id, params)
        )
    except IntegrityFailure:
        return
    raise BadInput("Choose a new passphrase for the export, not your vault passphrase.")


def _entries(ctx: VaultContext, session: Session) -> tuple[list[KdbxEntry], list[dict[str, str]]]:
    entries: list[KdbxEntry] = []
    listed: list[dict[str, str]] = []
    for cred in session.scalars(select(Credential).order_by(Credential.system, Credential.id)):
        doc = ctx.unseal(cred)
        current = secret_row(session, cred.id, SecretStage.CURRENT)
        if current is None:
            raise IntegrityFailure(f"{cred.system} has no current secret: the vault was altered.")
        secret = str(ctx.unseal(current).get("secret", ""))
        pending = secret_row(session, cred.id, SecretStage.PENDING)
        pending_secret = str(ctx.unseal(pending).get("secret", "")) if pending else ""
        username = str(doc.get("username", ""))
        otp = kdbx_export.otp_uri(str(doc.get("totp_seed", "")), cred.system, username)
        entries.append(
            KdbxEntry(
                group=_category_label(cred.category),
                title=cred.system,
                username=username,
                password=secret,
                url=str(doc.get("url", "")) or cred.host,
                notes=_notes(ctx, session, cred, doc),
                otp=otp,
                protected={
                    "Recovery codes": str(doc.get("recovery_codes", "")),
                    "Secret waiting to be confirmed": pending_secret,
                },
            )
        )
        item = {"id": cred.id, "fingerprint": secret_fingerprint(ctx, cred.id, secret)}
        if pending_secret:
            item["pending_fingerprint"] = secret_fingerprint(ctx, cred.id, pending_secret)
        listed.append(item)
    return entries, listed


def _category_label(value: str) -> str:
    """The category as a KeePass group name (a slash would read as a path in KeePassXC)."""
    try:
        return CATEGORY_LABELS[Category(value)].replace(" / ", " or ").replace("/", "-")
    except ValueError:
        return "Other"


def _notes(ctx: VaultContext, session: Session, cred: Credential, doc: dict[str, object]) -> str:
    """The credential's notes, then what itexit knew about it and its rotation history."""
    lines = [str(doc.get("notes", "")).rstrip()] if doc.get("notes") else []
    facts = [
        ("Host", cred.host),
        ("Port", str(cred.port) if cred.port else ""),
        ("Owner", str(doc.get("owner", ""))),
        ("Status", cred.status.replace("_", " ")),
        ("Retired", f"{cred.retired_at:%Y-%m-%d}" if cred.retired_at else ""),
        ("Recovery e-mail", str(doc.get("recovery_email", ""))),
        ("Recovery phone", str(doc.get("recovery_phone", ""))),
    ]
    about = [f"{label}: {value}" for label, value in facts if value]
    if cred.known_to_departing:
        about.append("Known to the departing person: yes")
    if cred.rotation_due:
        about.append(f"Due for rotation: {cred.rotation_reason or 'yes'}")
    events = session.scalars(
        select(CredentialEvent)
        .where(CredentialEvent.credential_id == cred.id)
        .order_by(CredentialEvent.seq)
    ).all()
    history = []
    for event in events:
        sealed = ctx.unseal(event)
        words = " ".join(
            part
            for part in (
                event.kind.replace("_", " "),
                event.stage,
                event.outcome,
                str(sealed.get("detail", "")),
                str(sealed.get("attested_how", "")),
                str(sealed.get("note", "")),
            )
            if part
        )
        history.append(f"{event.at:%Y-%m-%d %H:%M} {event.actor_name}: {words}")
    out = [*lines]
    if about:
        out += ["", "From itexit:", *about]
    if history:
        out += ["", "Rotation history:", *history]
    return "\n".join(out).strip()
