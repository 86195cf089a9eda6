"""Credentials as the screens and commands see them: metadata in the clear, secrets on request."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, SecretStr


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


class CredentialStatus(StrEnum):
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    FAILED = "failed"
    ROTATION_PENDING = "rotation_pending"
    ROTATED = "rotated"
    LOCKED_OUT = "locked_out"
    NEEDS_RECONCILE = "needs_reconcile"


class Source(StrEnum):
    HANDED_OVER = "handed_over"
    EXIT_STATEMENT = "exit_statement"
    DISCOVERED = "discovered"


class CredentialSummary(BaseModel):
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


class NewCredential(BaseModel):
    """What a person types to add a credential; the secret stays a SecretStr until sealed."""

    system: str
    host: str = ""
    category: Category = Category.OTHER
    username: str = ""
    secret: SecretStr = SecretStr("")
    notes: str = ""
    known_to_departing: bool = False
    source: Source = Source.HANDED_OVER
