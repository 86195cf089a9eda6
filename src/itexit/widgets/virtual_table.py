"""A virtualized table for tens of thousands of rows: only the visible lines are ever rendered.

Rows are plain objects kept in one list; filtering and sorting only rebuild a list of indices
into it, so a filter keystroke over 100,000 rows costs one list comprehension plus the handful
of lines on screen (Textual's `DataTable` clears and re-adds every row instead).

    table = VirtualTable(
        [Column("name", "Vendor", min_width=12), Column("flags", "Flags", width=6, align="right")],
        render_cell=lambda vendor, key: vendor.name if key == "name" else str(vendor.flag_count),
        row_key=lambda vendor: vendor.id,
    )
    table.set_rows(vendors)
    table.set_filter("ring")          # case-insensitive, every word must appear
    table.sort_by("name")
    table.cursor_item                  # the highlighted row object, or None

Cells are rendered from the row object on demand; never put a secret in a cell.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Literal, TypeVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

RowT = TypeVar("RowT")

Align = Literal["left", "center", "right"]
Cell = str | Text
CELL_PADDING = 1
"""Blank cells on each side of every column."""


@dataclass(frozen=True)
class Column:
    """One column: `width` fixes it; else it shares free space by `flex`, at least `min_width`
    and at most `max_width` (None: no limit; the space it leaves goes to the others). A column
    with `hide_below` is left out of a table narrower than that many columns, so the ones that
    matter keep their text whole (what it held belongs in the screen's detail panel)."""

    key: str
    label: str
    width: int | None = None
    min_width: int = 4
    max_width: int | None = None
    flex: int = 1
    align: Align = "left"
    sortable: bool = True
    hide_below: int | None = None


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def column_widths(columns: Sequence[Column], available: int) -> tuple[int, ...]:
    """Each column's width, padding included: fixed columns first; the space left is shared by
    flex. A column whose share falls below its minimum keeps the minimum, one whose share
    passes its maximum keeps the maximum, and the others share the rest again; so the table
    scrolls sideways only when the minimums do not fit. A column hidden at this width is 0."""
    pad = 2 * CELL_PADDING
    settled = {
        i: 0 for i, c in enumerate(columns) if c.hide_below is not None and available < c.hide_below
    }
    widths = {
        i: c.width + pad for i, c in enumerate(columns) if c.width is not None and i not in settled
    }
    free = available - sum(widths.values())
    while True:
        sharing = [i for i, c in enumerate(columns) if c.width is None and i not in settled]
        space = max(free - sum(settled.values()), 0)
        total_flex = sum(max(columns[i].flex, 1) for i in sharing) or 1
        shares: dict[int, int] = {}
        given = flex_seen = 0
        for i in sharing:
            flex_seen += max(columns[i].flex, 1)
            shares[i] = space * flex_seen // total_flex - given
            given += shares[i]
        floors = {
            i: columns[i].min_width + pad for i in sharing if shares[i] < columns[i].min_width + pad
        }
        ceilings = {
            i: ceiling + pad
            for i in sharing
            if (ceiling := columns[i].max_width) is not None and shares[i] > ceiling + pad
        }
        if not (floors or ceilings):
            break
        settled.update(floors or ceilings)  # minimums first: they may leave less to share
    widths.update(settled)
    widths.update(shares)
    return tuple(widths[i] for i in range(len(columns)))


class _RowMessage(Message):
    """About one row: its position among the visible rows and the row object."""

    def __init__(self, table: VirtualTable[Any], index: int, row: Any) -> None:
        super().__init__()
        self.table = table
        self.index = index
        self.row = row

    @property
    def control(self) -> VirtualTable[Any]:
        return self.table


class VirtualTable(ScrollView, Generic[RowT], can_focus=True):
    """A table over a sequence of row objects that renders only the visible lines."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--even-row",
        "virtual-table--odd-row",
        "virtual-table--empty",
    }
    """
    | Class | Description |
    | :- | :- |
    | `virtual-table--header` | The header line. |
    | `virtual-table--cursor` | The highlighted row. |
    | `virtual-table--even-row` | Even rows (from 0) when zebra stripes are on. |
    | `virtual-table--odd-row` | Odd rows when zebra stripes are on. |
    | `virtual-table--empty` | The text shown when no row is visible. |
    """

    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        overflow-x: auto;
        overflow-y: auto;
        & > .virtual-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .virtual-table--even-row {
            background: $surface-lighten-1 50%;
        }
        &:dark > .virtual-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .virtual-table--odd-row {
        }
        & > .virtual-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .virtual-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .virtual-table--empty {
            color: $text-muted;
            text-style: italic;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "up",
            "cursor_up",
            "Up",
            show=False,
            id="table.cursor_up",
            tooltip="Highlight the row above",
        ),
        Binding(
            "down",
            "cursor_down",
            "Down",
            show=False,
            id="table.cursor_down",
            tooltip="Highlight the row below",
        ),
        Binding(
            "pageup",
            "page_up",
            "Page up",
            show=False,
            id="table.page_up",
            tooltip="Move up one screen",
        ),
        Binding(
            "pagedown",
            "page_down",
            "Page down",
            show=False,
            id="table.page_down",
            tooltip="Move down one screen",
        ),
        Binding(
            "home,ctrl+home",
            "cursor_first",
            "First",
            show=False,
            id="table.first",
            tooltip="Highlight the first row",
        ),
        Binding(
            "end,ctrl+end",
            "cursor_last",
            "Last",
            show=False,
            id="table.last",
            tooltip="Highlight the last row",
        ),
        Binding(
            "enter",
            "select_cursor",
            "Open",
            show=False,
            id="table.select",
            tooltip="Open the highlighted row",
        ),
    ]

    class RowHighlighted(_RowMessage):
        """The cursor moved to another row (`row` is None and `index` -1 when none is visible)."""

    class RowSelected(_RowMessage):
        """The highlighted row was chosen with enter or a click on it."""

    class HeaderClicked(Message):
        """A column header was clicked (a sortable column has already been re-sorted)."""

        def __init__(self, table: VirtualTable[Any], column_key: str) -> None:
            super().__init__()
            self.table = table
            self.column_key = column_key

        @property
        def control(self) -> VirtualTable[Any]:
            return self.table

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        render_cell: Callable[[RowT, str], Cell],
        row_key: Callable[[RowT], Hashable] | None = None,
        search_text: Callable[[RowT], str] | None = None,
        sort_value: Callable[[RowT, str], Any] | None = None,
        empty_text: str = "Nothing to show.",
        zebra_stripes: bool = True,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's own parameter name
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """`row_key` keeps the cursor on the same row across `set_rows`; `search_text` and
        `sort_value` default to the plain text of the rendered cells."""
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        if not columns:
            raise ValueError("a table needs at least one column")
        self._columns: tuple[Column, ...] = tuple(columns)
        self._render_cell = render_cell
        self._row_key = row_key
        self._search_text = search_text
        self._sort_value = sort_value
        self.empty_text = empty_text
        self.zebra_stripes = zebra_stripes
        self._rows: list[RowT] = []
        self._search: list[str] | None = None
        self._order: list[int] = []
        self._visible: list[int] = []
        self._filter_text = ""
        self._filter_terms: tuple[str, ...] = ()
        self._predicate: Callable[[RowT], bool] | None = None
        self._sort_key: str | None = None
        self._sort_reverse = False
        self._cursor = 0
        self._highlighted: int | None = None
        self._widths: tuple[int, ...] = ()
        self._widths_for = -1
        self._generation = 0
        self._line_cache: LRUCache[tuple[Any, ...], Strip] = LRUCache(256)
        self._line_styles: dict[tuple[Style, int, bool, bool], Style] = {}

    # ----- data -------------------------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    @property
    def rows(self) -> Sequence[RowT]:
        """Every row given to `set_rows`, unfiltered and unsorted."""
        return self._rows

    @property
    def row_count(self) -> int:
        """How many rows pass the filter."""
        return len(self._visible)

    @property
    def total_count(self) -> int:
        return len(self._rows)

    @property
    def visible_rows(self) -> list[RowT]:
        """The rows that pass the filter, in display order."""
        rows = self._rows
        return [rows[i] for i in self._visible]

    @property
    def filter_text(self) -> str:
        return self._filter_text

    @property
    def sort_key(self) -> str | None:
        return self._sort_key

    @property
    def sort_reverse(self) -> bool:
        return self._sort_reverse

    def set_rows(self, rows: Sequence[RowT]) -> None:
        """Replace every row, keeping filter, sort and (with `row_key`) the highlighted row."""
        kept = self._key_of(self.cursor_item)
        self._rows = list(rows)
        self._search = None
        self._generation += 1
        self._line_cache.clear()
        self._order = self._sorted_order()
        self._visible = self._apply_filter(self._order)
        self._cursor = self._find_key(kept) if kept is not None else 0
        self._highlighted = None
        self._after_change()

    def set_filter(self, query: str | Callable[[RowT], bool] | None) -> None:
        """Show only matching rows: a text (every word must appear, any case) or a predicate."""
        if query is None or isinstance(query, str):
            text = (query or "").strip().lower()
            terms = tuple(text.split())
            narrowing = (
                self._predicate is None
                and self._filter_terms != ()
                and all(any(old in new for new in terms) for old in self._filter_terms)
            )
            base = self._visible if narrowing else self._order
            self._predicate = None
            self._filter_text = text
            self._filter_terms = terms
        else:
            self._predicate = query
            self._filter_text = ""
            self._filter_terms = ()
            base = self._order
        kept = self.cursor_item
        self._visible = self._apply_filter(base)
        self._cursor = self._find_row(kept)
        self._after_change()

    def sort_by(self, column_key: str | None, *, reverse: bool = False) -> None:
        """Order rows by one column (None: the given order), keeping the filter and cursor row."""
        if column_key is not None and column_key not in {c.key for c in self._columns}:
            raise KeyError(column_key)
        kept = self.cursor_item
        self._sort_key = column_key
        self._sort_reverse = reverse
        self._order = self._sorted_order()
        self._visible = self._apply_filter(self._order)
        self._cursor = self._find_row(kept)
        self._line_cache.clear()
        self._after_change()

    def refresh_rows(self) -> None:
        """Re-render after the row objects changed in place (their search text is rebuilt)."""
        self._search = None
        self._generation += 1
        self._line_cache.clear()
        self.refresh()

    # ----- cursor -----------------------------------------------------------------------------

    @property
    def cursor_row(self) -> int:
        """Position of the cursor among the visible rows (0 when there are none)."""
        return self._cursor

    @property
    def cursor_item(self) -> RowT | None:
        """The highlighted row object, or None when no row is visible."""
        if not self._visible:
            return None
        return self._rows[self._visible[self._cursor]]

    def move_cursor(self, index: int, *, scroll: bool = True) -> None:
        """Highlight the visible row at `index` (clamped) and bring it into view."""
        index = max(0, min(index, len(self._visible) - 1)) if self._visible else 0
        old = self._cursor
        self._cursor = index
        if old != index:
            self._refresh_position(old)
            self._refresh_position(index)
        if scroll:
            self._scroll_cursor_into_view()
        self._post_highlight()

    def select_key(self, key: Hashable) -> bool:
        """Highlight the visible row whose `row_key` is `key`; False when it is not visible."""
        position = self._find_key(key, default=-1)
        if position < 0:
            return False
        self.move_cursor(position)
        return True

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor - self._page_height())

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor + self._page_height())

    def action_cursor_first(self) -> None:
        self.move_cursor(0)

    def action_cursor_last(self) -> None:
        self.move_cursor(len(self._visible) - 1)

    def action_select_cursor(self) -> None:
        row = self.cursor_item
        if row is not None:
            self.post_message(self.RowSelected(self, self._cursor, row))

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            column_key = self._column_at(offset.x + int(self.scroll_x))
            if column_key is None:
                return
            column = next(c for c in self._columns if c.key == column_key)
            if column.sortable:
                reverse = self._sort_key == column_key and not self._sort_reverse
                self.sort_by(column_key, reverse=reverse)
            self.post_message(self.HeaderClicked(self, column_key))
            return
        position = offset.y - 1 + int(self.scroll_y)
        if not 0 <= position < len(self._visible):
            return
        if position == self._cursor:
            self.action_select_cursor()
        else:
            self.move_cursor(position)

    def _on_resize(self, event: events.Resize) -> None:
        self._widths_for = -1
        self._line_cache.clear()
        self._update_virtual_size()

    def on_mount(self) -> None:
        self._update_virtual_size()
        self._post_highlight()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line_styles.clear()
        self._line_cache.clear()

    # ----- rendering --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x = int(self.scroll_x)
        base = self.rich_style
        widths = self._column_widths()
        total = sum(widths)
        if y == 0:
            header_key = ("header", widths, self._sort_key, self._sort_reverse, self.has_focus)
            header = self._line_cache.get(header_key)
            if header is None:
                header = self._header_strip(widths, base)
                self._line_cache[header_key] = header
            return header.crop_extend(scroll_x, scroll_x + width, base)
        if not self._visible:
            if y == 1:
                style = base + self.get_component_rich_style("virtual-table--empty")
                text = Text(" " * CELL_PADDING + self.empty_text, style=style)
                text.truncate(max(width, 1), overflow="ellipsis", pad=True)
                return Strip(list(text.render(self.app.console)), max(width, 1))
            return Strip.blank(width, base)
        position = y - 1 + int(self.scroll_y)
        if position >= len(self._visible):
            return Strip.blank(width, base)
        row_index = self._visible[position]
        is_cursor = position == self._cursor
        parity = position % 2 if self.zebra_stripes else -1
        cache_key = (row_index, parity, is_cursor, self.has_focus, widths, self._generation, base)
        cached = self._line_cache.get(cache_key)
        if cached is None:
            cached = self._row_strip(self._rows[row_index], widths, total, base, parity, is_cursor)
            self._line_cache[cache_key] = cached
        return cached.crop_extend(scroll_x, scroll_x + width, base)

    def _row_strip(
        self,
        row: RowT,
        widths: tuple[int, ...],
        total: int,
        base: Style,
        parity: int,
        is_cursor: bool,
    ) -> Strip:
        style = self._line_style(base, parity, is_cursor)
        cells = (self._render_cell(row, column.key) for column in self._columns)
        texts = [Text(cell) if isinstance(cell, str) else cell.copy() for cell in cells]
        line = self._line(texts, widths, style)
        segments = list(line.render(self.app.console))
        return Strip(segments, total).adjust_cell_length(total, style)

    def _line_style(self, base: Style, parity: int, is_cursor: bool) -> Style:
        """A row's style from the stripe and cursor classes, worked out once per kind of line."""
        key = (base, parity, is_cursor, self.has_focus)
        style = self._line_styles.get(key)
        if style is None:
            style = base
            if parity == 0:
                style = style + self.get_component_rich_style("virtual-table--even-row")
            elif parity == 1:
                style = style + self.get_component_rich_style("virtual-table--odd-row")
            if is_cursor:
                style = style + self.get_component_rich_style("virtual-table--cursor")
            self._line_styles[key] = style
        return style

    def _line(self, texts: Sequence[Text], widths: tuple[int, ...], style: Style) -> Text:
        """One line of cells, each cut to its column and aligned, with padding either side."""
        line = Text(style=style, no_wrap=True, end="")
        pad = " " * CELL_PADDING
        for column, column_width, text in zip(self._columns, widths, texts, strict=True):
            if not column_width:
                continue  # hidden at this width
            inner = column_width - 2 * CELL_PADDING
            text.no_wrap = True
            text.truncate(inner, overflow="ellipsis")
            line.append(pad)
            line.append_text(_aligned(text, inner, column.align))
            line.append(pad)
        return line

    def _header_strip(self, widths: tuple[int, ...], base: Style) -> Strip:
        style = base + self.get_component_rich_style("virtual-table--header")
        labels = [
            f"{c.label} {'▼' if self._sort_reverse else '▲'}"
            if c.key == self._sort_key
            else c.label
            for c in self._columns
        ]
        line = self._line([Text(label) for label in labels], widths, style)
        total = max(sum(widths), self.scrollable_content_region.width)
        return Strip(list(line.render(self.app.console)), sum(widths)).adjust_cell_length(
            total, style
        )

    def _column_widths(self) -> tuple[int, ...]:
        available = self.scrollable_content_region.width
        if self._widths_for == available and self._widths:
            return self._widths
        self._widths = column_widths(self._columns, available)
        self._widths_for = available
        return self._widths

    def _column_at(self, x: int) -> str | None:
        left = 0
        for column, width in zip(self._columns, self._column_widths(), strict=True):
            if left <= x < left + width:
                return column.key
            left += width
        return None

    # ----- internals --------------------------------------------------------------------------

    def _key_of(self, row: RowT | None) -> Hashable | None:
        if row is None or self._row_key is None:
            return None
        return self._row_key(row)

    def _find_key(self, key: Hashable, default: int = 0) -> int:
        if self._row_key is None:
            return default
        row_key, rows = self._row_key, self._rows
        for position, index in enumerate(self._visible):
            if row_key(rows[index]) == key:
                return position
        return default

    def _find_row(self, row: RowT | None) -> int:
        if row is None:
            return 0
        rows = self._rows
        for position, index in enumerate(self._visible):
            if rows[index] is row:
                return position
        return 0

    def _search_strings(self) -> list[str]:
        if self._search is None:
            if self._search_text is not None:
                search_text = self._search_text
                self._search = [search_text(row).lower() for row in self._rows]
            else:
                keys = [c.key for c in self._columns]
                render = self._render_cell
                self._search = [
                    "\t".join(_plain(render(row, key)) for key in keys).lower()
                    for row in self._rows
                ]
        return self._search

    def _apply_filter(self, base: list[int]) -> list[int]:
        if self._predicate is not None:
            predicate, rows = self._predicate, self._rows
            return [i for i in base if predicate(rows[i])]
        if not self._filter_terms:
            return list(base)
        search = self._search_strings()
        matched = base
        for term in self._filter_terms:
            matched = [i for i in matched if term in search[i]]
        return matched

    def _sorted_order(self) -> list[int]:
        indices = list(range(len(self._rows)))
        if self._sort_key is None:
            return indices
        key, rows = self._sort_key, self._rows
        if self._sort_value is not None:
            sort_value = self._sort_value
            values = [sort_value(row, key) for row in rows]
        else:
            render = self._render_cell
            values = [_plain(render(row, key)).lower() for row in rows]
        indices.sort(key=values.__getitem__, reverse=self._sort_reverse)
        return indices

    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _update_virtual_size(self) -> None:
        width = sum(self._column_widths())
        self.virtual_size = Size(width, len(self._visible) + 1)

    def _after_change(self) -> None:
        if self._visible:
            self._cursor = max(0, min(self._cursor, len(self._visible) - 1))
        else:
            self._cursor = 0
        self._update_virtual_size()
        self._scroll_cursor_into_view()
        self.refresh()
        self._post_highlight()

    def _scroll_cursor_into_view(self) -> None:
        if not self.is_mounted:
            return
        height = self._page_height()
        top = int(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, force=True)
        elif self._cursor >= top + height:
            self.scroll_to(y=self._cursor - height + 1, animate=False, force=True)

    def _refresh_position(self, position: int) -> None:
        self.refresh_line(position + 1)

    def _post_highlight(self) -> None:
        row_index = self._visible[self._cursor] if self._visible else None
        if row_index == self._highlighted or not self.is_mounted:
            return
        self._highlighted = row_index
        row = None if row_index is None else self._rows[row_index]
        self.post_message(self.RowHighlighted(self, self._cursor if row is not None else -1, row))


def _aligned(text: Text, width: int, align: Align) -> Text:
    """Pad `text` to `width` cells on the side its alignment calls for."""
    gap = width - cell_len(text.plain)
    if gap <= 0:
        return text
    if align == "right":
        return Text.assemble(" " * gap, text)
    if align == "center":
        left = gap // 2
        return Text.assemble(" " * left, text, " " * (gap - left))
    return Text.assemble(text, " " * gap)


__all__ = ["Column", "VirtualTable"]
