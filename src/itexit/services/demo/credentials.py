"""The demo practice's credentials, from data/demo_practice.toml, through the real use cases."""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING

from pydantic import SecretStr

from itexit.domain.credentials import Category, NewCredential
from itexit.services.credentials.service import CredentialService
from itexit.services.demo.practice import SEED, demo_definition, demo_secret

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


def build_demo(vault: UnlockedVault, today: date) -> None:
    """The demo practice's credentials, from data/demo_practice.toml.

    A few are taken through real steps of the rotation (attested, since the demo's systems are
    fictional), so the screen shows each state with a true history behind it.
    """
    rng = random.Random(SEED)
    service = CredentialService(vault.ctx)
    items = []
    for item in demo_definition()["credentials"]:
        known = bool(item.get("known_to_departing", False))
        items.append(
            NewCredential(
                system=item["system"],
                host=item.get("host", ""),
                url=item.get("url", ""),
                category=Category(item["category"]),
                username=item.get("username", ""),
                secret=SecretStr(demo_secret(rng)),
                known_to_departing=known,
                owner=item.get("owner", ""),
                recovery_email=item.get("recovery_email", ""),
                recovery_phone=item.get("recovery_phone", ""),
                verifier=item.get("verifier", "manual"),
                notes=item.get("notes", "Handed over by Gary on his last week." if known else ""),
            )
        )
    added = service.add_many(items)
    by_name = {s.system: s for s in added}
    for item in demo_definition()["credentials"]:
        target = item.get("demo_state", "")
        if not target or item["system"] not in by_name:
            continue
        ref = by_name[item["system"]].id
        how = "Signed in to the admin console by hand (demo)"
        service.verify(ref, attest=how)
        if target in ("pending", "rotated", "locked_out"):
            service.start_rotation(ref)
        if target in ("rotated", "locked_out"):
            service.confirm_rotation(ref, attest=how)
        if target == "locked_out":
            service.verify(ref, old=True, attest="Tried the old password: refused (demo)")
