"""Build the demo practice from data/demo_practice.toml: reproducible, fictional, every role.

The demo sits above the services it fills: each area's part (`demo/<area>.py`) goes through that
area's own use cases, and no production service imports the demo. A caller that wants a demo
practice calls :func:`build_demo` with a gateway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from itexit.domain.errors import BadInput
from itexit.domain.roles import Role
from itexit.services.demo import (
    checklist,
    credentials,
    mailbox,
    renewals,
    statements,
    sweep,
    vendors,
)
from itexit.services.demo.practice import demo_definition

if TYPE_CHECKING:
    from itexit.services.gateway import Gateway
    from itexit.services.session import UnlockedVault

AREAS: tuple[tuple[str, Callable[[UnlockedVault, date], None]], ...] = (
    ("credentials", credentials.build_demo),
    ("vendors", vendors.build_demo),
    ("checklist", checklist.build_demo),
    ("sweep", sweep.build_demo),
    ("statements", statements.build_demo),
    ("renewals", renewals.build_demo),
    ("mailbox", mailbox.build_demo),
)
"""Each area's part, keyed as in `services/areas.py`, in the order they are built: later areas
refer to earlier ones' records (vendors link credentials, the statement names a case)."""

OWN_UNITS = frozenset({"mailbox"})
"""Areas whose part is not one unit of work: the mailbox's reviewers sign in to log their own
reviews. Every other area's part is one transaction (its use cases join it), all of it or none,
committed once; a use case refused inside it (a checklist task the app checks) writes nothing."""


@dataclass(frozen=True)
class DemoUser:
    name: str
    role: Role
    passphrase: str
    description: str


@dataclass(frozen=True)
class DemoResult:
    practice_name: str
    users: list[DemoUser]
    location: str


def build_demo(gateway: Gateway, force: bool = False) -> DemoResult:
    """Create the demo vault (wiping an existing one only with `force`) and fill it."""
    if gateway.exists():
        if not force:
            raise BadInput(
                f"A vault already exists at {gateway.location.describe()}; "
                "use --force to replace it with the demo practice."
            )
        gateway.wipe()
    spec = demo_definition()
    users = _users(spec)
    first, *others = users
    session = gateway.create(spec["practice"], first.name, first.passphrase).session
    for user in others:
        session.add_user(user.name, user.role, user.passphrase)
    session.confirm_recovery_kit_stored()  # the made-up practice keeps its kit in the safe
    today = date.today()
    for key, build in AREAS:
        if key in OWN_UNITS:
            build(session, today)
        else:
            with session.ctx.transaction():
                build(session, today)
    session.lock()
    return DemoResult(spec["practice"], users, gateway.location.describe())


def existing_demo(gateway: Gateway) -> DemoResult | None:
    """The demo practice already built at this gateway, to reopen as it was left; None when
    there is none (or the vault there is not the demo)."""
    if not gateway.exists():
        return None
    spec = demo_definition()
    if gateway.practice_name() != spec["practice"]:
        return None
    return DemoResult(spec["practice"], _users(spec), gateway.location.describe())


def _users(spec: dict[str, Any]) -> list[DemoUser]:
    return [
        DemoUser(u["name"], Role(u["role"]), u["passphrase"], u["description"])
        for u in spec["users"]
    ]
