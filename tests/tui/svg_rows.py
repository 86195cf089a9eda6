"""Read a Textual SVG screenshot back into rows, so a failed snapshot says what changed."""

from __future__ import annotations

import difflib
import html
import re

CELL_WIDTH = 12.2
ROW_HEIGHT = 24.4
TEXT = re.compile(
    r'<text class="[^"]*?(r\d+)" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#[\w-]*?line-(\d+)\)">(.*?)</text>'
)
RECT = re.compile(r'<rect fill="(#[0-9a-fA-F]+)" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"')
STYLE = re.compile(r"\.[\w-]*?(r\d+) \{ ([^}]*) \}")


def rows(svg: str) -> list[str]:
    """One line per terminal row with its text, then one per row with its styled spans."""
    styles = {name: body.strip() for name, body in STYLE.findall(svg)}
    text: dict[int, list[tuple[int, str]]] = {}
    spans: dict[int, list[str]] = {}
    for style, x, line, content in TEXT.findall(svg):
        row, column = int(line), round(float(x) / CELL_WIDTH)
        value = html.unescape(content).replace("\xa0", " ")
        text.setdefault(row, []).append((column, value))
        spans.setdefault(row, []).append(f"{column}:{styles.get(style, style)}")
    for fill, x, y, width in RECT.findall(svg):
        if float(y) < ROW_HEIGHT:
            continue  # the window chrome and the first row's backgrounds share y; skip the chrome
        row = round((float(y) - 1.5) / ROW_HEIGHT)
        spans.setdefault(row, []).append(f"{round(float(x) / CELL_WIDTH)}+{width}:{fill}")
    lines = []
    for row in sorted(text):
        line = ""
        for column, value in sorted(text[row]):
            line = line.ljust(column) + value
        lines.append(f"{row:02d} text  {line.rstrip()}")
    lines.extend(f"{row:02d} style {' '.join(spans[row])}" for row in sorted(spans))
    return lines


def difference(expected: str, actual: str) -> str:
    """A unified diff of the two screenshots' text rows; of their styles only when the text
    reads the same (long style rows are cut, they are for telling where, not what)."""
    before, after = rows(expected), rows(actual)
    texts = [[line for line in side if " text " in line[:8]] for side in (before, after)]
    if texts[0] != texts[1]:
        before, after = texts
    else:
        before, after = ([line[:160] for line in side] for side in (before, after))
    return "\n".join(difflib.unified_diff(before, after, "expected", "actual", lineterm="", n=0))
