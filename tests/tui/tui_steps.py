"""Small steps the TUI tests share: fill a field, unlock, wait for the app to settle."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from textual import events
from textual.app import App
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import DataTable, Input
from textual.worker import Worker

from itexit.screens.base import DIALOG

PRACTICE = "Greenway Family Practice"
MANAGER = "maria"
MANAGER_PASSPHRASE = "lantern-orchard-copper-42"
DEMO_MANAGER_PASSPHRASE = "maria-lantern-orchard-42"  # the demo practice's public passphrase
DEMO_CONSULTANT = ("priya", "priya-harbor-willow-63")


async def settle(pilot: Pilot[int]) -> None:
    """Let messages, workers and the messages they post finish, and tables size their columns."""
    for _ in range(2):
        await pilot.pause()
        await work_done(pilot)
    await pilot.pause()
    # Quiet twice in a row: a worker's last message can still be on its way to the screen (it is
    # posted from the worker's thread) when the worker already counts as finished.
    for _ in range(2):
        assert await until(pilot, lambda: _quiet(pilot.app)), "the app never settled"
        await pilot.pause()
    # a field focused by the step scrolls into view with an animation: let it end
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def work_done(pilot: Pilot[int]) -> None:
    """Wait for the workers doing something; a dialog flow waiting on the person is not one."""
    busy = working(pilot.app)
    if busy:  # an empty list would wait for every worker, dialog flows included
        await pilot.app.workers.wait_for_complete(busy)


def working(app: App[int]) -> list[Worker[object]]:
    return [w for w in app.workers if w.group != DIALOG and w.is_running]


def _quiet(app: App[int]) -> bool:
    """No worker running, no message waiting on the app or the screen, every table sized."""
    if working(app):
        return False
    pumps = [app, *app.screen.walk_children(with_self=True)]
    # a message being handled right now is in no queue: Textual keeps it aside while it runs
    if any(pump.message_queue_size or getattr(pump, "_pending_message", None) for pump in pumps):
        return False
    return not any(_table_pending(table) for table in app.screen.query(DataTable))


def _table_pending(table: DataTable[object]) -> bool:
    """Whether a table has rows it has not measured yet: it does so when idle, which on a loaded
    machine can come well after the rows were added. Until then its scrollable height leaves
    them out."""
    if not table.columns:
        return False
    # Textual gives no public sign that new rows' widths were measured; its own flags say so.
    if getattr(table, "_require_update_dimensions", False) or getattr(table, "_new_rows", None):
        return True
    header = table.header_height if table.show_header else 0
    return table.virtual_size.height != header + sum(row.height for row in table.rows.values())


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


async def press_settled(pilot: Pilot[int], *keys: str) -> None:
    """Press `keys`, then let the screen they lead to finish loading."""
    await pilot.press(*keys)
    await settle(pilot)


async def until(pilot: Pilot[int], condition: Callable[[], bool], seconds: float = 60.0) -> bool:
    """Pause until `condition()` holds, for at most `seconds`; whether it came to hold.

    The limit is generous on purpose: on a loaded machine a widget's idle-time work (a table
    sizing its columns, say) can lag by seconds, and a short limit turns that lag into a flake.
    """
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        await pilot.pause(0.02)
    return True


@asynccontextmanager
async def unlocked(
    app: App[int],
    name: str,
    passphrase: str,
    *,
    size: tuple[int, int] = (120, 36),
    message_hook: Callable[[Message], None] | None = None,
) -> AsyncIterator[Pilot[int]]:
    """Run the app headless and unlock it as `name`: the start of most flows."""
    async with app.run_test(size=size, message_hook=message_hook) as pilot:
        await unlock(pilot, name, passphrase)
        yield pilot


class Notices:
    """A message hook that keeps the text of every notification the app raised."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.seen.append(message.notification.message)

    @property
    def text(self) -> str:
        return "\n".join(self.seen)


_KEY_NAMES = {
    "solidus": "slash",
    "hyphen_minus": "minus",
    "commercial_at": "at",
    "low_line": "underscore",
    "plus_sign": "plus",
}


def _key_event(key: str) -> events.Key:
    if len(key) != 1:
        return events.Key(key, None)
    if key.isalnum():
        return events.Key(key, key)
    name = unicodedata.name(key).lower().replace(" ", "_").replace("-", "_")
    return events.Key(_KEY_NAMES.get(name, name), key)


async def type_fast(pilot: Pilot[int], *keys: str) -> None:
    """Send every key at once, as a quick typist or an auto-typing password manager does, so
    they all wait in the app's queue before the first is handled; then let the app settle."""
    for key in keys:
        pilot.app.post_message(_key_event(key))
    await settle(pilot)
