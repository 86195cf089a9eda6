"""The one interface every verifier speaks: where to connect, and what happened."""

from __future__ import annotations

from enum import StrEnum

from pydantic import ConfigDict, Field

from itexit.domain.base import Model


class TlsMode(StrEnum):
    TLS = "tls"
    STARTTLS = "starttls"
    NONE = "none"


class Endpoint(Model):
    """Where a verifier connects; only what is needed to log in, never the secret."""

    model_config = ConfigDict(frozen=True)

    host: str
    port: int | None = None
    tls: TlsMode = TlsMode.TLS
    ca_file: str | None = None
    """A CA bundle to trust (a practice's own CA, or a test's); None trusts the system store."""
    path: str = ""
    """HTTP path, PostgreSQL database name, or LDAP bind DN template, by verifier."""
    options: dict[str, str] = Field(default_factory=dict)


class VerifyOutcome(StrEnum):
    ACCEPTED = "accepted"
    """The server accepted the secret: it works."""
    REJECTED = "rejected"
    """The server refused the secret: it does not work (the proof an old secret is dead)."""
    UNREACHABLE = "unreachable"
    """No answer, or the connection or TLS failed: nothing is known about the secret."""
    ERROR = "error"
    """Something else went wrong; nothing is known about the secret."""


class VerifyResult(Model):
    model_config = ConfigDict(frozen=True)

    verifier: str
    outcome: VerifyOutcome
    detail: str
    """One sentence for the person: what the server said."""
    seconds: float = 0.0
