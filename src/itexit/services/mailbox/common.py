"""What the mailbox use cases share: constants, row-to-model mapping, message documents."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from itexit.domain.mailbox import (
    Mailbox,
    MessageHeaders,
    Progress,
    Tls,
)
from itexit.services.context import VaultContext
from itexit.store.mailbox import (
    MailMessage,
    MonitoredMailbox,
)
from itexit.vault.scope_keys import MessageSealer

IMPORT_FOLDER = "(import)"
WRITE_BATCH = 5000
DEFAULT_PORTS = {Tls.SSL: 993, Tls.STARTTLS: 143, Tls.NONE: 143}

ProgressFn = Callable[[Progress], bool | None]
"""Called as work advances; returning False cancels (what was stored stays stored)."""


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
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
        last_sync_at=aware(row.last_sync_at),
        messages=messages,
        version=row.version,
    )


def document_of(headers: MessageHeaders) -> dict[str, str]:
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


def headers_of(doc: dict[str, Any]) -> MessageHeaders:
    return MessageHeaders(
        sender=doc.get("f", ""),
        to=doc.get("t", ""),
        subject=doc.get("s", ""),
        list_id=doc.get("li", ""),
        list_unsubscribe=doc.get("lu", ""),
        precedence=doc.get("p", ""),
        message_id=doc.get("m", ""),
    )


def report(progress: ProgressFn | None, cancel: threading.Event | None, p: Progress) -> bool:
    """Tell the caller how far we are; True when they asked to stop."""
    if cancel is not None and cancel.is_set():
        return True
    if progress is not None and progress(p) is False:
        if cancel is not None:
            cancel.set()
        return True
    return False


def message_sealer(ctx: VaultContext, epoch: int | None = None) -> MessageSealer:
    """The vault's bulk sealer for message rows under the `cred` key of ``epoch`` (default: now)."""
    return ctx.message_sealer(str(MailMessage.__tablename__), epoch)
