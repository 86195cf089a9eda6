"""One reader for every CSV export with a header row, driven by a table per format.

A layout names, for each field of an entry, the header names the export may give its column
(the required ones must be there, or the file is not that export), and optionally a `shape`
that turns the row's cells into the entry's fields where a format does more than copy a cell
(a second address, a note that is not a login, a folder written with back-slashes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from itexit.io.importers.common import (
    ParsedFile,
    RawEntry,
    column,
    decode,
    finish,
    read_csv,
    require_columns,
)

Cells = dict[str, str]
"""A row's cells by the layout's names; an optional column the file lacks reads as ""."""

Fields = dict[str, Any]
"""The keyword arguments of a `RawEntry`, all but `row`."""

Shape = Callable[[Cells], Fields]
"""From a row's cells to its entry's fields."""

Reader = Callable[[bytes, str | None], ParsedFile]
"""An export's bytes (and the text encoding, when the person names one) to its entries."""


@dataclass(frozen=True)
class CsvLayout:
    """How one export's columns become entries; call it with the file's bytes."""

    what: str
    """The export as the person knows it, for messages ("Bitwarden CSV export")."""
    required: Mapping[str, tuple[str, ...]]
    """Field → the header names (lower case) its column may have; the first is named when
    none is there."""
    optional: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    shape: Shape | None = None
    """Without one, every name is a `RawEntry` field and its cell the value."""

    def __call__(self, data: bytes, encoding: str | None = None) -> ParsedFile:
        names, rows = read_csv(decode(data, self.what, encoding), self.what)
        columns = self.columns(names)
        port_column = columns.get("port") or ""

        def raw() -> Iterator[RawEntry]:
            for row in rows:
                cells = {
                    name: row.cells.get(head, "") if head else "" for name, head in columns.items()
                }
                fields: Fields = self.shape(cells) if self.shape is not None else cells
                yield RawEntry(row=row.row, port_column=port_column, **fields)

        return finish(raw(), self.what)

    def columns(self, names: list[str]) -> dict[str, str | None]:
        """Each name → the header column it reads (None: an optional one the file lacks); a
        file without a required column is not this export, and the error says which."""
        columns: dict[str, str | None] = dict(require_columns(names, self.what, **self.required))
        columns.update({name: column(names, *heads) for name, heads in self.optional.items()})
        return columns


def joined(first: str, then: str) -> str:
    """Notes followed by more (`then`, as given), a blank line between when both have text."""
    if not then:
        return first
    return f"{first.rstrip()}\n\n{then}" if first.strip() else then
