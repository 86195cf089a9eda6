"""The command line's own reading: the global options before the command word, and secrets
kept in files (a passphrase file), read without leaving a copy behind.

The command line (`itexit.cli`) reads the command word before it builds its parser, so that
it loads only that command's area; this module loads nothing heavy.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

GLOBAL_OPTIONS = {
    "--vault": "vault",
    "--db": "db",
    "--user": "user",
    "--passphrase-file": "passphrase_file",
}
"""The options given before the command word, and the parser's names for them."""


def global_options(argv: Sequence[str]) -> tuple[dict[str, str], str | None]:
    """The global options before the command word, and that word; None for the word when the
    line holds anything else first (help, an abbreviation, an unknown option), which the whole
    parser then reads. `cli.command_typed` reads the command word with it."""
    found, command, _rest = _scan(argv)
    return found, command


def only_global_options(argv: Sequence[str]) -> bool:
    """Whether the line holds global options alone: `itexit` then opens the app."""
    _found, command, rest = _scan(argv)
    return command is None and not rest


def _scan(argv: Sequence[str]) -> tuple[dict[str, str], str | None, Sequence[str]]:
    found: dict[str, str] = {}
    index = 0
    while index < len(argv):
        flag, equals, value = argv[index].partition("=")
        if flag in GLOBAL_OPTIONS:
            if not equals:
                if index + 1 >= len(argv):
                    return found, None, argv[index:]
                index += 1
                value = argv[index]
            found[GLOBAL_OPTIONS[flag]] = value
            index += 1
        elif argv[index].startswith("-"):
            return found, None, argv[index:]
        else:
            return found, argv[index], argv[index + 1 :]
    return found, None, ()


def secret_file_text(path: str) -> str:
    """A passphrase (or other secret) kept in a file: its UTF-8 text without the line end."""
    with open(path, encoding="utf-8") as handle:
        return handle.read().rstrip("\r\n")


def secret_file_buffer(path: str) -> bytearray:
    """A passphrase kept in a file, as its UTF-8 bytes without the line end, in a buffer for
    `vault.memory.wipe`: read straight into it, never held as a `str` or `bytes`."""
    from itexit.vault.memory import wipe

    with open(path, "rb", buffering=0) as handle:
        size = os.fstat(handle.fileno()).st_size
        buffer = bytearray(size + 1)
        got = handle.readinto(buffer)
        while got == len(buffer):  # the file grew since: read on into a larger buffer
            larger = bytearray(len(buffer) * 2)
            larger[: len(buffer)] = buffer
            wipe(buffer)
            buffer = larger
            got += handle.readinto(memoryview(buffer)[got:])
    end = got
    while end and buffer[end - 1] in b"\r\n":
        end -= 1
    value = buffer[:end]
    wipe(buffer)
    return value
