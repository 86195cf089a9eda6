"""A stand-in for a server a credential opens: it accepts exactly one password at a time."""

from __future__ import annotations

from dataclasses import dataclass, field

from itexit.domain.verify import Endpoint, VerifyOutcome, VerifyResult


@dataclass
class FakeServer:
    """Plays the target system: `password` is what it accepts now; `down` makes it unreachable."""

    password: str
    down: bool = False
    calls: list[tuple[str, str]] = field(default_factory=list)
    name: str = "fake"

    def check(self, endpoint: Endpoint, username: str, secret: str, timeout: float) -> VerifyResult:
        self.calls.append((endpoint.host, username))
        if self.down:
            return VerifyResult(
                verifier=self.name, outcome=VerifyOutcome.UNREACHABLE, detail="No route to host."
            )
        if secret == self.password:
            return VerifyResult(verifier=self.name, outcome=VerifyOutcome.ACCEPTED, detail="OK.")
        return VerifyResult(
            verifier=self.name, outcome=VerifyOutcome.REJECTED, detail="Authentication failed."
        )

    def lookup(self, name: str) -> FakeServer:
        return self
