"""Copying a secret: the local clipboard tool, or OSC 52 only when the person opted in.

A copy clears itself after `CLEAR_SECONDS` if the clipboard still holds it. With a local tool
(wl-copy, xclip, xsel, pbcopy) the clipboard is read back first; over OSC 52 it cannot be read,
so the terminal's clipboard is overwritten with an empty string unconditionally.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable

from itexit import settings
from itexit.services.memory import held, held_text, wipe

CLEAR_SECONDS = 15.0

_TOOLS: tuple[tuple[list[str], list[str]], ...] = (
    (["wl-copy"], ["wl-paste", "-n"]),
    (["xclip", "-selection", "clipboard"], ["xclip", "-o", "-selection", "clipboard"]),
    (["xsel", "-b", "-i"], ["xsel", "-b", "-o"]),
    (["pbcopy"], ["pbpaste"]),
)


def osc52_opted_in() -> bool:
    return settings.current().osc52


def local_tool() -> tuple[list[str], list[str]] | None:
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and (
        shutil.which("pbcopy") is None
    ):
        return None
    for copy, paste in _TOOLS:
        if shutil.which(copy[0]) and shutil.which(paste[0]):
            return copy, paste
    return None


class Clipboard:
    """Where a copy goes; `available` says whether copying is possible here at all."""

    def __init__(self, osc52: Callable[[str], None]) -> None:
        self._osc52 = osc52
        self._tool = local_tool()

    @property
    def available(self) -> bool:
        return self._tool is not None or osc52_opted_in()

    @property
    def how(self) -> str:
        return "the clipboard" if self._tool is not None else "the terminal's clipboard (OSC 52)"

    def copy(self, text: str) -> None:
        if self._tool is not None:
            data = held_text(text)
            try:
                subprocess.run(self._tool[0], input=data, check=False, timeout=5)
            finally:
                wipe(data)
        elif osc52_opted_in():
            self._osc52(text)

    def clear_if_unchanged(self, text: str) -> bool:
        """Empty the clipboard if it still holds `text`; True when it was cleared."""
        if self._tool is not None:
            try:
                pasted = held(
                    subprocess.run(
                        self._tool[1], capture_output=True, check=False, timeout=5
                    ).stdout
                )
            except (OSError, subprocess.SubprocessError):
                return False
            end = len(pasted)
            while end and pasted[end - 1] == 0x0A:
                end -= 1
            expected = held_text(text)
            same = memoryview(pasted)[:end] == memoryview(expected)  # compared, not copied
            wipe(pasted)
            wipe(expected)
            if not same:
                return False
            subprocess.run(self._tool[0], input=b"", check=False, timeout=5)
            return True
        if osc52_opted_in():
            self._osc52("")
            return True
        return False
