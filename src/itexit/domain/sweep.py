"""The sweep: access to the practice's own servers that outlives a password change.

A finding names one such way in (a key in an ``authorized_keys`` file, a Sieve rule that
forwards mail, the person's own account, a membership giving admin rights, an open session),
the host it was found on, why it matters and what closes it. Evidence is what identifies the
thing on the server (a key's SHA256 fingerprint, a file and line, an account, a process id):
never a secret.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import date, datetime
from enum import StrEnum

from pydantic import ConfigDict, Field

from itexit.domain.base import Model


class FindingKind(StrEnum):
    SSH_KEY = "ssh_key"
    SUDOERS = "sudoers"
    CRON = "cron"
    ACCOUNT = "account"
    ADMIN_ROLE = "admin_role"
    MAIL_FORWARD = "mail_forward"
    SESSION = "session"


KIND_LABELS: dict[FindingKind, str] = {
    FindingKind.SSH_KEY: "SSH key",
    FindingKind.SUDOERS: "Admin rights (sudo)",
    FindingKind.CRON: "Scheduled job",
    FindingKind.ACCOUNT: "Own account",
    FindingKind.ADMIN_ROLE: "Admin membership",
    FindingKind.MAIL_FORWARD: "Mail forwarding",
    FindingKind.SESSION: "Open session",
}


class FindingStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    """Proven closed: a re-check on the server no longer finds it."""
    ACCEPTED = "accepted"
    """Left in place on purpose: who, why and until when are recorded."""


class Severity(StrEnum):
    ALERT = "alert"
    """The departing person can get in through it today."""
    WARN = "warn"
    """Nobody can say whose it is: find out, then close or accept it."""


SWEEP_PROTOCOLS = ("ssh", "sieve", "postgresql", "mariadb", "ldap")
"""The kinds of server the sweep reads, by the verifier name on the admin credential."""


class Finding(Model):
    """One way in found on a server; ``ident`` is stable across sweeps of the same host."""

    model_config = ConfigDict(frozen=True)

    kind: FindingKind
    host: str
    """Where it was found, as the inventory names it: ``protocol://host:port``."""
    subject: str
    """What it is, in a few words (the account and key, the mailbox and address…)."""
    why: str
    """One sentence: why it still lets the person in."""
    closes: str
    """What closes it (the action the app takes, or what a person does by hand)."""
    evidence: dict[str, str] = Field(default_factory=dict)
    """What identifies it on the server: fingerprint, file, line, account, process; no secret."""
    severity: Severity = Severity.ALERT
    ident: str = ""
    id: str = ""
    case_id: str = ""
    system: str = ""
    """The inventory's name for the system (the admin credential's system)."""
    status: FindingStatus = FindingStatus.OPEN
    found_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str = ""
    note: str = ""
    """How it was closed, or why its risk was accepted."""

    def with_ident(self) -> Finding:
        """The same finding with ``ident`` derived from its kind, host and evidence."""
        if self.ident:
            return self
        return self.model_copy(update={"ident": finding_ident(self.kind, self.host, self.evidence)})


def finding_ident(kind: FindingKind, host: str, evidence: dict[str, str]) -> str:
    """A stable name for one finding: the same thing on the same host keeps its ident."""
    wanted = {k: v for k, v in evidence.items() if k in IDENT_FIELDS}
    text = "\x00".join([kind.value, host, *(f"{k}={wanted[k]}" for k in sorted(wanted))])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


IDENT_FIELDS = frozenset(
    {"fingerprint", "account", "file", "entry", "mailbox", "script", "address", "role", "pid"}
)
"""Evidence fields that say which thing it is (a line number or size may change)."""


BY_HAND = "by_hand"
"""Evidence naming what a person must do, for a finding the app cannot close on the server
(it is then proven closed by ``itexit sweep recheck ID``)."""


class KnownKey(Model):
    """A public key and whose it is, by its SHA256 fingerprint (the public key is not secret)."""

    model_config = ConfigDict(frozen=True)

    fingerprint: str
    label: str = ""
    public_key: str = ""


class DepartingIdentity(Model):
    """What the sweep matches against: the departing person's accounts, addresses and keys."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    name: str = ""
    accounts: list[str] = Field(default_factory=list)
    """Their own account names on the practice's servers (Linux, database, directory)."""
    emails: list[str] = Field(default_factory=list)
    """Their own e-mail addresses (a rule forwarding to one of these is always a finding)."""
    keys: list[KnownKey] = Field(default_factory=list)
    """Their public keys."""
    trusted_keys: list[KnownKey] = Field(default_factory=list)
    """Other people's keys the practice knows and keeps (not findings)."""
    since: date | None = None
    """Anything added after this day (usually the termination date) is raised as recent."""
    practice_domains: list[str] = Field(default_factory=list)
    """Mail domains of the practice: forwarding elsewhere is a finding."""

    def person_key(self, fingerprint: str) -> KnownKey | None:
        return next((k for k in self.keys if k.fingerprint == fingerprint), None)

    def trusted_key(self, fingerprint: str) -> KnownKey | None:
        return next((k for k in self.trusted_keys if k.fingerprint == fingerprint), None)


class HostReport(Model):
    """What one host's sweep found, and every problem met there in one sentence each."""

    host: str
    system: str = ""
    protocol: str = ""
    reached: bool = True
    findings: list[Finding] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    seconds: float = 0.0


class SweepReport(Model):
    case_id: str
    hosts: list[HostReport] = Field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for h in self.hosts for f in h.findings]


class CloseOutcome(Model):
    """The result of closing a finding: what was done, and whether a re-check proves it."""

    model_config = ConfigDict(frozen=True)

    finding: Finding
    done: str
    proven: bool
    backup: str = ""


_KEY_TYPES = re.compile(r"^(ssh-|ecdsa-|sk-)")


def key_fingerprint(public_key: str) -> str:
    """OpenSSH's ``SHA256:…`` fingerprint of a public key line (``type base64 [comment]``).

    Raises ``ValueError`` when the text is not a public key.
    """
    parts = public_key.split()
    for index, part in enumerate(parts[:-1]):
        if _KEY_TYPES.match(part):
            blob = parts[index + 1]
            break
    else:
        raise ValueError("not an OpenSSH public key")
    try:
        raw = base64.b64decode(blob, validate=True)
    except ValueError:
        raise ValueError("the key's base64 text is damaged") from None
    if len(raw) < 8:
        raise ValueError("the key is too short")
    digest = hashlib.sha256(raw).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def normalise_fingerprint(text: str) -> str:
    value = text.strip()
    if not value.upper().startswith("SHA256:"):
        value = "SHA256:" + value
    return "SHA256:" + value.split(":", 1)[1].rstrip("=")


def address_domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip().lower() if "@" in address else ""


def outside(address: str, identity: DepartingIdentity) -> str | None:
    """Why mail sent to ``address`` leaves the practice's hands, or None when it does not."""
    lowered = address.strip().lower()
    if lowered in {e.strip().lower() for e in identity.emails}:
        return "it is the departing person's own address"
    domain = address_domain(lowered)
    domains = {d.strip().lower().lstrip("@") for d in identity.practice_domains if d.strip()}
    if domain and domains and domain not in domains:
        return f"{domain} is not one of the practice's mail domains"
    return None


class SweepHost(Model):
    """A host the sweep can read: an admin credential of the inventory (no secret)."""

    model_config = ConfigDict(frozen=True)

    credential_id: str
    system: str
    host: str
    protocol: str
