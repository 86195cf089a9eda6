"""A verifier logs in to one kind of server with a username and secret and reports the outcome."""

from __future__ import annotations

from typing import Protocol

from itexit.domain.verify import Endpoint, VerifyResult


class Verifier(Protocol):
    name: str
    """The key stored on a credential: imap, smtp, ssh, http, postgresql, ldap, manual."""

    def check(self, endpoint: Endpoint, username: str, secret: str, timeout: float) -> VerifyResult:
        """Try the secret once; never raise for a refusal or a network failure, report it."""
        ...
