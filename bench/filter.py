"""Per-keystroke filter cost of the mailbox message list at 100,000 messages, in process.

Types a query one key at a time into the mailbox screen's list (the virtualized table) and
times each keystroke: the filter itself and the repaint of the visible lines, as the app does
it. For reference, Textual's stock DataTable is timed clearing and re-adding the matching rows
at 10,000 messages. Target: at most 30 ms per keystroke at 100,000.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from itexit.domain.mailbox import MessageClass, MessageRow
from itexit.screens.mailbox import render_cell
from itexit.widgets.virtual_table import Column, VirtualTable

SUBJECTS = [
    "Invoice {n} for your phone lines",
    "Your domain clinic{n}.example expires soon",
    "Ticket [#{n}] interface queue stalled",
    "Security alert: {n} failed login attempts",
    "This week: {n} tips for admins",
    "Dinner on Saturday? ({n})",
    "Room {n} monitor flickers again",
]
SENDERS = [
    "Billing <billing@phoneco.example>",
    "Registrar <renewals@registrar.example.net>",
    "EHR Support <support@ehr.example.com>",
    "Firewall <security@firewall.example>",
    "Weekly <news@weekly.example>",
    "Pat <pat@gmail.example>",
    "Front desk <desk@clinic.example>",
]
CLASSES = list(MessageClass)
QUERY = "invoice 12"


def make_rows(count: int, seed: int = 3) -> list[MessageRow]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(count):
        k = rng.randrange(len(SUBJECTS))
        rows.append(
            MessageRow.model_construct(
                id=i,
                folder="INBOX",
                date=start + timedelta(minutes=i),
                msg_class=CLASSES[k],
                manual=False,
                sealed=False,
                sender=SENDERS[k],
                to="gary@clinic.example",
                subject=SUBJECTS[k].format(n=rng.randrange(1, 99999)),
                list_id="",
                list_unsubscribe="",
                precedence="",
                message_id="",
                unsubscribed=False,
            )
        )
    return rows


COLUMNS = [
    Column("date", "Date", width=15),
    Column("class", "Class", width=10),
    Column("sender", "From", min_width=10, flex=1),
    Column("subject", "Subject", min_width=16, flex=2),
]


class VirtualApp(App[None]):
    def compose(self) -> ComposeResult:
        yield VirtualTable[MessageRow](
            COLUMNS,
            render_cell=render_cell,
            row_key=lambda row: row.id,
            search_text=MessageRow.haystack,
            id="t",
        )


class StockApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable(id="t")


async def time_virtual(rows: list[MessageRow]) -> tuple[float, list[float], list[float]]:
    app = VirtualApp()
    async with app.run_test(size=(160, 48)) as pilot:
        table: VirtualTable[MessageRow] = app.query_one("#t", VirtualTable)
        table.set_rows(rows)
        await pilot.pause()
        started = time.perf_counter()
        table.set_filter("x")  # the first filter builds the search text of every row once
        table.set_filter("")
        await pilot.pause()
        index_build = time.perf_counter() - started
        per_key: list[float] = []
        with_cycle: list[float] = []
        height = table.size.height
        for _ in range(3):
            typed = [QUERY[:end] for end in range(1, len(QUERY) + 1)]
            erased = [QUERY[:end] for end in range(len(QUERY) - 1, -1, -1)]
            for query in typed + erased:  # backspacing widens the filter again
                started = time.perf_counter()
                table.set_filter(query)
                for y in range(height):  # what a repaint of the list renders
                    table.render_line(y)
                per_key.append(time.perf_counter() - started)
                await pilot.pause()
                with_cycle.append(time.perf_counter() - started)
        return index_build, per_key, with_cycle


async def time_stock(rows: list[MessageRow]) -> list[float]:
    app = StockApp()
    async with app.run_test(size=(160, 48)) as pilot:
        table: DataTable[Any] = app.query_one("#t", DataTable)
        for column in COLUMNS:
            table.add_column(column.label, key=column.key)
        keys = [c.key for c in COLUMNS]
        per_key: list[float] = []
        for end in range(1, len(QUERY) + 1):
            terms = QUERY[:end].lower().split()
            started = time.perf_counter()
            table.clear()
            table.add_rows(
                [render_cell(r, k) for k in keys]
                for r in rows
                if all(t in r.haystack() for t in terms)
            )
            await pilot.pause()
            per_key.append(time.perf_counter() - started)
        return per_key


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (
        f"median {statistics.median(values) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms, "
        f"max {max(values) * 1000:6.1f} ms"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description="filter cost per keystroke")
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--stock", type=int, default=10_000, help="DataTable reference size (0: skip)")
    ap.add_argument("--target-ms", type=float, default=30.0)
    args = ap.parse_args()
    rows = make_rows(args.messages)
    index_build, per_key, with_cycle = asyncio.run(time_virtual(rows))
    print(f"filter: {args.messages:,} messages, query {QUERY!r} typed and erased 3 times")
    print(f"  virtualized list, first filter (builds the search text): {index_build * 1000:.0f} ms")
    print(f"  virtualized list, filter + render visible lines: {ms(per_key)}")
    print(f"  same, until Textual's next idle (event loop, compositor): {ms(with_cycle)}")
    if args.stock:
        stock = asyncio.run(time_stock(rows[: args.stock]))
        print(f"  stock DataTable at {args.stock:,}, clear and re-add: {ms(stock)}")
    ok = statistics.median(per_key) * 1000 <= args.target_ms
    verdict = "met" if ok else "NOT met"
    print(f"  target median <= {args.target_ms:.0f} ms at {args.messages:,}: {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
