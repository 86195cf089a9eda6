"""Manual: a system no protocol can reach (a bank portal behind MFA, a phone system).

It never verifies by itself; a person logs in and attests, and the credential service records
who, when, how and a note. So this verifier always answers ERROR with that instruction.
"""

from __future__ import annotations

from itexit.domain.verify import Endpoint, VerifyResult
from itexit.verifiers.base import Stopwatch


class ManualVerifier:
    name = "manual"

    def check(self, endpoint: Endpoint, username: str, secret: str, timeout: float) -> VerifyResult:
        return Stopwatch(self.name, secret).error(
            "This system cannot be checked automatically: a person must attest that they "
            "logged in (who, when, how)."
        )
