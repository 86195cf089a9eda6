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

import sys
from collections.abc import Sequence
from typing import NoReturn

from itexit.domain.errors import ItexitError
from itexit.io.command_line import global_options, secret_file_buffer
from itexit.settings import Settings, in_effect

NEW_PASSPHRASE_COMMANDS = frozenset({"init"})
"""Commands whose passphrase file holds a new passphrase, which unlocks nothing yet."""


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
