"""Credentials as the screens and commands see them: metadata in the clear, secrets on request."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, Field, SecretStr

from itexit.domain.base import Model


class Category(StrEnum):
    EHR = "ehr"
    EMAIL = "email"
    DOMAIN_REGISTRAR = "domain_registrar"
    DNS = "dns"
    FIREWALL = "firewall"
    WIFI = "wifi"
    SERVER = "server"
    BACKUP = "backup"
    CLOUD = "cloud"
    BANKING = "banking"
    PHONE = "phone"
    VENDOR_PORTAL = "vendor_portal"
    DEVICE = "device"
    OTHER = "other"


CATEGORY_LABELS: dict[Category, str] = {
    Category.EHR: "EHR",
    Category.EMAIL: "Email",
    Category.DOMAIN_REGISTRAR: "Domain registrar",
    Category.DNS: "DNS",
    Category.FIREWALL: "Firewall / router",
    Category.WIFI: "Wi-Fi",
    Category.SERVER: "Server / admin",
    Category.BACKUP: "Backup / key",
    Category.CLOUD: "Cloud",
    Category.BANKING: "Bank / payroll",
    Category.PHONE: "Phone system",
    Category.VENDOR_PORTAL: "Vendor portal",
    Category.DEVICE: "Device",
    Category.OTHER: "Other",
}


class CredentialStatus(StrEnum):
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    FAILED = "failed"
    ROTATION_PENDING = "rotation_pending"
    ROTATED = "rotated"
    LOCKED_OUT = "locked_out"
    NEEDS_RECONCILE = "needs_reconcile"


STATUS_LABELS: dict[CredentialStatus, str] = {
    CredentialStatus.UNVERIFIED: "unverified",
    CredentialStatus.VERIFIED: "verified",
    CredentialStatus.FAILED: "FAILED",
    CredentialStatus.ROTATION_PENDING: "pending",
    CredentialStatus.ROTATED: "rotated",
    CredentialStatus.LOCKED_OUT: "old refused",
    CredentialStatus.NEEDS_RECONCILE: "NONE WORKS",
}
"""Each status as a person reads it. `locked_out` means the new secret works and the old one was
tried and refused; `needs_reconcile` means no stored secret is known to work."""


VERIFIER_LABELS: dict[str, str] = {
    "manual": "by hand (a person says how)",
    "imap": "by logging in to the mail server (IMAP)",
    "smtp": "by logging in to send mail (SMTP)",
    "ssh": "by logging in to the server (SSH)",
    "http": "by logging in to the web page",
    "postgresql": "by logging in to the PostgreSQL database",
    "mariadb": "by logging in to the MariaDB database",
    "ldap": "by logging in to the directory (LDAP)",
}
"""How a credential's secret is checked, as a person reads it."""


def verifier_label(verifier: str) -> str:
    """How a credential with this verifier is checked: "by hand (a person says how)"."""
    return VERIFIER_LABELS.get(verifier, f"by logging in ({verifier})")


def status_label(status: str) -> str:
    """A stored status value as a person reads it ("locked_out" is "old refused")."""
    try:
        return STATUS_LABELS[CredentialStatus(status)]
    except ValueError:
        return status.replace("_", " ")


class Source(StrEnum):
    HANDED_OVER = "handed_over"
    EXIT_STATEMENT = "exit_statement"
    DISCOVERED = "discovered"


class SecretStage(StrEnum):
    """Where a secret version stands: at most one PENDING and exactly one CURRENT."""

    PENDING = "pending"
    CURRENT = "current"
    PREVIOUS = "previous"


class PasswordPolicy(Model):
    """How a new secret for one system is generated: characters or words."""

    model_config = ConfigDict(frozen=True)

    length: int = Field(default=20, ge=8, le=128)
    lowercase: bool = True
    uppercase: bool = True
    digits: bool = True
    symbols: bool = True
    exclude_ambiguous: bool = True
    """Leave out characters easily misread when typed from a screen: 0 O o 1 l I |."""
    passphrase_words: int = Field(default=0, ge=0, le=12)
    """When above zero, a passphrase of this many words replaces the character password."""
    separator: str = Field(default="-", max_length=3)


class NewCredential(Model):
    """What a person types (or an import reads) to add a credential; secrets stay SecretStr."""

    system: str
    host: str = ""
    """Host name or address shown in lists; taken from `url` when left empty."""
    url: str = ""
    port: int | None = Field(default=None, ge=1, le=65535)
    category: Category = Category.OTHER
    username: str = ""
    secret: SecretStr = SecretStr("")
    notes: str = ""
    totp_seed: SecretStr = SecretStr("")
    recovery_codes: SecretStr = SecretStr("")
    owner: str = ""
    known_to_departing: bool = False
    source: Source = Source.HANDED_OVER
    recovery_email: str = ""
    """The departing person's recovery email on the account, if any."""
    recovery_phone: str = ""
    recovery_mfa_device: str = ""
    verifier: str = "manual"
    """imap, smtp, ssh, http, postgresql, ldap, mariadb or manual (a person attests)."""
    tls: str = "tls"
    path: str = ""
    """HTTP path, PostgreSQL database, or LDAP bind DN template, by verifier."""
    endpoint_options: dict[str, str] = Field(default_factory=dict)
    policy: PasswordPolicy | None = None
    sweep_admin: bool = False
    """An admin account the sweep may use to read this host (SSH, mail, database, directory)."""


class CredentialSummary(Model):
    model_config = ConfigDict(frozen=True)

    id: str
    system: str
    host: str
    category: Category
    status: CredentialStatus
    known_to_departing: bool
    rotation_due: bool
    rotation_reason: str
    source: Source
    last_verified: datetime | None
    version: int
    port: int | None = None
    verifier: str = "manual"
    recovery_tied: bool = False
    """The departing person is a recovery channel (email, phone or MFA device) on the account."""
    rotated_at: datetime | None = None
    locked_out_at: datetime | None = None
    retired_at: datetime | None = None
    """When it left the active list (the system is gone); None while it is in use."""
    changed_outside: bool = False
    """Its states no longer match what itexit sealed (an edit made in the database): shown as
    known to the departing person and due for rotation until it is put back."""


class CredentialDetail(Model):
    """Everything about one credential except the secrets themselves, for the detail panel."""

    model_config = ConfigDict(frozen=True)

    summary: CredentialSummary
    url: str = ""
    username: str = ""
    notes: str = ""
    owner: str = ""
    recovery_email: str = ""
    recovery_phone: str = ""
    recovery_mfa_device: str = ""
    has_totp: bool = False
    has_recovery_codes: bool = False
    has_pending: bool = False
    has_previous: bool = False
    tls: str = "tls"
    path: str = ""
    endpoint_options: dict[str, str] = Field(default_factory=dict)
    policy: PasswordPolicy = Field(default_factory=PasswordPolicy)
    sweep_admin: bool = False
    sealed: bool = True
    """False when the reader's role holds no cred key: only the summary is filled in."""
    retired_reason: str = ""


class CredentialEdit(Model):
    """Changes to a credential's description; None leaves a field as it is."""

    system: str | None = None
    host: str | None = None
    url: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    category: Category | None = None
    username: str | None = None
    notes: str | None = None
    owner: str | None = None
    known_to_departing: bool | None = None
    recovery_email: str | None = None
    recovery_phone: str | None = None
    recovery_mfa_device: str | None = None
    verifier: str | None = None
    tls: str | None = None
    path: str | None = None
    endpoint_options: dict[str, str] | None = None
    """The verifier's options (a private CA file, a pinned SSH host key), replaced whole."""
    policy: PasswordPolicy | None = None
    secret: SecretStr | None = None
    """A corrected current secret (e.g. the hand-over was wrong); sets the status to unverified."""


class HistoryEntry(Model):
    """One verification, attestation or rotation step, as kept in the credential's history."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    actor: str
    kind: str
    stage: str
    outcome: str
    status_after: str
    detail: str = ""
    attested_how: str = ""
    note: str = ""


class RotationStarted(Model):
    """The pending secret, committed to the vault before this object is returned."""

    model_config = ConfigDict(frozen=True)

    summary: CredentialSummary
    secret: SecretStr
    strength_label: str
    strength_score: int
    generated: bool


class CheckOutcome(Model):
    """What a verification, confirmation, old-secret check or reconcile came to."""

    model_config = ConfigDict(frozen=True)

    summary: CredentialSummary
    outcome: str
    detail: str
    stage: str
    ok: bool
    """True when the step achieved what it set out to prove."""
    guidance: str = ""


class CampaignItem(Model):
    model_config = ConfigDict(frozen=True)

    summary: CredentialSummary
    rank: int
    next_step: str


class Campaign(Model):
    model_config = ConfigDict(frozen=True)

    items: list[CampaignItem]
    left: int
    done: int


def clean_recovery_phone(text: str) -> str:
    """A recovery phone number as typed ("" for none): digits with the usual separators."""
    value = " ".join(text.split())
    if not value:
        return ""
    digits = sum(c.isdigit() for c in value)
    if digits < 5 or any(not (c.isdigit() or c in " +-().") for c in value) or len(value) > 40:
        raise ValueError(f"{value!r} is not a phone number (digits, spaces, + - ( ) only).")
    return value
