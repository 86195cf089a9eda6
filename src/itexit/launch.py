"""The `itexit` program's first moments: no core dumps, and the settings read once.

The settings (`itexit.settings`) are read from the environment here, once, and handed to the
command line; a setting that cannot be read is left for the command to report in its own words.
"""

from __future__ import annotations

from typing import NoReturn

from itexit.domain.errors import ItexitError
from itexit.settings import Settings


def run() -> NoReturn:
    """The `itexit` program; it never dumps core (`vault.memory.no_core_dumps`)."""
    from itexit.vault.memory import no_core_dumps

    no_core_dumps()
    try:
        settings: Settings | None = Settings.from_environment()
    except ItexitError:  # the command says what is wrong with it
        settings = None
    from itexit.cli import run as run_command

    run_command(settings=settings)
