"""The demo practice's definition (data/demo_practice.toml) and its reproducible made-up secrets."""

from __future__ import annotations

import random
import string
import tomllib
from importlib import resources
from typing import Any

SEED = 2026


def demo_definition() -> dict[str, Any]:
    text = resources.files("itexit.data").joinpath("demo_practice.toml").read_text()
    return tomllib.loads(text)


def demo_secret(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits + "-_!#%"
    return "".join(rng.choice(alphabet) for _ in range(20))
