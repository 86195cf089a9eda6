"""The departing person and the identifiers that tie records to them.

Vendor contacts, renewal contacts, recovery channels, the monitored mailbox and the exit
statement are matched to a person by these identifiers when they are read: an e-mail address
case-folded, a phone number as its digits, a name with case, accents, punctuation and titles
set aside. Nothing is stored as "tied", so nothing goes stale.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum

from pydantic import ConfigDict, Field

from itexit.domain.base import Model

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "prof", "sir", "md", "phd", "jr", "sr"})
MIN_PHONE_DIGITS = 7
"""Shorter digit strings (extensions, PINs) never match a phone number."""


class PersonKind(StrEnum):
    EMPLOYEE = "employee"
    VENDOR = "vendor"


def norm_email(text: str) -> str:
    """An address as compared: trimmed and case-folded ('' when it is not an address)."""
    value = text.strip().casefold()
    return value if _EMAIL.match(value) else ""


def norm_phone(text: str) -> str:
    """A phone number as compared: its digits, the last ten when a country code is in front."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) < MIN_PHONE_DIGITS:
        return ""
    return digits[-10:]


def norm_name(text: str) -> str:
    """A name as compared: accents, case, punctuation and titles set aside, words in order."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    words = [w for w in re.split(r"[^\w]+", plain) if w and w not in _TITLES]
    return " ".join(words)


def clean_emails(values: Iterable[str]) -> list[str]:
    """Each address once, as typed (trimmed); refuses anything that is not an address."""
    out: list[str] = []
    seen: set[str] = set()
    for value in values:
        text = value.strip()
        if not text:
            continue
        key = norm_email(text)
        if not key:
            raise ValueError(f"{text!r} is not an e-mail address (name@example.org).")
        if key not in seen:
            seen.add(key)
            out.append(text)
    return out


def clean_phones(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for value in values:
        text = " ".join(value.split())
        if not text:
            continue
        key = norm_phone(text)
        if not key:
            raise ValueError(f"{text!r} is not a phone number (at least seven digits).")
        if key not in seen:
            seen.add(key)
            out.append(text)
    return out


class NewPerson(Model):
    """What is known of a departing party when their case is opened."""

    full_name: str
    kind: PersonKind = PersonKind.EMPLOYEE
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    vault_user: str = ""
    """The name of their itexit account, if they have one."""


class Person(Model):
    """A departing party as read: identifiers shown only to a reader holding the key."""

    model_config = ConfigDict(frozen=True)

    id: str
    case_id: str
    case_name: str
    case_closed: bool = False
    case_kind: str = ""
    termination_date: date
    full_name: str
    kind: PersonKind
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    sealed: bool = False
    """The reader does not hold the key of the identifiers: only the name is known."""
    user_id: str | None = None
    user_name: str | None = None
    user_active: bool = False
    user_created_at: datetime | None = None
    user_removed_at: datetime | None = None
    user_reads_credentials: bool = False
    """Their account's role held the credential key."""

    def matcher(self) -> Identifiers:
        return Identifiers.of(self.full_name, self.emails, self.phones, self.user_name)


class Identifiers(Model):
    """A person's identifiers, normalised once, to test records against."""

    model_config = ConfigDict(frozen=True)

    names: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        name: str,
        emails: Iterable[str] = (),
        phones: Iterable[str] = (),
        user_name: str | None = None,
    ) -> Identifiers:
        names = {norm_name(name)} - {""}
        return cls(
            names=frozenset(names),
            emails=frozenset(e for e in (norm_email(x) for x in emails) if e),
            phones=frozenset(p for p in (norm_phone(x) for x in phones) if p),
        )

    def email(self, value: str) -> bool:
        key = norm_email(value)
        return bool(key) and key in self.emails

    def phone(self, value: str) -> bool:
        key = norm_phone(value)
        return bool(key) and key in self.phones

    def name(self, value: str) -> bool:
        key = norm_name(value)
        return bool(key) and key in self.names

    def any(self, *values: str) -> bool:
        """Whether any value is one of this person's addresses, numbers or their name."""
        return any(self.email(v) or self.phone(v) or self.name(v) for v in values if v)

    def contact(self, name: str = "", email: str = "", phone: str = "") -> bool:
        """A contact is this person when its address or number is theirs, or its name is."""
        return self.email(email) or self.phone(phone) or self.name(name)
