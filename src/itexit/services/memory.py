"""Overwriting a passphrase or a revealed secret once it is used (`vault.memory`), for the app."""

from __future__ import annotations

from itexit.vault.memory import held, held_text, wipe, wipe_text

__all__ = ["held", "held_text", "wipe", "wipe_text"]
