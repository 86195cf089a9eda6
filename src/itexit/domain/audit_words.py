"""What each audited action means, in words a practice manager reads without a glossary.

The audit log stores short action codes (`cred.reveal`); the viewer shows these sentences
instead, and searches them, so "revealed" finds every reveal.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime

from itexit.domain import checklist, exposures, sweep
from itexit.domain.models import Frozen
from itexit.domain.text import clean

ACTION_WORDS: dict[str, str] = {
    "auth.failed": "A failed attempt to unlock",
    "auth.unlock": "Unlocked the vault",
    "backup.failed": "A backup failed",
    "backup.verified": "Made a backup and proved it restores",
    "case.create": "Opened a departure case",
    "case.date": "Changed the dates of a case",
    "case.status": "Moved a case to another stage",
    "case.watch_period": "Changed how long a case is watched",
    "cred.add": "Added a credential",
    "cred.add_many": "Added credentials",
    "cred.copy": "Copied a password",
    "cred.delete": "Deleted a credential",
    "cred.edit": "Changed a credential",
    "cred.put_back": "Put back a tampered credential",
    "cred.reconcile": "Checked which saved password still works",
    "cred.retire": "Retired a credential",
    "cred.reveal": "Revealed a password",
    "cred.rotate.anyway": "Rotated while a leaver could unlock",
    "cred.rotate.start": "Saved a new password before changing it",
    "cred.rotate.set": "Set the new password on the system",
    "cred.rotate.confirm": "Checked whether the new password works",
    "cred.sweep_admin": "Changed which login the sweep uses",
    "cred.use": "Used a saved login on a system",
    "cred.verify": "Checked whether a login works",
    "cred.verify_old": "Checked whether the old password works",
    "cred.watch": "Watched a system for the old password",
    "export.kdbx": "Exported credentials to a KeePass file",
    "exposure.accept": "Accepted a remaining risk",
    "handover.drain": "Took in passwords handed over",
    "handover.key": "Made a key for handing over passwords",
    "import.commit": "Imported credentials",
    "mailbox.add": "Started watching a mailbox",
    "mailbox.edit": "Changed a watched mailbox",
    "mailbox.classify": "Sorted mailbox messages",
    "mailbox.folders": "Chose which mailbox folders are read",
    "mailbox.forwarded": "Forwarded a message",
    "mailbox.import": "Imported mailbox messages",
    "mailbox.noted": "Noted a message",
    "mailbox.reclassify": "Sorted mailbox messages again",
    "mailbox.renewal_created": "Made a renewal from a message",
    "mailbox.renewal_linked": "Linked a message to a renewal",
    "mailbox.review": "Reviewed a mailbox",
    "mailbox.rule.add": "Added a mail sorting rule",
    "mailbox.rule.remove": "Removed a mail sorting rule",
    "mailbox.sync": "Read new messages from a mailbox",
    "mailbox.unsubscribed": "Unsubscribed from a mailing",
    "recovery_kit.stored": "Confirmed the recovery kit is stored",
    "renewal.add": "Added a renewal",
    "renewal.check": "Checked a renewal date online",
    "renewal.date_changed": "A renewal date changed",
    "renewal.delete": "Deleted a renewal",
    "renewal.edit": "Changed a renewal",
    "renewal.export_ics": "Exported renewals to a calendar",
    "renewal.state": "Marked a renewal renewed or cancelled",
    "roster.sign": "Signed the list of people who can unlock",
    "settings.backup_max_age": "Changed how old a backup may get",
    "statement.copy.read": "Opened the signed exit statement",
    "statement.edit": "Changed the exit statement",
    "statement.password.add": "Listed a password on the exit statement",
    "statement.prepare": "Prepared the exit statement",
    "statement.print": "Printed the exit statement",
    "statement.property_items.add": "Listed property to return",
    "statement.property_items.mark": "Marked property returned",
    "statement.property_items.returned_after_signing": "Property returned after the signing",
    "statement.property_items.remove": "Removed property from the list",
    "statement.sign": "Recorded the signed exit statement",
    "sweep.accept": "Accepted leftover access as a risk",
    "sweep.close": "Closed leftover access",
    "sweep.identity": "Named who to look for on the systems",
    "sweep.record": "Looked for leftover access",
    "sweep.use_credential": "Chose the login the sweep uses",
    "task.add": "Added a task",
    "task.assign": "Gave a task to someone",
    "task.done": "Marked a task done",
    "task.evidence": "Added evidence to a task",
    "task.na": "Marked a task not applicable",
    "task.reopen": "Reopened a task",
    "user.add": "Added a person who can unlock",
    "user.edit": "Changed a person's details",
    "user.passwd": "Changed a passphrase",
    "user.remove": "Removed a person; the vault has new keys",
    "user.reset": "Reset a passphrase with the recovery kit",
    "vault.create": "Created the vault",
    "vault.restore": "Restored a backup",
    "vendor.add": "Added a vendor",
    "vendor.contact.add": "Added a vendor contact",
    "vendor.contact.edit": "Changed a vendor contact",
    "vendor.contact.remove": "Removed a vendor contact",
    "vendor.edit": "Changed a vendor",
    "vendor.flags": "Updated vendor warnings",
    "vendor.link": "Linked a credential to a vendor",
    "vendor.remove": "Removed a vendor",
    "vendor.unlink": "Unlinked a credential from a vendor",
}

_AREA_WORDS = {
    "auth": "Unlocking",
    "backup": "Backups",
    "case": "A case",
    "cred": "A credential",
    "export": "An export",
    "exposure": "A risk",
    "handover": "A hand-over",
    "import": "An import",
    "mailbox": "A mailbox",
    "renewal": "A renewal",
    "roster": "The people who can unlock",
    "settings": "Settings",
    "statement": "The exit statement",
    "sweep": "Leftover access",
    "task": "A task",
    "user": "A person",
    "vault": "The vault",
    "vendor": "A vendor",
}


def action_words(action: str) -> str:
    """`cred.reveal` → "Revealed a password"; an action not listed still reads as words."""
    known = ACTION_WORDS.get(action)
    if known is not None:
        return known
    area, _, rest = action.partition(".")
    what = rest.replace(".", " ").replace("_", " ").strip() or "changed"
    return f"{_AREA_WORDS.get(area, area.replace('_', ' ').capitalize())}: {what}"


def actions_matching(text: str) -> list[str]:
    """The action codes whose words contain `text` (any case), for searching the log."""
    needle = text.strip().lower()
    if not needle:
        return []
    return [code for code, words in ACTION_WORDS.items() if needle in words.lower()]


UNAUTHENTICATED_WORDS = "Nobody proven"
"""Who an unsigned entry (a failed unlock) is shown as: a name typed there proves nothing."""
UNPROVEN_WORDS = "Not proven"
"""Who a signed entry is shown as when its key belongs to nobody on the member list."""


class AuditQuery(Frozen):
    """What the viewer shows: every field narrows; empty shows the whole log."""

    person: str = ""
    """A member's name as the member list knows it, or `UNAUTHENTICATED_WORDS`."""
    text: str = ""
    """Words to find in what happened, the system or person it was about, or its details."""
    since: date | None = None
    until: date | None = None
    """Inclusive, in the workstation's local time."""


class AuditLine(Frozen):
    """One entry as the viewer shows it."""

    seq: int
    at: datetime
    actor: str
    """The member whose key signed it, or `UNAUTHENTICATED_WORDS` / `UNPROVEN_WORDS`."""
    proven: bool
    """True when the signing key belongs to `actor` on the member list."""
    action: str
    what: str
    target: str
    details: dict[str, object]


class AuditPage(Frozen):
    lines: list[AuditLine]
    offset: int
    total: int
    """How many entries match the query, all pages together."""


_HIDDEN_SUFFIXES = ("_id", "_key", "_hash")


KIND_WORDS: dict[str, str] = {
    **{kind.value: words for kind, words in sweep.KIND_LABELS.items()},
    **{kind.value: words for kind, words in checklist.KIND_LABELS.items()},
    **exposures.OUTSIDE_LABELS,
    **{kind.value: words for kind, words in exposures.KIND_LABELS.items()},
}
"""The kind an entry's details name (a risk, a case, a finding on a server), in words."""


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


def _as_written(value: str) -> str:
    """A date or date-time written for machines ("2026-11-15T17:00:00+00:00") as the rest of
    the app writes it ("15 Nov 2026 17:00", in this computer's time zone); anything else as
    it is."""
    try:
        if _ISO_DAY.fullmatch(value):
            return f"{date.fromisoformat(value):%d %b %Y}"
        if _ISO_MOMENT.fullmatch(value):
            moment = datetime.fromisoformat(value)
            return f"{moment.astimezone() if moment.tzinfo else moment:%d %b %Y %H:%M}"
    except ValueError:
        pass  # shaped like a date but not one (month 13): shown as written
    return value


def detail_lines(details: dict[str, object]) -> list[tuple[str, str]]:
    """The details of an entry as label and value, in the order they were written, safe to show
    on a terminal; record ids and key material (which mean nothing to a reader) left out."""
    out: list[tuple[str, str]] = []
    for key, value in details.items():
        if key == "id" or key.endswith(_HIDDEN_SUFFIXES):
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if key == "kind" and isinstance(value, str):
            shown = KIND_WORDS.get(value, value.replace("_", " "))
        elif isinstance(value, str):
            shown = _as_written(value)
        out.append((clean(key.replace("_", " ")), clean(shown, multiline=True)))
    return out
