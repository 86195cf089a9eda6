"""The demo practice's definition (data/demo_practice.toml) and its reproducible made-up secrets."""

from __future__ import annotations

import random
import string
import tomllib
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

SEED = 2026


def demo_definition() -> dict[str, Any]:
    text = resources.files("itexit.data").joinpath("demo_practice.toml").read_text()
    return tomllib.loads(text)


def demo_secret(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits + "-_!#%"
    return "".join(rng.choice(alphabet) for _ in range(20))


def sign_in(vault: UnlockedVault, name: str) -> UnlockedVault:
    """Another of the demo's people, signed in to the same vault with their published passphrase,
    so what they do is theirs on the record. Lock it when done."""
    from itexit.services.gateway import Gateway

    passphrase = next(u["passphrase"] for u in demo_definition()["users"] if u["name"] == name)
    return Gateway(vault.ctx.store).unlock(name, passphrase)
