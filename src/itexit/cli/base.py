"""What every command shares: where the vault is, who unlocks it, how results are printed."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itexit.domain.errors import BadInput

if TYPE_CHECKING:
    from itexit.services import prederive
    from itexit.services.gateway import Gateway
    from itexit.services.location import VaultLocation
    from itexit.services.session import UnlockedVault

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2
"""Authentication failures exit 3 through `AuthenticationFailed.exit_code`."""


class Cli:
    """Resolves where the vault is and who unlocks it, from flags, environment and prompts."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._gateway: Gateway | None = None
        self._early: tuple[str, str, prederive.Early] | None = None

    @property
    def location(self) -> VaultLocation:
        from itexit.services.location import VaultLocation

        return VaultLocation.resolve(self.args.vault, self.args.db)

    def gateway(self) -> Gateway:
        if self._gateway is None:
            from itexit.services.gateway import Gateway

            self._gateway = Gateway.open(self.location)
        return self._gateway

    def read_secret_file(self, path: str, what: str) -> str:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise BadInput(f"Cannot read the {what} file {path}: {exc.strerror}.") from None
        value = text.rstrip("\r\n")
        if not value:
            raise BadInput(f"The {what} file {path} is empty.")
        return value

    def passphrase(self, prompt: str = "Passphrase: ") -> str:
        path = self.args.passphrase_file or os.environ.get("ITEXIT_PASSPHRASE_FILE")
        if path:
            return self.read_secret_file(path, "passphrase")
        if not sys.stdin.isatty():
            raise BadInput(
                "No passphrase: run at a terminal, or give --passphrase-file "
                "(or ITEXIT_PASSPHRASE_FILE)."
            )
        return getpass.getpass(prompt)

    def new_passphrase(self, who: str, file_arg: str | None) -> str:
        if file_arg:
            return self.read_secret_file(file_arg, "new passphrase")
        if not sys.stdin.isatty():
            raise BadInput(f"No new passphrase for {who}: give --new-passphrase-file at a script.")
        first = getpass.getpass(f"New passphrase for {who}: ")
        from itexit.services.passphrase import strength

        result = strength(first, (who,))
        print(f"Strength: {result.label}. {result.feedback}", file=sys.stderr)
        if getpass.getpass("Once more: ") != first:
            raise BadInput("The two passphrases differ; nothing was changed.")
        return first

    def _named_user(self) -> str | None:
        """The user named by flag or environment, without asking."""
        name = self.args.user or os.environ.get("ITEXIT_USER")
        return str(name) if name else None

    def user_name(self) -> str:
        name = self._named_user()
        if name:
            return name
        if not sys.stdin.isatty():
            raise BadInput("Who is unlocking? Give --user or ITEXIT_USER.")
        return input("User: ").strip()

    def start_unlock(self) -> None:
        """When a script gives the passphrase in a file, start deriving the key now, before the
        command imports what it needs; `unlock` takes it from there. If anything is amiss
        (no user named, an unreadable file, an OS keyring in use) nothing starts, and `unlock`
        meets the problem as usual."""
        name = self._named_user()
        if self._early is not None or self._prompts_for_passphrase() or not name:
            return
        from itexit.services import prederive

        if prederive.cached_unlock_enabled():
            return
        try:
            passphrase = self.passphrase()
        except BadInput:
            return
        self._early = (name, passphrase, prederive.start(self.location, name, passphrase))

    def unlock(self) -> UnlockedVault:
        from itexit.services import prederive

        name = self.user_name()
        if prederive.cached_unlock_enabled():
            cached = self.gateway().unlock_cached(name)
            if cached is not None:
                return cached
        started, self._early = self._early, None
        if started is not None and started[0] == name:
            _, passphrase, early = started
        else:
            if self._gateway is None and self._prompts_for_passphrase():
                prederive.preload_store()
            passphrase = self.passphrase()
            early = (
                prederive.start(self.location, name, passphrase) if self._gateway is None else None
            )
        return self.gateway().unlock(name, passphrase, early)

    def _prompts_for_passphrase(self) -> bool:
        return not (self.args.passphrase_file or os.environ.get("ITEXIT_PASSPHRASE_FILE"))


def emit(args: argparse.Namespace, rows: Any, render: Callable[[Any], str]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(rows, indent=2, default=str))
    else:
        print(render(rows))


def write_private(path: Path, text: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BadInput(f"{path} already exists; choose a new file name.") from None
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
