"""Build the demo practice from data/demo_practice.toml: reproducible, fictional, every role."""

from __future__ import annotations

import random
import string
import tomllib
from datetime import date
from importlib import resources
from typing import TYPE_CHECKING, Any

from itexit.domain.errors import BadInput
from itexit.domain.roles import Role

if TYPE_CHECKING:
    from itexit.services.gateway import DemoResult, Gateway

SEED = 2026


def demo_definition() -> dict[str, Any]:
    text = resources.files("itexit.data").joinpath("demo_practice.toml").read_text()
    return tomllib.loads(text)


def demo_secret(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits + "-_!#%"
    return "".join(rng.choice(alphabet) for _ in range(20))


def build_demo(gateway: Gateway, force: bool = False) -> DemoResult:
    """Create the demo vault (wiping an existing one only with `force`) and fill it."""
    from itexit.services.areas import demo_areas
    from itexit.services.gateway import DemoResult, DemoUser

    if gateway.exists():
        if not force:
            raise BadInput(
                f"A vault already exists at {gateway.location.describe()}; "
                "use --force to replace it with the demo practice."
            )
        gateway.wipe()
    spec = demo_definition()
    users = [
        DemoUser(u["name"], Role(u["role"]), u["passphrase"], u["description"])
        for u in spec["users"]
    ]
    first, *others = users
    session = gateway.create(spec["practice"], first.name, first.passphrase).session
    for user in others:
        session.add_user(user.name, user.role, user.passphrase)
    session.confirm_recovery_kit_stored()  # the made-up practice keeps its kit in the safe
    today = date.today()
    for area in demo_areas():
        area.build_demo(session, today)
    session.lock()
    return DemoResult(spec["practice"], users, gateway.location.describe())
