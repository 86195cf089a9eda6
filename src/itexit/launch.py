"""The `itexit` program's first moments: a script's key derivation starts before anything else.

The settings (`itexit.settings`) are read from the environment here, once, and handed to the
command line. When a script names the user and a passphrase file (`--user`,
`--passphrase-file` or their environment variables), unlocking begins with Argon2, which runs
in threads beside the rest of the program. Loading the command line itself (argparse, the
commands, their parsers) takes about 30 ms on one core while the other has nothing to do; so
the few options that decide the derivation are read here, as `itexit`'s parser will read
them, and the derivation starts before it loads: about 15 ms sooner, once what it needs
itself is loaded.
`Cli.start_unlock` later takes it over only for exactly the vault, user and passphrase the
parser found (`prederive.claim`); otherwise it is dropped and nothing differs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from itexit.domain.errors import ItexitError
from itexit.settings import Settings, in_effect

GLOBAL_OPTIONS = {
    "--vault": "vault",
    "--db": "db",
    "--user": "user",
    "--passphrase-file": "passphrase_file",
}
"""The options given before the command word, and the parser's names for them."""

NEW_PASSPHRASE_COMMANDS = frozenset({"init"})
"""Commands whose passphrase file holds a new passphrase, which unlocks nothing yet."""


def global_options(argv: Sequence[str]) -> tuple[dict[str, str], str | None]:
    """The global options before the command word, and that word; None for the word when the
    line holds anything else first (help, an abbreviation, an unknown option), which the whole
    parser then reads. `cli.command_typed` reads the command word with it too."""
    found: dict[str, str] = {}
    index = 0
    while index < len(argv):
        flag, equals, value = argv[index].partition("=")
        if flag in GLOBAL_OPTIONS:
            if not equals:
                if index + 1 >= len(argv):
                    return found, None
                index += 1
                value = argv[index]
            found[GLOBAL_OPTIONS[flag]] = value
            index += 1
        elif argv[index].startswith("-"):
            return found, None
        else:
            return found, argv[index]
    return found, None


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


def start_early(argv: Sequence[str], settings: Settings | None = None) -> None:
    """Start deriving the key of the user a script names, for `prederive.claim` to take up.
    Anything missing or unreadable starts nothing: the command meets it in its own words.
    `settings` are the entry point's (read from the environment when not given)."""
    if settings is None:
        try:
            settings = Settings.from_environment()
        except ItexitError:
            return
    options, command = global_options(argv)
    name = options.get("user") or settings.user
    secret_file = options.get("passphrase_file") or settings.passphrase_file
    if command is None or command in NEW_PASSPHRASE_COMMANDS or not name or not secret_file:
        return
    from itexit.services import prederive
    from itexit.services.location import VaultLocation

    if settings.keyring:
        return
    try:
        passphrase = secret_file_buffer(secret_file)
    except OSError:
        return
    if passphrase:
        with in_effect(settings):
            location = VaultLocation.resolve(options.get("vault"), options.get("db"))
        prederive.begin(location, name, passphrase)


def run() -> NoReturn:
    """The `itexit` program; it never dumps core (`vault.memory.no_core_dumps`)."""
    from itexit.vault.memory import no_core_dumps

    no_core_dumps()
    try:
        settings: Settings | None = Settings.from_environment()
    except ItexitError:  # the command says what is wrong with it
        settings = None
    if settings is not None:
        start_early(sys.argv[1:], settings)
    from itexit.cli import run as run_command

    run_command(settings=settings)
