"""Private fields from a prompt, a file or standard input, never from the command line.

A value typed on the command line stays in the shell's history and is visible to everyone on
the machine through `ps` while the command runs. So, as with passphrases, a private field
(`--username`, `--notes`, a recovery e-mail…) is given one of three ways:

    --username            ask at the terminal
    --username -          read it from standard input (one field at a time)
    --username-file FILE  read it from a file (an empty file clears the field on `edit`)

Anything else after `--username` is refused before the vault is opened.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from dataclasses import dataclass

from itexit.domain.errors import BadInput
from itexit.io.command_line import secret_file_text

ASK = "\0ask"
"""What argparse stores for a flag given without a value: ask at the terminal."""
STDIN = "-"


@dataclass(frozen=True)
class PrivateField:
    """One private field of a command: its flag, what it is called, and how long it may be."""

    flag: str
    """The flag without dashes, e.g. "recovery-email"."""
    what: str
    """What a person calls it, e.g. "recovery e-mail"."""
    multiline: bool = False
    limit: int = 500

    @property
    def dest(self) -> str:
        return self.flag.replace("-", "_")


def add_private(parser: argparse.ArgumentParser, field: PrivateField) -> None:
    """`--FLAG` (ask), `--FLAG -` (standard input) and `--FLAG-file FILE`."""
    parser.add_argument(
        f"--{field.flag}",
        nargs="?",
        const=ASK,
        metavar="-",
        help=f"the {field.what}: alone to be asked, '-' to read standard input",
    )
    parser.add_argument(
        f"--{field.flag}-file",
        metavar="FILE",
        dest=f"{field.dest}_file",
        help=f"read the {field.what} from FILE",
    )


def refuse_on_command_line(args: argparse.Namespace, fields: tuple[PrivateField, ...]) -> None:
    """Refuse a private value typed on the command line, before anything is opened or asked."""
    stdin_users = []
    for field in fields:
        value = getattr(args, field.dest, None)
        from_file = getattr(args, f"{field.dest}_file", None)
        if value is not None and from_file is not None:
            raise BadInput(f"Give the {field.what} once: --{field.flag} or --{field.flag}-file.")
        if value not in (None, ASK, STDIN):
            raise BadInput(
                f"The {field.what} is private and is not taken from the command line (the shell "
                f"history and ps would keep it): give --{field.flag} alone to be asked, "
                f"--{field.flag} - to read standard input, or --{field.flag}-file FILE."
            )
        if value == STDIN:
            stdin_users.append(field.flag)
    if len(stdin_users) > 1:
        raise BadInput(
            "Only one field can be read from standard input; give the others with "
            + ", ".join(f"--{flag}-file" for flag in stdin_users[1:])
            + "."
        )


def read_private(args: argparse.Namespace, field: PrivateField) -> str | None:
    """The field's value as given (prompt, standard input or file), or None when not given."""
    value = getattr(args, field.dest, None)
    path = getattr(args, f"{field.dest}_file", None)
    if path is not None:
        try:
            text = secret_file_text(path)
        except OSError as exc:
            raise BadInput(f"Cannot read the {field.what} file {path}: {exc.strerror}.") from None
        except UnicodeDecodeError:
            raise BadInput(f"The {field.what} file {path} is not UTF-8 text.") from None
    elif value == STDIN:
        try:
            text = sys.stdin.read().rstrip("\r\n")
        except UnicodeDecodeError:
            raise BadInput(f"The {field.what} on standard input is not UTF-8 text.") from None
    elif value == ASK:
        if not sys.stdin.isatty():
            raise BadInput(
                f"No terminal to ask for the {field.what} at: give --{field.flag} - "
                f"or --{field.flag}-file FILE."
            )
        print(f"{field.what.capitalize()}: ", end="", file=sys.stderr, flush=True)
        text = sys.stdin.readline().rstrip("\r\n")
    else:
        return None
    return clean(text, field)


def clean(text: str, field: PrivateField) -> str:
    """Line ends made plain; control characters (which move text around on screen) refused."""
    text = text.replace("\r\n", "\n")
    if not field.multiline:
        text = text.strip()
        if "\n" in text:
            raise BadInput(f"The {field.what} must be one line; the text given has several.")
    allowed = "\n\t" if field.multiline else ""
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in text):
        raise BadInput(
            f"The {field.what} cannot hold control characters (such as Esc or NUL): "
            "give plain text."
        )
    if len(text) > field.limit:
        raise BadInput(f"The {field.what} can hold at most {field.limit:,} characters.")
    return text
