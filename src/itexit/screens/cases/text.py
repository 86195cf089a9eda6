"""What the checklist's screens write the same way: dates and a case's progress bar."""

from __future__ import annotations

from rich.text import Text

DATE_FORMAT = "%d %b %Y"
BAR_WIDTH = 8


def progress_bar(closed: int, total: int, width: int = BAR_WIDTH) -> Text:
    """`▰▰▰▱▱▱ 3/6`: the share of tasks done or set aside."""
    filled = round(width * closed / total) if total else 0
    bar = Text("▰" * filled, style="green")
    bar.append("▱" * (width - filled), style="dim")
    bar.append(f" {closed}/{total}")
    return bar
