"""Bringing message headers in, from an mbox file or over IMAP, in bulk batches."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput, IntegrityFailure, NotFound
from itexit.domain.mailbox import (
    MessageHeaders,
    Progress,
    SyncResult,
    Tls,
)
from itexit.domain.roles import Permission
from itexit.services.classify import Classifier
from itexit.services.context import VaultContext
from itexit.services.mailbox.common import (
    IMPORT_FOLDER,
    WRITE_BATCH,
    ProgressFn,
    document_of,
    message_sealer,
    now,
    report,
)
from itexit.services.mailbox.rules import Rules
from itexit.store.mailbox import (
    MailFolderState,
    MailMessage,
    MonitoredMailbox,
    insert_messages,
    next_message_id,
)
from itexit.store.models import Credential, SecretVersion, utcnow

if TYPE_CHECKING:
    import ssl


class Writer:
    """Turns parsed headers into rows for one mailbox, tallying what it wrote."""

    def __init__(
        self, ctx: VaultContext, mailbox_id: str, classifier: Classifier, next_id: int
    ) -> None:
        self.cipher = message_sealer(ctx)
        self.ctx = ctx
        self.mailbox_id = mailbox_id
        self.classify = classifier
        self.next_id = next_id
        self.by_class: Counter[str] = Counter()
        self.added = 0

    def rows(
        self,
        folder: str,
        uidvalidity: int,
        items: Iterable[tuple[int, MessageHeaders]],
        fingerprints: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.cipher.epoch != self.ctx.epoch:  # re-keyed by someone else meanwhile
            self.cipher = message_sealer(self.ctx)
        cipher, mailbox_id = self.cipher, self.mailbox_id
        now, actor, epoch = utcnow(), self.ctx.actor.name, self.ctx.epoch
        for n, (uid, headers) in enumerate(items):
            record_id = self.next_id
            self.next_id += 1
            msg_class = self.classify(headers).value
            self.by_class[msg_class] += 1
            out.append(
                {
                    "id": record_id,
                    "mailbox_id": mailbox_id,
                    "folder": folder,
                    "uidvalidity": uidvalidity,
                    "uid": uid,
                    "sent_at": headers.date,
                    "msg_class": msg_class,
                    "manual_class": False,
                    "fingerprint": (
                        fingerprints[n] if fingerprints is not None else cipher.fingerprint(headers)
                    ),
                    "scope": "cred",
                    "epoch": epoch,
                    "version": 1,
                    "updated_at": now,
                    "updated_by": actor,
                    "doc": cipher.seal(
                        document_of(headers),
                        cipher.aad(record_id, mailbox_id, folder, uidvalidity, uid),
                    ),
                }
            )
        self.added += len(out)
        return out


class Ingest(Rules):
    """Import and sync; each batch is one transaction with one audit row."""

    def _store(
        self,
        writer: Writer,
        box_name: str,
        action: str,
        folder: str,
        uidvalidity: int,
        items: list[tuple[int, MessageHeaders]],
        *,
        folder_state: tuple[int, int] | None = None,
        reset: bool = False,
        malformed: int = 0,
        skipped: int = 0,
        fingerprints: list[str] | None = None,
    ) -> None:
        """One batch in one transaction: the rows, the folder's new position, one audit row."""
        with self.ctx.transaction() as session:
            box = self._find(session, box_name)
            dropped = 0
            if reset:
                dropped = int(
                    session.execute(
                        delete(MailMessage).where(
                            MailMessage.mailbox_id == box.id, MailMessage.folder == folder
                        )
                    ).rowcount  # type: ignore[attr-defined]
                    or 0
                )
            writer.next_id = max(writer.next_id, next_message_id(session))
            rows = writer.rows(folder, uidvalidity, items, fingerprints)
            if rows:
                insert_messages(session, rows)
            if folder_state is not None:
                state = session.scalars(
                    select(MailFolderState).where(
                        MailFolderState.mailbox_id == box.id, MailFolderState.folder == folder
                    )
                ).first()
                if state is None:
                    state = MailFolderState(mailbox_id=box.id, folder=folder)
                    session.add(state)
                state.uidvalidity, state.last_uid = folder_state
                state.synced_at = now()
            # bookkeeping, not an edit: no new version, nothing to re-seal
            session.execute(
                update(MonitoredMailbox)
                .where(MonitoredMailbox.id == box.id)
                .values(last_sync_at=now())
                .execution_options(synchronize_session=False)
            )
            details: dict[str, Any] = {"folder": folder, "added": len(rows)}
            if malformed:
                details["malformed"] = malformed
            if skipped:
                details["duplicates"] = skipped
            if reset:
                details["uidvalidity_changed"] = True
                details["dropped"] = dropped
            self.ctx.record(session, action, box.name, **details)

    def import_file(
        self,
        ref: str,
        path: Path,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        batch_size: int = WRITE_BATCH,
    ) -> SyncResult:
        """Import an mbox file, an .eml file or a folder of .eml files; re-imports add nothing."""
        from itexit.io.mbox import iter_export

        self.ctx.require(Permission.MAILBOX_REVIEW)
        is_cancelled = (lambda: cancel.is_set()) if cancel is not None else None
        parsed = (
            (p.headers, p.malformed, done, total)
            for p, done, total in iter_export(Path(path), is_cancelled)
        )
        return self._import(ref, parsed, progress, cancel, batch_size)

    def import_headers(
        self,
        ref: str,
        headers: Sequence[MessageHeaders],
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        batch_size: int = WRITE_BATCH,
    ) -> SyncResult:
        """Import headers another program has read already, as an export file is imported.

        The same batches, duplicate check and record as :meth:`import_file`: headers already
        in the mailbox are skipped, each batch is one transaction with one audit row.
        """
        self.ctx.require(Permission.MAILBOX_REVIEW)
        total = len(headers)
        items = ((h, False, n, total) for n, h in enumerate(headers, start=1))
        return self._import(ref, items, progress, cancel, batch_size)

    def _import(
        self,
        ref: str,
        parsed: Iterable[tuple[MessageHeaders | None, bool, int, int]],
        progress: ProgressFn | None,
        cancel: threading.Event | None,
        batch_size: int,
    ) -> SyncResult:
        """Store (headers, malformed, done, total) items in batches, skipping what is stored."""
        started = time.perf_counter()
        classifier = self.classifier()
        with self.ctx.reading() as session:
            box = self._find(session, ref)
            name, mailbox_id = box.name, box.id
            seen = set(
                session.scalars(
                    select(MailMessage.fingerprint).where(MailMessage.mailbox_id == mailbox_id)
                )
            )
            next_uid = (
                int(
                    session.scalar(
                        select(func.max(MailMessage.uid)).where(
                            MailMessage.mailbox_id == mailbox_id,
                            MailMessage.folder == IMPORT_FOLDER,
                        )
                    )
                    or 0
                )
                + 1
            )
            next_id = next_message_id(session)
        writer = Writer(self.ctx, mailbox_id, classifier, next_id)
        batch: list[tuple[int, MessageHeaders]] = []
        prints: list[str] = []
        malformed = skipped = batch_malformed = batch_skipped = 0
        cancelled = False

        def flush() -> None:
            nonlocal batch, prints, batch_malformed, batch_skipped
            if batch or batch_malformed or batch_skipped:
                self._store(
                    writer,
                    name,
                    "mailbox.import",
                    IMPORT_FOLDER,
                    0,
                    batch,
                    malformed=batch_malformed,
                    skipped=batch_skipped,
                    fingerprints=prints,
                )
            batch, prints, batch_malformed, batch_skipped = [], [], 0, 0

        last_report = 0
        for headers, bad, done, total in parsed:
            if bad:
                malformed += 1
                batch_malformed += 1
            if headers is not None:
                fp = writer.cipher.fingerprint(headers)
                if fp in seen:
                    skipped += 1
                    batch_skipped += 1
                else:
                    seen.add(fp)
                    batch.append((next_uid, headers))
                    prints.append(fp)
                    next_uid += 1
            if len(batch) >= batch_size:
                flush()
                if report(progress, cancel, Progress(done, total, "importing")):
                    cancelled = True
                    break
                last_report = done
            elif progress is not None and done - last_report >= 16384:
                last_report = done
                if report(progress, cancel, Progress(done, total, "importing")):
                    cancelled = True
                    break
        if cancel is not None and cancel.is_set():
            cancelled = True
        flush()
        return SyncResult(
            mailbox=name,
            added=writer.added,
            skipped=skipped,
            malformed=malformed,
            cancelled=cancelled,
            by_class=dict(writer.by_class),
            seconds=time.perf_counter() - started,
        )

    def _login(self, session: Session, box: MonitoredMailbox) -> tuple[str, str, str | None]:
        """The IMAP user name, current password and the practice's own certificate authority
        file (if any) from the linked credential."""
        if not box.credential_id:
            raise BadInput(
                f"{box.name} has no linked credential: link the rotated e-mail password first."
            )
        cred = session.get(Credential, box.credential_id)
        if cred is None:
            raise NotFound(f"The credential linked to {box.name} no longer exists.")
        current = session.scalars(
            select(SecretVersion).where(
                SecretVersion.credential_id == cred.id, SecretVersion.stage == "current"
            )
        ).first()
        if current is None:
            raise IntegrityFailure(f"{cred.system} has no current secret: the vault was altered.")
        doc = self.ctx.unseal(cred)
        username = str(doc.get("username") or box.address)
        ca_file = dict(doc.get("endpoint_options") or {}).get("ca_file")
        return username, str(self.ctx.unseal(current)["secret"]), str(ca_file) if ca_file else None

    def sync(
        self,
        ref: str,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        ssl_context: ssl.SSLContext | None = None,
        batch_size: int = 500,
    ) -> SyncResult:
        """Fetch new headers from the server, folder by folder, using the linked credential."""
        from itexit.io.imap_sync import FolderBatch, FolderPosition, ImapTarget, sync_folders

        self.ctx.require(Permission.MAILBOX_REVIEW)
        started = time.perf_counter()
        classifier = self.classifier()
        with self.ctx.reading() as session:
            box = self._find(session, ref)
            if not box.imap_host:
                raise BadInput(f"{box.name} has no IMAP server set; import an export instead.")
            self.ctx.unseal_endpoint(box)  # the server in the row is the one sealed with it
            username, password, ca_file = self._login(session, box)
            name, mailbox_id, folders = box.name, box.id, list(json.loads(box.folders))
            target = ImapTarget(
                host=box.imap_host,
                port=box.imap_port,
                tls=Tls(box.tls),
                username=username,
                password=password,
                ssl_context=ssl_context,
                ca_file=ca_file,
            )
            positions = {
                s.folder: FolderPosition(s.uidvalidity, s.last_uid)
                for s in session.scalars(
                    select(MailFolderState).where(MailFolderState.mailbox_id == mailbox_id)
                )
            }
            next_id = next_message_id(session)
            credential_id = box.credential_id
        # The use of the stored password is on the record before it leaves the process.
        with self.ctx.transaction() as session:
            self.ctx.record(
                session, "cred.use", name, credential_id=credential_id or "", purpose="mailbox sync"
            )
        writer = Writer(self.ctx, mailbox_id, classifier, next_id)
        malformed = 0
        resynced: list[str] = []

        def on_batch(batch: FolderBatch) -> None:
            nonlocal malformed
            bad = sum(1 for _, parsed in batch.messages if parsed.malformed)
            malformed += bad
            items = [(uid, p.headers) for uid, p in batch.messages if p.headers is not None]
            if batch.reset:
                resynced.append(batch.folder)
            self._store(
                writer,
                name,
                "mailbox.sync",
                batch.folder,
                batch.uidvalidity,
                items,
                folder_state=(batch.uidvalidity, batch.last_uid),
                reset=batch.reset,
                malformed=bad,
            )
            report(progress, cancel, Progress(batch.done, batch.total, batch.folder))

        def cancelled() -> bool:
            return cancel is not None and cancel.is_set()

        finished = sync_folders(target, folders, positions, on_batch, cancelled, batch_size)
        return SyncResult(
            mailbox=name,
            added=writer.added,
            malformed=malformed,
            folders_resynced=resynced,
            cancelled=not finished,
            by_class=dict(writer.by_class),
            seconds=time.perf_counter() - started,
        )
