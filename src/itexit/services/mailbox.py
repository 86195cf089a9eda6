"""Monitored mailboxes: sync, classify, and the logged review cadence.

Message headers arrive by the thousand, so they are written in bulk: one Core INSERT per batch,
one AEAD object reused for the batch, and one transaction per batch whose audit row summarises
it. Each message is still its own AEAD document bound to its row (DESIGN §4), so a row copied
elsewhere fails to decrypt like any other record.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import operator
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput, IntegrityFailure, NotFound
from itexit.domain.mailbox import (
    ActionEntry,
    ActionKind,
    Mailbox,
    MessageClass,
    MessageHeaders,
    MessageRow,
    NewAction,
    NewMailbox,
    Progress,
    ReviewEntry,
    ReviewStatus,
    RuleSpec,
    SyncResult,
    Tls,
    check_keep_until,
    default_keep_until,
    preferred_unsubscribe,
    review_status,
)
from itexit.domain.models import Tile
from itexit.domain.reminders import Reminder, ReminderArea
from itexit.domain.roles import Permission, Scope
from itexit.domain.wording import count
from itexit.services.classify import Classifier
from itexit.services.context import VaultContext, check_version
from itexit.store.mailbox import (
    MailAction,
    MailFolderState,
    MailMessage,
    MailReview,
    MailRule,
    MonitoredMailbox,
)
from itexit.store.models import Credential, SecretVersion, utcnow
from itexit.vault import aead
from itexit.vault.records import FORMAT_VERSION, RecordAddress

if TYPE_CHECKING:
    import ssl

    from itexit.domain.renewals import NewRenewal
    from itexit.services.session import UnlockedVault

IMPORT_FOLDER = "(import)"
_UNSET = object()
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
MAIL_MESSAGES = cast(Table, MailMessage.__table__)
WRITE_BATCH = 5000
DEFAULT_PORTS = {Tls.SSL: 993, Tls.STARTTLS: 143, Tls.NONE: 143}

ProgressFn = Callable[[Progress], bool | None]
"""Called as work advances; returning False cancels (what was stored stays stored)."""


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def to_mailbox(row: MonitoredMailbox, messages: int = 0, system: str = "") -> Mailbox:
    return Mailbox(
        id=row.id,
        name=row.name,
        address=row.address,
        imap_host=row.imap_host,
        imap_port=row.imap_port,
        tls=Tls(row.tls),
        credential_id=row.credential_id,
        credential_system=system,
        left_on=row.left_on,
        keep_until=row.keep_until,
        daily_weeks=row.daily_weeks,
        owner=row.owner,
        folders=list(json.loads(row.folders)),
        last_sync_at=_aware(row.last_sync_at),
        messages=messages,
        version=row.version,
    )


# --- bulk sealing ---------------------------------------------------------------------------


class _MessageCipher:
    """Seal and open message documents with one AES-GCM object and a precomputed AAD template.

    The associated data is byte for byte what `RecordAddress.aad()` gives (checked when the
    cipher is built), so any message row also opens through `VaultContext.unseal` — the re-key
    on removing a person relies on that.
    """

    TABLE = str(MailMessage.__tablename__)

    def __init__(self, ctx: VaultContext, epoch: int | None = None) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self.epoch = ctx.epoch if epoch is None else epoch
        self.key = ctx.scope_key(Scope.CRED.value, self.epoch)
        self._aead = AESGCM(self.key)
        self._vault_json = json.dumps(ctx.vault_id, ensure_ascii=False)
        self._fp_key = hmac.new(self.key, b"itexit.mail.fingerprint", hashlib.sha256).digest()
        self._labels: dict[tuple[str, str], str] = {}
        sample = RecordAddress(
            vault_id=ctx.vault_id,
            table=self.TABLE,
            record_id="7",
            version=1,
            scope=Scope.CRED.value,
            epoch=self.epoch,
            labels={"mailbox_id": "m", "folder": "INBOX", "uidvalidity": 3, "uid": 9},
        )
        if sample.aad() != self.aad(7, "m", "INBOX", 3, 9):
            raise IntegrityFailure("The message record format does not match the vault's.")

    def aad(
        self, record_id: int, mailbox_id: str, folder: str, uidvalidity: int, uid: int
    ) -> bytes:
        prefix = self._labels.get((mailbox_id, folder))
        if prefix is None:
            prefix = (
                '{"folder":'
                + json.dumps(folder, ensure_ascii=False)
                + ',"mailbox_id":'
                + json.dumps(mailbox_id, ensure_ascii=False)
            )
            self._labels[(mailbox_id, folder)] = prefix
        labels = f'{prefix},"uid":{uid},"uidvalidity":{uidvalidity}}}'
        digest = hashlib.sha256(labels.encode()).hexdigest()
        return (
            f'itexit.record.v1\x00{{"epoch":{self.epoch},"fmt":{FORMAT_VERSION},'
            f'"id":"{record_id}","labels":"{digest}","scope":"cred",'
            f'"table":"{self.TABLE}","vault":{self._vault_json},"version":1}}'
        ).encode()

    def seal(self, document: dict[str, str], aad: bytes) -> bytes:
        nonce = os.urandom(aead.NONCE_BYTES)
        plaintext = _COMPACT_JSON.encode(document).encode()
        return aead.FORMAT + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, blob: bytes, aad: bytes) -> dict[str, Any]:
        from cryptography.exceptions import InvalidTag

        try:
            plaintext = self._aead.decrypt(blob[1 : 1 + aead.NONCE_BYTES], blob[13:], aad)
        except InvalidTag:
            raise IntegrityFailure(
                "An encrypted mail message does not verify: it was altered or moved."
            ) from None
        value = json.loads(plaintext)
        if not isinstance(value, dict):
            raise IntegrityFailure("An encrypted mail message is not a document.")
        return value

    def fingerprint(self, headers: MessageHeaders) -> str:
        basis = (
            headers.message_id
            or headers.header_digest
            or "\x00".join(
                (headers.sender, headers.subject, headers.date.isoformat() if headers.date else "")
            )
        )
        return hashlib.blake2b(basis.encode(), key=self._fp_key, digest_size=16).hexdigest()


def _document(headers: MessageHeaders) -> dict[str, str]:
    doc = {"f": headers.sender, "s": headers.subject}
    if headers.to:
        doc["t"] = headers.to
    if headers.list_id:
        doc["li"] = headers.list_id
    if headers.list_unsubscribe:
        doc["lu"] = headers.list_unsubscribe
    if headers.precedence:
        doc["p"] = headers.precedence
    if headers.message_id:
        doc["m"] = headers.message_id
    return doc


def _headers_of(doc: dict[str, Any]) -> MessageHeaders:
    return MessageHeaders(
        sender=doc.get("f", ""),
        to=doc.get("t", ""),
        subject=doc.get("s", ""),
        list_id=doc.get("li", ""),
        list_unsubscribe=doc.get("lu", ""),
        precedence=doc.get("p", ""),
        message_id=doc.get("m", ""),
    )


class _Writer:
    """Turns parsed headers into rows for one mailbox, tallying what it wrote."""

    def __init__(
        self, ctx: VaultContext, mailbox_id: str, classifier: Classifier, next_id: int
    ) -> None:
        self.cipher = _MessageCipher(ctx)
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
                        _document(headers),
                        cipher.aad(record_id, mailbox_id, folder, uidvalidity, uid),
                    ),
                }
            )
        self.added += len(out)
        return out


def _insert_messages(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert many message rows at the driver, in the transaction of `session`.

    The statement is compiled once for the dialect and each column's own bind conversion is
    applied (dates to text on SQLite, none on PostgreSQL), so the rows stored are the ones
    `session.execute(insert, rows)` would store, without its per-value bookkeeping, which
    was a tenth of an import's time.
    """
    connection = session.connection()
    dialect = connection.dialect
    keys = list(rows[0])
    compiled = MAIL_MESSAGES.insert().compile(dialect=dialect, column_keys=keys)
    converters = [
        (key, convert)
        for key in keys
        if (convert := MAIL_MESSAGES.c[key].type.bind_processor(dialect)) is not None
    ]
    for key, convert in converters:
        seen_in: Any = _UNSET
        seen_out: Any = None
        for row in rows:
            value = row[key]
            if value is not seen_in:  # a batch shares one `updated_at`: convert it once
                seen_in, seen_out = value, convert(value)
            row[key] = seen_out
    params: list[Any] = rows
    if compiled.positional:
        params = list(map(operator.itemgetter(*(compiled.positiontup or [])), rows))
    connection.exec_driver_sql(str(compiled), params)


def _next_message_id(session: Session) -> int:
    return int(session.scalar(select(func.max(MailMessage.id))) or 0) + 1


def _report(progress: ProgressFn | None, cancel: threading.Event | None, p: Progress) -> bool:
    """Tell the caller how far we are; True when they asked to stop."""
    if cancel is not None and cancel.is_set():
        return True
    if progress is not None and progress(p) is False:
        if cancel is not None:
            cancel.set()
        return True
    return False


# --- the service ----------------------------------------------------------------------------


class MailboxService:
    """Every use case of the monitored mailbox; each names its permission and audits changes."""

    def __init__(self, ctx: VaultContext) -> None:
        self.ctx = ctx

    # --- mailboxes ------------------------------------------------------------------------

    def _find(self, session: Session, ref: str) -> MonitoredMailbox:
        ref = ref.strip()
        row = session.scalars(
            select(MonitoredMailbox).where(
                (MonitoredMailbox.name == ref)
                | (MonitoredMailbox.address == ref)
                | (MonitoredMailbox.id == ref)
            )
        ).first()
        if row is None:
            raise NotFound(f"There is no monitored mailbox {ref!r}.")
        return row

    def _count(self, session: Session, mailbox_id: str) -> int:
        return int(
            session.scalar(
                select(func.count())
                .select_from(MailMessage)
                .where(MailMessage.mailbox_id == mailbox_id)
            )
            or 0
        )

    def _system(self, session: Session, credential_id: str | None) -> str:
        if not credential_id:
            return ""
        cred = session.get(Credential, credential_id)
        return cred.system if cred is not None else ""

    def add(self, new: NewMailbox) -> Mailbox:
        """Start monitoring a mailbox; refuses a keep-until less than a year after leaving."""
        self.ctx.require(Permission.MAILBOX_REVIEW)
        address = new.address.strip().lower()
        if "@" not in address or address.startswith("@") or address.endswith("@"):
            raise BadInput(f"{new.address!r} is not an e-mail address.")
        name = (new.name.strip() or address)[:120]
        keep_until = new.keep_until or default_keep_until(new.left_on)
        check_keep_until(new.left_on, keep_until)
        if not 0 <= new.daily_weeks <= 52:
            raise BadInput("Daily reviews last between 0 and 52 weeks after the departure.")
        folders = [f.strip() for f in new.folders if f.strip()]
        if not folders:
            raise BadInput("Choose at least one folder to monitor (INBOX at least).")
        port = new.imap_port or DEFAULT_PORTS[new.tls]
        if not 0 < port < 65536:
            raise BadInput(f"{port} is not a port number.")
        host = new.imap_host.strip()
        if new.tls is Tls.NONE and host not in ("", "localhost", "127.0.0.1", "::1"):
            raise BadInput(
                "An IMAP login without TLS would send the password in the clear; "
                "use ssl or starttls."
            )
        row = MonitoredMailbox(
            id=str(uuid.uuid4()),
            name=name,
            address=address,
            imap_host=host[:255],
            imap_port=port,
            tls=new.tls.value,
            credential_id=new.credential_id or None,
            left_on=new.left_on,
            keep_until=keep_until,
            daily_weeks=new.daily_weeks,
            owner=(new.owner.strip() or self.ctx.actor.name)[:80],
            folders=json.dumps(folders),
            version=1,
        )
        with self.ctx.transaction() as session:
            if session.scalars(
                select(MonitoredMailbox.id).where(MonitoredMailbox.name == name)
            ).first():
                raise BadInput(f"A monitored mailbox is already called {name!r}.")
            system = ""
            if row.credential_id:
                cred = (
                    session.get(Credential, row.credential_id)
                    or session.scalars(
                        select(Credential).where(Credential.system == row.credential_id)
                    ).first()
                )
                if cred is None:
                    raise NotFound(f"There is no credential {row.credential_id!r} to link.")
                row.credential_id, system = cred.id, cred.system
            self.ctx.seal(row, {"notes": new.notes}, Scope.CRED)
            session.add(row)
            session.flush()
            self.ctx.record(
                session,
                "mailbox.add",
                name,
                mailbox_id=row.id,
                address=address,
                keep_until=keep_until.isoformat(),
                credential_id=row.credential_id or "",
            )
            return to_mailbox(row, 0, system)

    def list_mailboxes(self) -> list[Mailbox]:
        self.ctx.require(Permission.MAILBOX_READ)
        with self.ctx.reading() as session:
            counts = dict(
                session.execute(
                    select(MailMessage.mailbox_id, func.count()).group_by(MailMessage.mailbox_id)
                ).all()
            )
            return [
                to_mailbox(
                    row, int(counts.get(row.id, 0)), self._system(session, row.credential_id)
                )
                for row in session.scalars(select(MonitoredMailbox).order_by(MonitoredMailbox.name))
            ]

    def get(self, ref: str) -> Mailbox:
        self.ctx.require(Permission.MAILBOX_READ)
        with self.ctx.reading() as session:
            row = self._find(session, ref)
            return to_mailbox(
                row, self._count(session, row.id), self._system(session, row.credential_id)
            )

    def set_folders(
        self, ref: str, folders: list[str], expected_version: int | None = None
    ) -> Mailbox:
        self.ctx.require(Permission.MAILBOX_REVIEW)
        chosen = [f.strip() for f in folders if f.strip()]
        if not chosen:
            raise BadInput("Choose at least one folder to monitor (INBOX at least).")
        with self.ctx.transaction() as session:
            row = self._find(session, ref)
            check_version(row, expected_version)
            row.folders = json.dumps(chosen)
            self.ctx.touch(row)
            self.ctx.record(session, "mailbox.folders", row.name, folders=chosen)
            return to_mailbox(row, self._count(session, row.id))

    # --- rules and classification ---------------------------------------------------------

    def rules(self) -> list[RuleSpec]:
        """The practice's rules (tried first) then the shipped ones, in the order applied."""
        self.ctx.require(Permission.MAILBOX_READ)
        return Classifier(self._practice_rules()).specs

    def _practice_rules(self) -> list[RuleSpec]:
        if not self.ctx.holds(Scope.CRED):
            return []
        with self.ctx.reading() as session:
            rows = session.scalars(
                select(MailRule).order_by(MailRule.position, MailRule.created_at)
            )
            return [
                RuleSpec.model_validate(
                    {**self.ctx.unseal(row), "id": row.id, "position": row.position}
                )
                for row in rows
            ]

    def classifier(self) -> Classifier:
        return Classifier(self._practice_rules())

    def add_rule(self, spec: RuleSpec) -> RuleSpec:
        """A practice rule, tried before the shipped ones; `resort_all` then re-sorts the mail."""
        self.ctx.require(Permission.MAILBOX_REVIEW)
        spec.build()  # one clear sentence for a bad pattern, before anything is written
        with self.ctx.transaction() as session:
            position = int(session.scalar(select(func.max(MailRule.position))) or 0) + 1
            row = MailRule(id=str(uuid.uuid4()), position=position, version=1)
            document = spec.model_dump(mode="json", exclude={"id", "position", "origin"})
            self.ctx.seal(row, document, Scope.CRED)
            session.add(row)
            session.flush()
            self.ctx.record(
                session,
                "mailbox.rule.add",
                spec.name,
                rule_id=row.id,
                msg_class=spec.msg_class.value,
            )
        return spec.model_copy(update={"id": row.id, "position": position, "origin": "practice"})

    def find_rule(self, ref: str) -> RuleSpec:
        """A practice rule by id, by the first four or more characters of it, or by name."""
        ref = ref.strip()
        every = self.rules()
        found = [
            spec
            for spec in every
            if spec.origin == "practice"
            and (
                spec.id == ref
                or (len(ref) >= 4 and spec.id.startswith(ref))
                or spec.name.lower() == ref.lower()
            )
        ]
        if not found:
            if any(spec.name.lower() == ref.lower() for spec in every):
                raise BadInput(
                    f"{ref!r} is shipped with itexit and stays; "
                    "a practice rule added with `rule add` is tried before it."
                )
            raise NotFound(f"There is no practice mail rule {ref!r}.")
        if len(found) > 1:
            raise BadInput(f"More than one practice rule matches {ref!r}; use its id.")
        return found[0]

    def resort_all(self) -> dict[str, int]:
        """After a rule change: re-sort every mailbox; how many messages moved, per mailbox."""
        moved = {box.name: sum(self.reclassify(box.name).values()) for box in self.list_mailboxes()}
        return {name: n for name, n in moved.items() if n}

    def remove_rule(self, rule_id: str) -> None:
        self.ctx.require(Permission.MAILBOX_REVIEW)
        with self.ctx.transaction() as session:
            row = session.get(MailRule, rule_id)
            if row is None:
                raise NotFound(f"There is no practice mail rule {rule_id!r}.")
            session.delete(row)
            self.ctx.record(session, "mailbox.rule.remove", rule_id)

    def reclassify(self, ref: str) -> dict[str, int]:
        """Apply the current rules to every message not classified by hand."""
        self.ctx.require(Permission.MAILBOX_REVIEW)
        classifier = self.classifier()
        cipher = _MessageCipher(self.ctx)
        changes: dict[str, list[int]] = {}
        with self.ctx.reading() as session:
            box = self._find(session, ref)
            for row in self._message_rows(session, box.id):
                if row.manual_class:
                    continue
                doc = self._open(cipher, row)
                cls = classifier(_headers_of(doc)).value
                if cls != row.msg_class:
                    changes.setdefault(cls, []).append(row.id)
        with self.ctx.transaction() as session:
            box = self._find(session, ref)
            for cls, ids in changes.items():
                for start in range(0, len(ids), 900):
                    session.execute(
                        update(MailMessage)
                        .where(MailMessage.id.in_(ids[start : start + 900]))
                        .values(msg_class=cls)
                    )
            counts = {cls: len(ids) for cls, ids in changes.items()}
            self.ctx.record(session, "mailbox.reclassify", box.name, changed=counts)
        return counts

    def set_class(self, ref: str, message_id: int, msg_class: MessageClass) -> MessageRow:
        """Classify one message by hand; later rule runs leave it alone."""
        self.ctx.require(Permission.MAILBOX_REVIEW)
        with self.ctx.transaction() as session:
            box = self._find(session, ref)
            row = self._message(session, box.id, message_id)
            session.execute(
                update(MailMessage)
                .where(MailMessage.id == row.id)
                .values(msg_class=msg_class.value, manual_class=True)
            )
            self.ctx.record(
                session, "mailbox.classify", box.name, message=row.id, msg_class=msg_class.value
            )
        return self.message(ref, message_id)

    # --- messages -------------------------------------------------------------------------

    def _message_rows(self, session: Session, mailbox_id: str) -> Iterator[MailMessage]:
        stmt = (
            select(MailMessage)
            .where(MailMessage.mailbox_id == mailbox_id)
            .order_by(MailMessage.sent_at.desc(), MailMessage.id.desc())
            .execution_options(yield_per=5000)
        )
        yield from session.scalars(stmt)

    def _open(self, cipher: _MessageCipher, row: MailMessage) -> dict[str, Any]:
        if row.epoch != cipher.epoch or row.version != 1:
            return self.ctx.unseal(row)
        aad = cipher.aad(row.id, row.mailbox_id, row.folder, row.uidvalidity, row.uid)
        return cipher.open(row.doc, aad)

    def _message(self, session: Session, mailbox_id: str, message_id: int) -> MailMessage:
        row = session.get(MailMessage, message_id)
        if row is None or row.mailbox_id != mailbox_id:
            raise NotFound(f"There is no message {message_id} in this mailbox.")
        return row

    def _to_row(
        self, row: MailMessage, doc: dict[str, Any] | None, unsubscribed: bool
    ) -> MessageRow:
        base: dict[str, Any] = {
            "id": row.id,
            "folder": row.folder,
            "date": _aware(row.sent_at),
            "msg_class": MessageClass(row.msg_class),
            "manual": row.manual_class,
            "unsubscribed": unsubscribed,
        }
        if doc is None:
            return MessageRow.model_construct(**{**_SEALED_DEFAULTS, **base, "sealed": True})
        return MessageRow.model_construct(
            **_EMPTY_DEFAULTS,
            **base,
            sealed=False,
            sender=doc.get("f", ""),
            to=doc.get("t", ""),
            subject=doc.get("s", ""),
            list_id=doc.get("li", ""),
            list_unsubscribe=doc.get("lu", ""),
            precedence=doc.get("p", ""),
            message_id=doc.get("m", ""),
        )

    def messages(
        self,
        ref: str,
        search: str = "",
        msg_class: MessageClass | None = None,
        limit: int | None = None,
        progress: ProgressFn | None = None,
    ) -> list[MessageRow]:
        """Newest first, decrypted in memory; without the `cred` key only dates and classes."""
        self.ctx.require(Permission.MAILBOX_READ)
        needle = search.strip().lower()
        readable = self.ctx.holds(Scope.CRED)
        if needle and not readable:
            raise BadInput(
                "Searching subjects and senders needs the cred key, which your role lacks."
            )
        cipher = _MessageCipher(self.ctx) if readable else None
        out: list[MessageRow] = []
        with self.ctx.reading() as session:
            box = self._find(session, ref)
            total = self._count(session, box.id)
            unsubscribed = set(
                session.scalars(
                    select(MailAction.message_id).where(
                        MailAction.mailbox_id == box.id,
                        MailAction.kind == ActionKind.UNSUBSCRIBED.value,
                    )
                )
            )
            for done, row in enumerate(self._message_rows(session, box.id), start=1):
                if msg_class is not None and row.msg_class != msg_class.value:
                    continue
                doc = self._open(cipher, row) if cipher is not None else None
                item = self._to_row(row, doc, row.id in unsubscribed)
                if needle and needle not in item.haystack():
                    continue
                out.append(item)
                if limit is not None and len(out) >= limit:
                    break
                if progress is not None and done % 5000 == 0:
                    progress(Progress(done, total, "reading"))
        # leaving a list covers every message it sent, not only the one it was logged on
        left = {m.list_id for m in out if m.unsubscribed and m.list_id}
        if left:
            out = [
                m.model_copy(update={"unsubscribed": True})
                if not m.unsubscribed and m.list_id in left
                else m
                for m in out
            ]
        return out

    def message(self, ref: str, message_id: int) -> MessageRow:
        self.ctx.require(Permission.MAILBOX_READ)
        with self.ctx.reading() as session:
            box = self._find(session, ref)
            row = self._message(session, box.id, message_id)
            doc = self.ctx.unseal(row) if self.ctx.holds(Scope.CRED) else None
            unsubscribed = bool(
                session.scalar(
                    select(func.count())
                    .select_from(MailAction)
                    .where(
                        MailAction.message_id == row.id,
                        MailAction.kind == ActionKind.UNSUBSCRIBED.value,
                    )
                )
            )
            return self._to_row(row, doc, unsubscribed)

    def counts(self, ref: str) -> dict[str, int]:
        """How many messages of each class, without decrypting anything."""
        self.ctx.require(Permission.MAILBOX_READ)
        with self.ctx.reading() as session:
            box = self._find(session, ref)
            return {
                str(cls): int(n)
                for cls, n in session.execute(
                    select(MailMessage.msg_class, func.count())
                    .where(MailMessage.mailbox_id == box.id)
                    .group_by(MailMessage.msg_class)
                ).all()
            }

    # --- import and sync ------------------------------------------------------------------

    def _store(
        self,
        writer: _Writer,
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
            writer.next_id = max(writer.next_id, _next_message_id(session))
            rows = writer.rows(folder, uidvalidity, items, fingerprints)
            if rows:
                _insert_messages(session, rows)
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
                state.synced_at = _now()
            # bookkeeping, not an edit: no new version, nothing to re-seal
            session.execute(
                update(MonitoredMailbox)
                .where(MonitoredMailbox.id == box.id)
                .values(last_sync_at=_now())
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
            next_id = _next_message_id(session)
        writer = _Writer(self.ctx, mailbox_id, classifier, next_id)
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

        is_cancelled = (lambda: cancel.is_set()) if cancel is not None else None
        last_report = 0
        for parsed, done, total in iter_export(Path(path), is_cancelled):
            if parsed.malformed:
                malformed += 1
                batch_malformed += 1
            headers = parsed.headers
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
                if _report(progress, cancel, Progress(done, total, "importing")):
                    cancelled = True
                    break
                last_report = done
            elif progress is not None and done - last_report >= 16384:
                last_report = done
                if _report(progress, cancel, Progress(done, total, "importing")):
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

    def _login(self, session: Session, box: MonitoredMailbox) -> tuple[str, str]:
        """The IMAP user name and current password from the linked credential."""
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
        username = str(self.ctx.unseal(cred).get("username") or box.address)
        return username, str(self.ctx.unseal(current)["secret"])

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
            username, password = self._login(session, box)
            name, mailbox_id, folders = box.name, box.id, list(json.loads(box.folders))
            target = ImapTarget(
                host=box.imap_host,
                port=box.imap_port,
                tls=Tls(box.tls),
                username=username,
                password=password,
                ssl_context=ssl_context,
            )
            positions = {
                s.folder: FolderPosition(s.uidvalidity, s.last_uid)
                for s in session.scalars(
                    select(MailFolderState).where(MailFolderState.mailbox_id == mailbox_id)
                )
            }
            next_id = _next_message_id(session)
            credential_id = box.credential_id
        # The use of the stored password is on the record before it leaves the process.
        with self.ctx.transaction() as session:
            self.ctx.record(
                session, "cred.use", name, credential_id=credential_id or "", purpose="mailbox sync"
            )
        writer = _Writer(self.ctx, mailbox_id, classifier, next_id)
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
            _report(progress, cancel, Progress(batch.done, batch.total, batch.folder))

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

    # --- actions --------------------------------------------------------------------------

    def _to_action(self, row: MailAction) -> ActionEntry:
        doc = self.ctx.unseal(row) if self.ctx.holds(Scope.CRED) else None
        return ActionEntry(
            id=row.id,
            kind=ActionKind(row.kind),
            at=_aware(row.at) or row.at,
            by=row.by,
            message_id=row.message_id,
            target=(doc or {}).get("target", ""),
            note=(doc or {}).get("note", ""),
            sealed=doc is None,
            renewal_id=(doc or {}).get("renewal_id") or "",
        )

    def _log(self, session: Session, box: MonitoredMailbox, action: NewAction) -> MailAction:
        if action.message_id is not None:
            self._message(session, box.id, action.message_id)
        row = MailAction(
            id=str(uuid.uuid4()),
            mailbox_id=box.id,
            message_id=action.message_id,
            kind=action.kind.value,
            at=_now(),
            by=self.ctx.actor.name,
            version=1,
        )
        self.ctx.seal(
            row,
            {"target": action.target, "note": action.note, "renewal_id": action.renewal_id},
            Scope.CRED,
        )
        session.add(row)
        session.flush()
        self.ctx.record(
            session,
            f"mailbox.{action.kind.value}",
            box.name,
            action_id=row.id,
            message=action.message_id,
            renewal_id=action.renewal_id,
        )
        return row

    def log_action(self, ref: str, action: NewAction) -> ActionEntry:
        self.ctx.require(Permission.MAILBOX_REVIEW)
        if action.kind is ActionKind.FORWARDED and not action.target.strip():
            raise BadInput("Say who the message was forwarded to.")
        if action.kind is ActionKind.NOTED and not action.note.strip():
            raise BadInput("A note needs some text.")
        with self.ctx.transaction() as session:
            box = self._find(session, ref)
            return self._to_action(self._log(session, box, action))

    def log_unsubscribe(self, ref: str, message_id: int, note: str = "") -> ActionEntry:
        """Record that the list was left (itexit sends no mail): the target is kept with it."""
        self.ctx.require(Permission.MAILBOX_REVIEW)
        row = self.message(ref, message_id)
        target = preferred_unsubscribe(row.list_unsubscribe)
        if not target:
            raise BadInput(
                "This message has no List-Unsubscribe header: unsubscribe on the sender's site "
                "and log it as a note."
            )
        return self.log_action(
            ref,
            NewAction(
                kind=ActionKind.UNSUBSCRIBED, message_id=message_id, target=target, note=note
            ),
        )

    def create_renewal(self, ref: str, message_id: int, new: NewRenewal) -> ActionEntry:
        """Record the renewal a notice announces, and log it against the message."""
        from itexit.services.renewals import RenewalService

        self.ctx.require(Permission.MAILBOX_REVIEW)
        renewals = RenewalService(self.ctx)
        people = renewals.ready(new)
        with self.ctx.transaction() as session:
            box = self._find(session, ref)
            self._message(session, box.id, message_id)  # before anything is written
            renewal = renewals.insert(session, new, people)
            action = NewAction(
                kind=ActionKind.RENEWAL_CREATED,
                message_id=message_id,
                target=f"{new.vendor}: {new.item}",
                renewal_id=renewal.id,
            )
            return self._to_action(self._log(session, box, action))

    def actions(self, ref: str) -> list[ActionEntry]:
        self.ctx.require(Permission.MAILBOX_READ)
        with self.ctx.reading() as session:
            box = self._find(session, ref)
            rows = session.scalars(
                select(MailAction)
                .where(MailAction.mailbox_id == box.id)
                .order_by(MailAction.at.desc())
            )
            return [self._to_action(row) for row in rows]

    # --- reviews and the cadence ----------------------------------------------------------

    def _last_review(self, session: Session, mailbox_id: str) -> MailReview | None:
        return session.scalars(
            select(MailReview)
            .where(MailReview.mailbox_id == mailbox_id)
            .order_by(MailReview.reviewed_at.desc())
            .limit(1)
        ).first()

    def _since(self, session: Session, mailbox_id: str, after: int) -> tuple[int, int]:
        """How many messages came after message `after`, and the highest id among them."""
        count, high = session.execute(
            select(func.count(), func.max(MailMessage.id)).where(
                MailMessage.mailbox_id == mailbox_id, MailMessage.id > after
            )
        ).one()
        return int(count or 0), int(high or 0)

    def record_review(
        self, ref: str, findings: str, actions: list[NewAction] | None = None
    ) -> ReviewEntry:
        """Log a review: the messages since the last one, what was found, what was done."""
        self.ctx.require(Permission.MAILBOX_REVIEW)
        findings = findings.strip()
        if not findings:
            raise BadInput('Write what the review found ("nothing new" is a finding).')
        with self.ctx.transaction() as session:
            box = self._find(session, ref)
            last = self._last_review(session, box.id)
            since_id = last.last_message_id if last is not None else 0
            since_at = _aware(last.reviewed_at) if last is not None else None
            reviewed, high = self._since(session, box.id, since_id)
            for action in actions or []:
                self._log(session, box, action)
            logged = (
                select(func.count()).select_from(MailAction).where(MailAction.mailbox_id == box.id)
            )
            if since_at is not None:
                logged = logged.where(MailAction.at > since_at)
            action_count = int(session.scalar(logged) or 0)
            row = MailReview(
                id=str(uuid.uuid4()),
                mailbox_id=box.id,
                reviewer=self.ctx.actor.name,
                reviewed_at=_now(),
                messages_reviewed=reviewed,
                actions=action_count,
                last_message_id=max(high, since_id),
                version=1,
            )
            self.ctx.seal(row, {"findings": findings}, Scope.CRED)
            session.add(row)
            session.flush()
            self.ctx.record(
                session,
                "mailbox.review",
                box.name,
                review_id=row.id,
                messages_reviewed=reviewed,
                actions=action_count,
            )
            return self._to_review(row)

    def _to_review(self, row: MailReview) -> ReviewEntry:
        doc = self.ctx.unseal(row) if self.ctx.holds(Scope.CRED) else None
        return ReviewEntry(
            id=row.id,
            reviewer=row.reviewer,
            at=_aware(row.reviewed_at) or row.reviewed_at,
            messages_reviewed=row.messages_reviewed,
            actions=row.actions,
            findings=(doc or {}).get("findings", ""),
            sealed=doc is None,
        )

    def reviews(self, ref: str) -> list[ReviewEntry]:
        self.ctx.require(Permission.MAILBOX_READ)
        with self.ctx.reading() as session:
            box = self._find(session, ref)
            rows = session.scalars(
                select(MailReview)
                .where(MailReview.mailbox_id == box.id)
                .order_by(MailReview.reviewed_at.desc())
            )
            return [self._to_review(row) for row in rows]

    def _status(self, session: Session, box: MonitoredMailbox, today: date) -> ReviewStatus:
        last = self._last_review(session, box.id)
        new, _ = self._since(session, box.id, last.last_message_id if last is not None else 0)
        return review_status(
            mailbox=box.name,
            address=box.address,
            owner=box.owner,
            left_on=box.left_on,
            daily_weeks=box.daily_weeks,
            keep_until=box.keep_until,
            last_review=_aware(last.reviewed_at) if last is not None else None,
            today=today,
            new_messages=new,
        )

    def status(self, ref: str, today: date | None = None) -> ReviewStatus:
        self.ctx.require(Permission.MAILBOX_READ)
        with self.ctx.reading() as session:
            return self._status(session, self._find(session, ref), today or date.today())

    def statuses(self, today: date | None = None) -> list[ReviewStatus]:
        self.ctx.require(Permission.MAILBOX_READ)
        with self.ctx.reading() as session:
            return [
                self._status(session, box, today or date.today())
                for box in session.scalars(select(MonitoredMailbox).order_by(MonitoredMailbox.name))
            ]


_EMPTY_DEFAULTS: dict[str, Any] = {}
_SEALED_DEFAULTS: dict[str, Any] = {
    "sender": "",
    "to": "",
    "subject": "",
    "list_id": "",
    "list_unsubscribe": "",
    "precedence": "",
    "message_id": "",
}


# --- dashboard, reminders and the demo --------------------------------------------------------


def tiles(ctx: VaultContext, today: date) -> list[Tile]:
    """Reviews overdue across the monitored mailboxes, read live."""
    if not ctx.can(Permission.MAILBOX_READ):
        return []
    statuses = MailboxService(ctx).statuses(today)
    if not statuses:
        return [
            Tile(
                key="mailbox",
                title="Mailbox reviews overdue",
                count=None,
                caption="no mailbox monitored yet",
                severity="idle",
                screen="mailbox",
            )
        ]
    overdue = [s for s in statuses if s.overdue]
    if overdue:
        worst = max(overdue, key=lambda s: s.days_overdue)
        caption = f"{worst.mailbox}: due {worst.next_due:%d %b}" if worst.next_due else ""
    else:
        upcoming = min((s.next_due for s in statuses if s.next_due), default=None)
        caption = f"next review {upcoming:%d %b}" if upcoming else "past keep-until"
    return [
        Tile(
            key="mailbox",
            title="Mailbox reviews overdue",
            count=len(overdue),
            caption=caption,
            severity="alert" if overdue else "ok",
            screen="mailbox",
        )
    ]


def reminders(ctx: VaultContext, today: date) -> list[Reminder]:
    """The next review of each monitored mailbox: overdue, or due today or tomorrow."""
    if not ctx.can(Permission.MAILBOX_READ):
        return []
    out: list[Reminder] = []
    for status in MailboxService(ctx).statuses(today):
        if status.next_due is None or status.next_due > today + timedelta(days=1):
            continue
        detail = f"{count(status.new_messages, 'new message')}; reviewer {status.owner}"
        out.append(
            Reminder(
                area=ReminderArea.MAILBOX,
                title=f"Review the mailbox {status.address}",
                due=status.next_due,
                overdue=status.overdue,
                ref=status.mailbox,
                detail=detail,
            )
        )
    return out


def build_demo(vault: UnlockedVault, today: date) -> None:
    """Gary's mailbox: about 200 fictional header-only messages and a review now overdue."""
    from itexit.services.demo import SEED

    left_on = today - timedelta(days=12)
    service = vault.mailboxes
    cred = next(
        (c for c in vault.credentials.list() if c.category.value == "email"),
        None,
    )
    service.add(
        NewMailbox(
            address="gary@greenwayfp.example",
            name="gary",
            imap_host="outlook.office365.example",
            tls=Tls.SSL,
            credential_id=cred.id if cred is not None else None,
            left_on=left_on,
            owner="priya",
            notes="Kept for a year after Gary left; review daily for four weeks, then weekly.",
        )
    )
    _demo_messages(vault, "gary", today, SEED)
    ctx = vault.ctx
    with ctx.transaction() as session:
        box = session.scalars(select(MonitoredMailbox).where(MonitoredMailbox.name == "gary")).one()
        dated = session.execute(
            select(MailMessage.id, MailMessage.sent_at)
            .where(MailMessage.mailbox_id == box.id)
            .order_by(MailMessage.id)
        ).all()
        plan = [
            (
                left_on + timedelta(days=1),
                "priya",
                "Renewal notices for the domain and the EHR licence; both added to renewals.",
            ),
            (
                left_on + timedelta(days=4),
                "priya",
                "Three newsletters unsubscribed; nothing else needs action.",
            ),
            (
                today - timedelta(days=3),
                "maria",
                "Security alert from the firewall vendor forwarded to Priya.",
            ),
        ]
        reviews = []
        previous = 0
        for day, reviewer, findings in plan:
            cutoff = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=17)
            covered = [
                mid
                for mid, sent in dated
                if mid > previous and sent is not None and (_aware(sent) or cutoff) <= cutoff
            ]
            previous = max(covered, default=previous)
            reviews.append((day, reviewer, findings, covered))
        for day, reviewer, findings, covered in reviews:
            at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=17)
            row = MailReview(
                id=str(uuid.uuid4()),
                mailbox_id=box.id,
                reviewer=reviewer,
                reviewed_at=at,
                messages_reviewed=len(covered),
                actions=0,
                last_message_id=max(covered, default=0),
                version=1,
            )
            ctx.seal(row, {"findings": findings}, Scope.CRED)
            session.add(row)
            session.flush()
            ctx.record(
                session,
                "mailbox.review",
                box.name,
                review_id=row.id,
                messages_reviewed=len(covered),
            )


_DEMO_SENDERS = {
    MessageClass.RENEWAL: [
        (
            "Registrar Renewals <renewals@registrar.example.net>",
            "Your domain greenwayfp.example expires in {days} days",
        ),
        (
            "CertDesk <expiry@certdesk.example.com>",
            "Certificate for portal.greenwayfp.example expires soon",
        ),
        ("EHR Licensing <licensing@ehr.example.com>", "Your annual EHR licence renews on {d}"),
        (
            "Backup Cloud <accounts@backupcloud.example>",
            "Subscription ending: renew to keep your backups",
        ),
    ],
    MessageClass.BILLING: [
        ("Billing <billing@phoneco.example>", "Invoice {n} for your phone lines"),
        ("Accounts <invoices@copierlease.example>", "Payment received, thank you"),
        ("Office Suite <billing@officesuite.example>", "Your receipt for {d}"),
    ],
    MessageClass.SUPPORT: [
        ("EHR Support <support@ehr.example.com>", "Ticket [#{n}] lab interface queue stalled"),
        ("Network NOC <noc@isp.example.net>", "Scheduled maintenance window on {d}"),
        ("Printer Support <helpdesk@printfleet.example>", "Service request {n} closed"),
    ],
    MessageClass.SECURITY: [
        (
            "Firewall Alerts <security@firewall.example>",
            "Security alert: {days} failed login attempts",
        ),
        ("Accounts <no-reply@accounts.officesuite.example>", "New sign-in to the admin account"),
    ],
    MessageClass.NEWSLETTER: [
        ("SysAdmin Weekly <news@sysadminweekly.example>", "This week: patch notes and {days} tips"),
        ("Health IT Today <newsletter@healthit.example>", "Webinar: HIPAA audits in {d}"),
        ("Cloud Digest <digest@clouddigest.example>", "Your digest #{n}"),
    ],
    MessageClass.PERSONAL: [
        ("Pat Holt <pat.holt@gmail.example>", "Dinner on Saturday?"),
        ("Fantasy League <league@yahoo.example>", "Fantasy football week {n} results"),
    ],
    MessageClass.OTHER: [
        ("Front Desk <frontdesk@greenwayfp.example>", "Room 3 monitor flickers again"),
        ("Dr. Haddad <ohaddad@greenwayfp.example>", "Can you look at the fax server"),
    ],
}
_DEMO_WEIGHTS = {
    MessageClass.RENEWAL: 18,
    MessageClass.BILLING: 26,
    MessageClass.SUPPORT: 30,
    MessageClass.SECURITY: 12,
    MessageClass.NEWSLETTER: 70,
    MessageClass.PERSONAL: 14,
    MessageClass.OTHER: 30,
}


def demo_headers(today: date, seed: int, count: int = 200) -> list[MessageHeaders]:
    """Fictional header-only messages over the last few weeks, reproducible from the seed."""
    import random

    rng = random.Random(seed)
    classes = list(_DEMO_WEIGHTS)
    weights = [_DEMO_WEIGHTS[c] for c in classes]
    start = datetime.combine(today - timedelta(days=40), datetime.min.time(), tzinfo=UTC)
    out: list[MessageHeaders] = []
    for i in range(count):
        cls = rng.choices(classes, weights)[0]
        sender, subject = rng.choice(_DEMO_SENDERS[cls])
        when = start + timedelta(minutes=rng.randrange(0, 40 * 24 * 60))
        day = (when + timedelta(days=rng.randrange(10, 60))).strftime("%d %b")
        domain = sender.rsplit("@", 1)[1].rstrip(">")
        is_list = cls is MessageClass.NEWSLETTER
        out.append(
            MessageHeaders(
                sender=sender,
                to="Gary Thistle <gary@greenwayfp.example>",
                subject=subject.format(
                    n=rng.randrange(1000, 9000), d=day, days=rng.randrange(5, 60)
                ),
                date=when,
                list_id=f"<news.{domain}>" if is_list else "",
                list_unsubscribe=(
                    f"<https://{domain}/unsubscribe?u=demo{i}>, <mailto:leave@{domain}>"
                    if is_list
                    else ""
                ),
                precedence="bulk" if is_list else "",
                message_id=f"<demo-{seed}-{i}@{domain}>",
            )
        )
    return sorted(out, key=lambda h: h.date or start)


def _demo_messages(vault: UnlockedVault, name: str, today: date, seed: int) -> None:
    service = vault.mailboxes
    headers = demo_headers(today, seed)
    with vault.ctx.reading() as session:
        box = service._find(session, name)
        mailbox_id = box.id
        next_id = _next_message_id(session)
    writer = _Writer(vault.ctx, mailbox_id, service.classifier(), next_id)
    service._store(
        writer,
        name,
        "mailbox.import",
        "INBOX",
        1,
        [(uid, h) for uid, h in enumerate(headers, start=1)],
        folder_state=(1, len(headers)),
    )
