"""Secrets listed in an exit statement by HR, sealed so only the cred scope can open them."""

from __future__ import annotations

from itexit.services.context import VaultContext


def drain_inbox(ctx: VaultContext) -> int:
    """Turn sealed hand-overs into credentials when the actor holds the cred key; count them."""
    return 0
