"""The audit log read a page at a time for the viewer: newest first, filtered in the database.

Who did something is the member whose key signed the entry, as the signed member list knows
that key; the name written in the row is not trusted. An unsigned entry (a failed unlock)
names nobody. Filters run as SQL over the plain columns, so a log of tens of thousands of
entries opens as fast as a short one: only the page on screen is read and turned into words.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session

from itexit.domain.audit_words import (
    UNAUTHENTICATED_WORDS,
    UNPROVEN_WORDS,
    AuditLine,
    AuditPage,
    AuditQuery,
    action_words,
    actions_matching,
)
from itexit.domain.roles import Permission
from itexit.domain.text import clean
from itexit.services.context import VaultContext
from itexit.services.roster import stored
from itexit.store.models import AuditRow
from itexit.vault.roster import RosterBroken, replay

PAGE_SIZE = 200


class _Signers:
    """Each signing key the member list ever gave, with its holder's name."""

    def __init__(self, names: dict[str, str], listed: bool) -> None:
        self.names = names
        self.listed = listed
        """False for an older vault whose member list was never signed: the names in the rows
        are all there is, as `audit verify` checks them against the log's own keys."""

    def keys_of(self, person: str) -> list[str]:
        return [key for key, name in self.names.items() if name == person]


class AuditLogService:
    """Read-only: the viewer and anyone allowed to read the history of changes."""

    def __init__(self, ctx: VaultContext) -> None:
        self.ctx = ctx
        self._signers: tuple[int, _Signers] | None = None

    def people(self) -> list[str]:
        """Everyone who could have signed an entry, for the person filter, then "nobody"."""
        self.ctx.require(Permission.AUDIT_READ)
        with self.ctx.reading() as session:
            signers = self._signers_now(session)
            if signers.listed:
                names = sorted(set(signers.names.values()), key=str.casefold)
            else:
                names = list(session.scalars(select(AuditRow.actor_name).distinct()))
                names = sorted({n for n in names if n and n != "-"}, key=str.casefold)
        return [*names, UNAUTHENTICATED_WORDS]

    def page(self, query: AuditQuery, offset: int = 0, limit: int = PAGE_SIZE) -> AuditPage:
        """Entries `offset` to `offset + limit` of those matching, newest first, and how many
        match in all."""
        self.ctx.require(Permission.AUDIT_READ)
        offset, limit = max(offset, 0), max(min(limit, 1000), 1)
        with self.ctx.reading() as session:
            signers = self._signers_now(session)
            where = _conditions(query, signers)
            total = int(
                session.scalar(select(func.count()).select_from(AuditRow).where(*where)) or 0
            )
            rows = session.scalars(
                select(AuditRow)
                .where(*where)
                .order_by(AuditRow.seq.desc())
                .offset(offset)
                .limit(limit)
            )
            lines = [_line(row, signers) for row in rows]
        return AuditPage(lines=lines, offset=offset, total=total)

    def _signers_now(self, session: Session) -> _Signers:
        """The key map, read again only when the member list has grown."""
        entries = stored(session)
        if self._signers is not None and self._signers[0] == len(entries):
            return self._signers[1]
        try:
            states = replay(self.ctx.vault_id, entries)
        except RosterBroken:
            states = []
        names = {m.sign.hex(): m.name for s in states for m in s.everyone().values()}
        for state in states:
            names[state.recovery_sign.hex()] = "recovery kit"
        signers = _Signers(names, listed=bool(states))
        self._signers = (len(entries), signers)
        return signers


def _conditions(query: AuditQuery, signers: _Signers) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    person = query.person.strip()
    if person == UNAUTHENTICATED_WORDS:
        where.append(AuditRow.signature == "")
    elif person:
        if signers.listed:
            keys = signers.keys_of(person)
            where.append(AuditRow.signer_key.in_(keys) if keys else false())
        else:
            where.append(AuditRow.actor_name == person)
        where.append(AuditRow.signature != "")
    text = query.text.strip().lower()
    if text:
        matches: list[ColumnElement[bool]] = [
            func.lower(AuditRow.target).contains(text, autoescape=True),
            func.lower(AuditRow.details).contains(text, autoescape=True),
            func.lower(AuditRow.action).contains(text, autoescape=True),
        ]
        codes = actions_matching(text)
        if codes:
            matches.append(AuditRow.action.in_(codes))
        where.append(or_(*matches))
    if query.since is not None:
        where.append(AuditRow.at >= _utc_text(query.since))
    if query.until is not None:
        where.append(AuditRow.at < _utc_text(query.until + timedelta(days=1)))
    return where


def _utc_text(day: date) -> str:
    """Local midnight of `day` as the log writes times (UTC, ISO), so text order is time order."""
    local = datetime.combine(day, time()).astimezone()
    return local.astimezone(UTC).isoformat(timespec="microseconds")


_RECORD_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


_EXPOSURE_ID = re.compile(r"^E[0-9A-F]{9}$")


def _about(target: str, details: dict[str, Any]) -> str:
    """What the entry was about, as words: a record or exposure id (which means nothing to a
    reader) gives way to what the details name: the system or credential an accepted risk was
    about and whose it was, or the systems a search looked at."""
    subject = details.get("subject")
    if _EXPOSURE_ID.match(target) and isinstance(subject, str) and subject.strip():
        person = details.get("person")
        whose = f" ({person})" if isinstance(person, str) and person.strip() else ""
        return clean(f"{subject}{whose}")
    if not _RECORD_ID.match(target):
        return clean(target)
    hosts = details.get("hosts")
    if isinstance(hosts, list) and hosts:
        return clean(", ".join(str(host) for host in hosts))
    return ""


def _line(row: AuditRow, signers: _Signers) -> AuditLine:
    try:
        details: Any = json.loads(row.details)
    except ValueError:
        details = {}
    if not row.signature:
        actor, proven = UNAUTHENTICATED_WORDS, False
    elif not signers.listed:
        actor, proven = row.actor_name, True
    else:
        name = signers.names.get(row.signer_key)
        actor, proven = (name, True) if name is not None else (UNPROVEN_WORDS, False)
    return AuditLine(
        seq=row.seq,
        at=datetime.fromisoformat(row.at),
        actor=actor,
        proven=proven,
        action=row.action,
        what=action_words(row.action),
        target=_about(row.target, details if isinstance(details, dict) else {}),
        details=details if isinstance(details, dict) else {},
    )
