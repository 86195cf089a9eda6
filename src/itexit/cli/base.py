"""What every command shares: where the vault is, who unlocks it, how results are printed."""

from __future__ import annotations

import argparse
import gc
import getpass
import importlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from itexit.cli.private import PrivateField, add_private, read_private, refuse_on_command_line
from itexit.domain.errors import BadInput, ItexitError
from itexit.domain.text import for_terminal
from itexit.io.command_line import secret_file_buffer, secret_file_text
from itexit.settings import Settings
from itexit.settings import current as current_settings

if TYPE_CHECKING:
    from itexit.services.gateway import Gateway
    from itexit.services.location import VaultLocation
    from itexit.services.session import UnlockedVault

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2
"""Authentication failures exit 3 through `AuthenticationFailed.exit_code`."""
EXIT_OUTPUT_LOST = 74
"""The command ran but its output could not be written (sysexits' EX_IOERR)."""


class OutputLost(ItexitError):
    """What the command printed could not be written: a full disk or a broken device (exit 74),
    or a reader that stopped reading, as `| head` does (exit 1, and nothing to say)."""

    def __init__(self, error: OSError) -> None:
        self.quiet = isinstance(error, BrokenPipeError)
        self.exit_code = 1 if self.quiet else EXIT_OUTPUT_LOST
        super().__init__(f"The output could not be written ({error.strerror}).")


class _GuardedOutput:
    """Standard output whose write failures are `OutputLost`, told apart from the vault's own,
    and through which no control sequence reaches the terminal (`domain.text.for_terminal`)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(for_terminal(text))
        except OSError as exc:
            raise OutputLost(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise OutputLost(exc) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _SafeErrors:
    """Standard error through which no control sequence reaches the terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(for_terminal(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def guarded_output() -> Iterator[None]:
    real, real_errors = sys.stdout, sys.stderr
    sys.stdout = cast(TextIO, _GuardedOutput(real))
    sys.stderr = cast(TextIO, _SafeErrors(real_errors))
    try:
        yield
    finally:
        sys.stdout, sys.stderr = real, real_errors


def report_lost(lost: OutputLost) -> int:
    """Say why the output was lost (unless the reader just left) and give the exit code."""
    discard_output()
    if not lost.quiet:
        print(f"itexit: {lost}", file=sys.stderr)
    return lost.exit_code


def discard_output() -> None:
    """Point standard output at the null device, so what is still buffered goes nowhere
    instead of failing again when the process ends."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):  # no file descriptor behind it (a test's capture)
        pass


class Cli:
    """Resolves where the vault is and who unlocks it, from flags, environment and prompts."""

    def __init__(self, args: argparse.Namespace, settings: Settings | None = None) -> None:
        self.args = args
        self.settings = settings if settings is not None else current_settings()
        self._gateway: Gateway | None = None

    @property
    def location(self) -> VaultLocation:
        from itexit.services.location import VaultLocation

        if self.args.db and _has_password(self.args.db):
            raise BadInput(
                "A password in --db would show in the process list; put the URL in ITEXIT_DB "
                "instead, or the password in a .pgpass file (PGPASSFILE)."
            )
        return VaultLocation.resolve(self.args.vault, self.args.db)

    def gateway(self) -> Gateway:
        if self._gateway is None:
            from itexit.services.gateway import Gateway

            self._gateway = Gateway.open(self.location)
            resume_collector()
        return self._gateway

    def read_secret_file(self, path: str, what: str) -> str:
        try:
            value = secret_file_text(path)
            mode = os.stat(path).st_mode
        except OSError as exc:
            raise BadInput(f"Cannot read the {what} file {path}: {exc.strerror}.") from None
        _warn_if_shared(mode, path, what)
        if not value:
            raise BadInput(f"The {what} file {path} is empty.")
        return value

    def passphrase_buffer(self) -> bytearray:
        """The passphrase that unlocks, as UTF-8 in a buffer the caller wipes (`unlock` does).
        A typed one passes through a `str` that is overwritten once copied."""
        from itexit.vault.memory import held_text, wipe, wipe_text

        path = self.args.passphrase_file or self.settings.passphrase_file
        if not path:
            typed = self.passphrase()
            buffer = held_text(typed)
            wipe_text(typed)
            return buffer
        try:
            value = secret_file_buffer(path)
            mode = os.stat(path).st_mode
        except OSError as exc:
            raise BadInput(f"Cannot read the passphrase file {path}: {exc.strerror}.") from None
        _warn_if_shared(mode, path, "passphrase")
        try:
            wipe_text(value.decode("utf-8"))  # only to check it is text
        except UnicodeDecodeError:
            wipe(value)
            raise BadInput(
                f"The passphrase file {path} is not UTF-8 text: save it as UTF-8."
            ) from None
        if not value:
            raise BadInput(f"The passphrase file {path} is empty.")
        return value

    def passphrase(self, prompt: str = "Passphrase: ") -> str:
        path = self.args.passphrase_file or self.settings.passphrase_file
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
        name = self.args.user or self.settings.user
        return str(name) if name else None

    def user_name(self) -> str:
        name = self._named_user()
        if name:
            return name
        if not sys.stdin.isatty():
            raise BadInput("Who is unlocking? Give --user or ITEXIT_USER.")
        return input("User: ").strip()

    def unlock(self) -> UnlockedVault:
        name = self.user_name()
        if self.settings.keyring:
            cached = self.gateway().unlock_cached(name)
            if cached is not None:
                return cached
        if self._gateway is None and self._prompts_for_passphrase():
            _preload_store()
        passphrase = self.passphrase_buffer()
        from itexit.services.roster import RosterUnsigned
        from itexit.vault.memory import wipe

        try:
            return self.gateway().unlock(name, passphrase)
        except RosterUnsigned as unsigned:
            if not unsigned.can_sign or not sys.stdin.isatty():
                raise  # its sentence tells the manager to run `itexit upgrade`
            self.confirm_roster()
            return self.gateway().upgrade(name, passphrase)
        finally:
            wipe(passphrase)

    def confirm_roster(self, assume_yes: bool = False) -> None:
        """Show what signing an older vault's member list vouches for, and ask to go on."""
        gateway = self.gateway()
        print(
            "This vault's member list has never been signed. Signing it once makes itexit "
            "refuse any later change to who may unlock that a manager did not sign.\n"
            "Check that these are exactly the people, roles and keys you expect:",
            file=sys.stderr,
        )
        print("\n".join(gateway.upgrade_preview()), file=sys.stderr)
        print(
            "A file vault is backed up first; back up a shared (PostgreSQL) vault yourself "
            "(pg_dump) before you go on.",
            file=sys.stderr,
        )
        if assume_yes:
            return
        if not sys.stdin.isatty():
            raise BadInput(
                "Run `itexit upgrade` at a terminal to check the list and sign it, or add --yes "
                "once you have checked it."
            )
        if input("Sign this member list as it is? [y/N] ").strip().lower() not in ("y", "yes"):
            raise BadInput("Nothing was signed; the vault stays locked until a manager signs it.")

    def _prompts_for_passphrase(self) -> bool:
        return not (self.args.passphrase_file or self.settings.passphrase_file)


def _preload_store() -> None:
    """Import the store and the services in a thread, while a person types a passphrase."""
    threading.Thread(
        target=importlib.import_module,
        args=("itexit.services.gateway",),
        name="itexit-preload",
        daemon=True,
    ).start()


def _warn_if_shared(mode: int, path: str, what: str) -> None:
    if mode & 0o077:
        print(
            f"Warning: other people on this computer can read the {what} file {path}; "
            f"make it yours alone with: chmod 600 {path}",
            file=sys.stderr,
        )


def private_option(
    parser: argparse.ArgumentParser,
    flag: str,
    what: str,
    default: str | None = None,
    *,
    multiline: bool = False,
) -> None:
    """A private field of a command (`cli.private`: asked, standard input or a file, never the
    command line) that `read_private_options` reads into `args` before the command runs, so
    the command reads `args.<field>` as before; `default` when it is not given."""
    field = PrivateField(flag.lstrip("-"), what, multiline=multiline, limit=20_000)
    add_private(parser, field)
    private = tuple(parser.get_default("private_options") or ())
    parser.set_defaults(private_options=(*private, (field, default)))


def read_private_options(args: argparse.Namespace) -> None:
    """Refuse a private field typed on the command line; read the others where they were given."""
    options = getattr(args, "private_options", ())
    if not options:
        return
    refuse_on_command_line(args, tuple(field for field, _ in options))
    for field, default in options:
        value = read_private(args, field)
        setattr(args, field.dest, default if value is None else value)


def _has_password(url: str) -> bool:
    """Whether a database URL carries a password (`scheme://user:password@host/...`)."""
    credentials, at, _ = url.split("//", 1)[-1].rpartition("@")
    return bool(at) and ":" in credentials


_collector_paused = False


def pause_collector() -> None:
    """Load the command's modules without the cycle collector.

    Importing the store and the models creates some 100,000 objects that live until the
    process ends; the collector would walk them again and again while they load, on the path
    of every command that unlocks the vault (docs/architecture.md, "Speed work kept, with its
    figure"; `bench/tricks.py`). `resume_collector` sets them aside for good and collects as
    usual from then on: once the vault is open, before any command does its work.
    """
    global _collector_paused
    if gc.isenabled():
        gc.disable()
        _collector_paused = True


def resume_collector() -> None:
    global _collector_paused
    if _collector_paused:
        _collector_paused = False
        gc.freeze()
        gc.enable()


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
