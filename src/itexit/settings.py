"""The `ITEXIT_*` environment variables, read in one place into one typed, frozen object.

The entry points (`itexit`'s command line, which also opens the app) build it once from the
environment and put it in effect (`in_effect`) for as long as they run; every module reads
it through `current()`, none from `os.environ`. Called outside an entry point (a test calling
a service directly), `current()` reads the environment as it is at that moment.

A frozen dataclass over `os.environ`: nine variables need no settings library.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from itexit.domain.errors import BadInput

PREFIX = "ITEXIT_"

_ON = frozenset({"1", "true", "yes", "on"})
_OFF = frozenset({"", "0", "false", "no", "off"})


@dataclass(frozen=True)
class Settings:
    """Every setting the environment can give itexit; each field is `ITEXIT_<FIELD>`."""

    home: Path | None = None
    """`ITEXIT_HOME`: the data directory (vault, backups, log); platformdirs' when unset."""
    vault: Path | None = None
    """`ITEXIT_VAULT`: the SQLite vault file, when `--vault` is not given."""
    db: str | None = None
    """`ITEXIT_DB`: a database URL for a shared vault, when `--db` is not given (wins over
    `ITEXIT_VAULT`); a password may sit here, never in `--db`, which the process list shows."""
    user: str | None = None
    """`ITEXIT_USER`: who unlocks, when `--user` is not given."""
    passphrase_file: str | None = None
    """`ITEXIT_PASSPHRASE_FILE`: the file holding the passphrase, for scripts and cron."""
    keyring: bool = False
    """`ITEXIT_KEYRING`: cache an unlock in the operating system's keyring for a working day."""
    kdf_profile: str = ""
    """`ITEXIT_KDF_PROFILE`: `test` derives new keys at the floor parameters (tests only);
    anything else calibrates on this machine."""
    rdap_base_url: str | None = None
    """`ITEXIT_RDAP_BASE_URL`: send every domain lookup to this one RDAP service (tests only)."""
    osc52: bool = False
    """`ITEXIT_OSC52`: copy through the terminal (OSC 52, e.g. over SSH) when there is no
    clipboard program."""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every `ITEXIT_*` variable; an empty one counts as unset. A switch that is
        neither on nor off is refused with one sentence."""
        env = os.environ if environ is None else environ

        def text(name: str) -> str | None:
            return env.get(PREFIX + name) or None

        home, vault = text("HOME"), text("VAULT")
        return cls(
            home=Path(home) if home else None,
            vault=Path(vault).expanduser() if vault else None,
            db=text("DB"),
            user=text("USER"),
            passphrase_file=text("PASSPHRASE_FILE"),
            keyring=_switch(env, "KEYRING"),
            kdf_profile=text("KDF_PROFILE") or "",
            rdap_base_url=text("RDAP_BASE_URL"),
            osc52=_switch(env, "OSC52"),
        )


def _switch(env: Mapping[str, str], name: str) -> bool:
    value = env.get(PREFIX + name, "").strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise BadInput(
        f"{PREFIX}{name} is set to {value[:20]!r}: set it to 1 to turn it on, or 0 to turn it off."
    )


_current: Settings | None = None


def current() -> Settings:
    """The settings the entry point put in effect; without one, the environment as it is now."""
    return _current if _current is not None else Settings.from_environment()


@contextmanager
def in_effect(settings: Settings) -> Iterator[Settings]:
    """Make `settings` what `current()` gives, in every thread, until the block ends."""
    global _current
    previous, _current = _current, settings
    try:
        yield settings
    finally:
        _current = previous
