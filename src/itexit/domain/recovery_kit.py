"""How the recovery kit is laid out for people: the same way on screen, on paper and in a file."""

from __future__ import annotations

GROUPS_PER_LINE = 5


def kit_lines(kit: str, groups_per_line: int = GROUPS_PER_LINE) -> list[str]:
    """The kit as it is typed back: dash-joined groups, five to a line, each line but the last
    ending with its dash (dashes, spaces and line breaks are all accepted when typed back)."""
    groups = kit.split("-")
    lines = [
        "-".join(groups[start : start + groups_per_line])
        for start in range(0, len(groups), groups_per_line)
    ]
    return [line + "-" for line in lines[:-1]] + lines[-1:]
