"""Small steps the TUI tests share: fill a field, unlock, wait for the app to settle."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input

PRACTICE = "Greenway Family Practice"
MANAGER = "maria"
MANAGER_PASSPHRASE = "lantern-orchard-copper-42"
DEMO_MANAGER_PASSPHRASE = "maria-lantern-orchard-42"  # the demo practice's public passphrase
DEMO_CONSULTANT = ("priya", "priya-harbor-willow-63")


async def settle(pilot: Pilot[int]) -> None:
    """Let messages, workers and the messages they post all finish."""
    for _ in range(2):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def type_into(pilot: Pilot[int], selector: str, text: str) -> None:
    """Focus the input and type `text` key by key, as a person would (slow: short text only)."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    await pilot.press(*text)


async def fill(pilot: Pilot[int], selector: str, text: str) -> None:
    """Focus the input and put `text` in it at once; the app sees the same `Input.Changed`."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = text
    await pilot.pause()


async def unlock(pilot: Pilot[int], name: str, passphrase: str) -> None:
    await settle(pilot)
    await fill(pilot, "#user", name)
    await fill(pilot, "#passphrase", passphrase)
    await pilot.press("enter")
    await settle(pilot)
