"""The virtual table in a tiny app: scrolling, cursor, filter, sort, messages and a snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.message import Message

from itexit.widgets.virtual_table import Column, VirtualTable, column_widths


@dataclass
class Machine:
    number: int
    name: str
    room: str


def machines(count: int) -> list[Machine]:
    rooms = ["Front desk", "Exam 1", "Exam 2", "Back office"]
    return [Machine(n, f"PC-{n:05d}", rooms[n % len(rooms)]) for n in range(count)]


def render_cell(machine: Machine, key: str) -> str | Text:
    if key == "number":
        return str(machine.number)
    if key == "name":
        return Text(machine.name, style="bold")
    return machine.room


COLUMNS = [
    Column("number", "No.", width=6, align="right"),
    Column("name", "Machine", min_width=10, flex=2),
    Column("room", "Room", min_width=8),
]


class TableApp(App[None]):
    def __init__(self, rows: list[Machine]) -> None:
        super().__init__()
        self.rows = rows
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield VirtualTable(
            COLUMNS,
            render_cell=render_cell,
            row_key=lambda machine: machine.number,
            sort_value=lambda machine, key: getattr(machine, key),
            empty_text="No machine matches.",
        )

    def on_mount(self) -> None:
        self.table.set_rows(self.rows)

    @property
    def table(self) -> VirtualTable[Machine]:
        return self.query_one(VirtualTable)

    def on_virtual_table_row_highlighted(self, message: VirtualTable.RowHighlighted) -> None:
        self.messages.append(message)

    def on_virtual_table_row_selected(self, message: VirtualTable.RowSelected) -> None:
        self.messages.append(message)


def screen_text(app: App[Any]) -> str:
    table = app.query_one(VirtualTable)
    return "\n".join(
        table.render_line(y).text for y in range(table.scrollable_content_region.height)
    )


async def test_renders_only_visible_lines_and_scrolls_with_the_cursor() -> None:
    app = TableApp(machines(10_000))
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.table
        await pilot.pause()
        assert table.virtual_size.height == 10_001
        text = screen_text(app)
        assert "Machine" in text.splitlines()[0]
        assert "PC-00000" in text and "PC-00020" not in text
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert table.cursor_row == 2 * (table.scrollable_content_region.height - 1)
        assert f"PC-{table.cursor_row:05d}" in screen_text(app)
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == 9_999
        assert "PC-09999" in screen_text(app)
        await pilot.press("home", "down", "down", "up")
        await pilot.pause()
        assert table.cursor_item == app.rows[1]
        assert int(table.scroll_y) == 0


async def test_filter_narrows_keeps_cursor_row_and_shows_empty_text() -> None:
    app = TableApp(machines(1_000))
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.table
        table.focus()
        table.move_cursor(5)
        await pilot.pause()
        table.set_filter("pc-0000")
        await pilot.pause()
        assert [row.number for row in table.visible_rows] == list(range(10))
        assert table.cursor_item == app.rows[5]
        table.set_filter("OFFICE back")
        await pilot.pause()
        assert table.row_count == 250
        assert all(row.room == "Back office" for row in table.visible_rows)
        assert table.cursor_row == 0
        table.set_filter("pc-00005 OFFICE")
        await pilot.pause()
        assert table.visible_rows == []
        assert table.cursor_item is None
        assert "No machine matches." in screen_text(app)
        table.set_filter(lambda machine: machine.number % 100 == 0)
        await pilot.pause()
        assert table.row_count == 10
        table.set_filter("")
        await pilot.pause()
        assert table.row_count == 1_000


async def test_sort_by_column_and_header_click_toggles_direction() -> None:
    app = TableApp(machines(50))
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.table
        table.sort_by("number", reverse=True)
        await pilot.pause()
        assert table.visible_rows[0].number == 49
        assert "No. ▼" in screen_text(app).splitlines()[0]
        await pilot.click(VirtualTable, offset=(12, 0))
        await pilot.pause()
        assert table.sort_key == "name" and not table.sort_reverse
        assert table.visible_rows[0].name == "PC-00000"
        await pilot.click(VirtualTable, offset=(12, 0))
        await pilot.pause()
        assert table.sort_reverse
        assert table.visible_rows[0].name == "PC-00049"
        table.sort_by(None)
        assert table.visible_rows[0].number == 0


async def test_messages_on_keys_and_clicks() -> None:
    app = TableApp(machines(30))
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.table
        table.focus()
        await pilot.pause()
        app.messages.clear()
        await pilot.press("down")
        await pilot.pause()
        highlighted = [m for m in app.messages if isinstance(m, VirtualTable.RowHighlighted)]
        assert [(m.index, m.row.number) for m in highlighted] == [(1, 1)]
        await pilot.press("enter")
        await pilot.pause()
        selected = [m for m in app.messages if isinstance(m, VirtualTable.RowSelected)]
        assert [(m.index, m.row.number) for m in selected] == [(1, 1)]
        app.messages.clear()
        await pilot.click(VirtualTable, offset=(3, 4))
        await pilot.pause()
        assert table.cursor_row == 3
        assert [type(m) for m in app.messages] == [VirtualTable.RowHighlighted]
        await pilot.click(VirtualTable, offset=(3, 4))
        await pilot.pause()
        assert isinstance(app.messages[-1], VirtualTable.RowSelected)
        assert app.messages[-1].row.number == 3


async def test_set_rows_keeps_the_highlighted_row_by_key() -> None:
    app = TableApp(machines(20))
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.table
        table.move_cursor(7)
        await pilot.pause()
        table.set_rows(list(reversed(machines(20))))
        await pilot.pause()
        assert table.cursor_item is not None and table.cursor_item.number == 7
        assert table.cursor_row == 12
        assert table.select_key(3)
        assert table.cursor_row == 16
        assert not table.select_key(99)


def test_needs_a_column() -> None:
    with pytest.raises(ValueError, match="at least one column"):
        VirtualTable([], render_cell=render_cell)


def test_snapshot_80x24(snap_compare: Any) -> None:
    async def focus_and_move(pilot: Any) -> None:
        table = pilot.app.query_one(VirtualTable)
        table.focus()
        table.sort_by("room")
        await pilot.press("down", "down")
        await pilot.pause()

    assert snap_compare(TableApp(machines(200)), terminal_size=(80, 24), run_before=focus_and_move)


# --- column widths -------------------------------------------------------------------------------


def test_flexible_columns_share_the_space_by_flex() -> None:
    columns = [Column("a", "A", width=4), Column("b", "B", flex=1), Column("c", "C", flex=3)]
    assert column_widths(columns, 46) == (6, 10, 30)  # 40 left: a quarter and three quarters


def test_a_column_below_its_minimum_keeps_it_and_the_others_share_the_rest() -> None:
    """Before, the short column was raised after the others had taken their share, and the
    table scrolled sideways although every minimum fitted."""
    columns = [
        Column("a", "A", min_width=8, flex=1),
        Column("b", "B", min_width=4, flex=6),
        Column("c", "C", min_width=8, flex=1),
    ]
    widths = column_widths(columns, 40)
    assert widths == (10, 20, 10)
    assert sum(widths) == 40


def test_minimums_that_do_not_fit_overflow_rather_than_shrink() -> None:
    columns = [Column("a", "A", min_width=10), Column("b", "B", min_width=10)]
    assert column_widths(columns, 15) == (12, 12)


def test_widths_fill_the_space_exactly_whenever_the_minimums_fit() -> None:
    columns = [
        Column("d", "Date", width=10),
        Column("v", "Vendor", min_width=9, flex=2),
        Column("i", "Item", min_width=14, flex=4),
        Column("k", "Kind", min_width=8, flex=1),
    ]
    for available in range(12 + 11 + 16 + 10, 200):
        assert sum(column_widths(columns, available)) == available


def test_a_column_past_its_maximum_keeps_it_and_gives_the_rest_to_the_others() -> None:
    columns = [
        Column("k", "Kind", min_width=4, max_width=10, flex=2),
        Column("i", "Item", min_width=4, flex=2),
    ]
    assert column_widths(columns, 60) == (12, 48)
    assert column_widths(columns, 20) == (10, 10)  # under the maximum: shared by flex


def test_a_column_hidden_below_a_width_gives_its_space_to_the_others() -> None:
    columns = [
        Column("s", "System", min_width=12, flex=2),
        Column("c", "Category", min_width=7, flex=1, hide_below=60),
        Column("st", "Status", width=10),
        Column("v", "Checked", width=7, hide_below=60),
    ]
    wide = column_widths(columns, 90)
    assert all(wide) and sum(wide) == 90
    narrow = column_widths(columns, 48)
    assert narrow[1] == 0 and narrow[3] == 0  # left out, not squeezed
    assert narrow == (36, 0, 12, 0)  # the system name takes what they leave


async def test_a_hidden_column_is_not_drawn() -> None:
    columns = [
        Column("name", "Name", min_width=6, flex=1),
        Column("kind", "Kind", width=8, hide_below=30),
    ]
    table = VirtualTable[str](
        columns, render_cell=lambda row, key: row if key == "name" else "its-kind"
    )

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield table

    app = Host()
    async with app.run_test(size=(40, 5)) as pilot:
        table.set_rows(["Domain registrar"])
        await pilot.pause()
        assert "Kind" in table.render_line(0).text
        assert "its-kind"[:6] in table.render_line(1).text
        await pilot.resize_terminal(24, 5)
        await pilot.pause()
        assert "Kind" not in table.render_line(0).text
        assert "its-ki" not in table.render_line(1).text
        assert "Domain registrar" in table.render_line(1).text
