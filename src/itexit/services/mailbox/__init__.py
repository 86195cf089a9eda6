"""Monitored mailboxes: sync, classify, and the logged review cadence.

Message headers arrive by the thousand, so they are written in bulk: the vault's bulk sealer
(`vault/mail_records.py`) seals each one, the store inserts a batch in one statement
(`store/mailbox.py`), and each batch is one transaction whose audit row summarises it. Each
message is still its own AEAD document bound to its row (docs/security.md), so a row copied
elsewhere fails to decrypt like any other record.

One module per group of use cases; `MailboxService` gathers them:
`mailboxes` → `messages` → `rules` → `ingest` → `actions` → `reviews`, each building on the one
before. `tiles` feeds the dashboard and reminders.
"""

from itexit.services.mailbox.common import (
    DEFAULT_PORTS,
    IMPORT_FOLDER,
    WRITE_BATCH,
    ProgressFn,
    to_mailbox,
)
from itexit.services.mailbox.reviews import MailboxService
from itexit.services.mailbox.tiles import reminders, tiles

__all__ = [
    "DEFAULT_PORTS",
    "IMPORT_FOLDER",
    "WRITE_BATCH",
    "MailboxService",
    "ProgressFn",
    "reminders",
    "tiles",
    "to_mailbox",
]
