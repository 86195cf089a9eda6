"""`itexit cred edit | retire | delete`, and the private fields `cred add` shares with edit.

Username, notes, the account's owner and the departing person's recovery channels are sealed
in the credential's document; they are read from a prompt, a file or standard input
(`cli/private.py`), never from the command line.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from itexit.cli.base import EXIT_OK, Cli, emit
from itexit.cli.cred_fields import (
    CATEGORIES,
    add_endpoint_flags,
    endpoint_options,
    from_url,
    row_of,
)
from itexit.cli.private import PrivateField, add_private, read_private, refuse_on_command_line
from itexit.domain.errors import BadInput, PermissionDenied

if TYPE_CHECKING:
    from itexit.domain.credentials import CredentialDetail, PasswordPolicy

PRIVATE = (
    PrivateField("username", "username"),
    PrivateField("notes", "notes", multiline=True, limit=20_000),
    PrivateField("owner", "account owner"),
    PrivateField("recovery-email", "recovery e-mail"),
    PrivateField("recovery-phone", "recovery phone"),
    PrivateField("mfa-device", "MFA device"),
)
"""Every private field, in the order they are asked for."""

_FIELD_NAMES = {
    "recovery_email": "recovery_email",
    "recovery_phone": "recovery_phone",
    "mfa_device": "recovery_mfa_device",
}

CLEARABLE = ["username", "notes", "owner", "recovery-email", "recovery-phone", "mfa-device"]
CLEARABLE += ["url", "path", "ca-file", "host-key"]


def add_private_flags(parser: argparse.ArgumentParser) -> None:
    for field in PRIVATE:
        add_private(parser, field)


def check_url(url: str | None) -> None:
    """A web address may not carry a password (it would be stored as the address, not sealed
    as the secret); the secret goes in --secret-file."""
    if url and urlsplit(url if "://" in url else f"//{url}").password:
        raise BadInput("The address holds a password: leave it out and give --secret-file.")


def private_values(args: argparse.Namespace) -> dict[str, str]:
    """The private fields given, by their name in the credential's document, read and checked."""
    from itexit.domain.credentials import clean_recovery_phone
    from itexit.domain.models import clean_email

    values: dict[str, str] = {}
    for field in PRIVATE:
        value = read_private(args, field)
        if value is None:
            continue
        try:
            if field.flag == "recovery-email":
                value = clean_email(value)
            elif field.flag == "recovery-phone":
                value = clean_recovery_phone(value)
        except ValueError as exc:
            raise BadInput(f"The recovery contact: {exc}") from None
        values[_FIELD_NAMES.get(field.dest, field.dest)] = value
    return values


def before_unlock(args: argparse.Namespace) -> None:
    """What can be refused before the passphrase is asked for."""
    refuse_on_command_line(args, PRIVATE)
    check_url(getattr(args, "url", None))


# --- edit -------------------------------------------------------------------------------------


def _policy(args: argparse.Namespace, current: PasswordPolicy) -> PasswordPolicy | None:
    from pydantic import ValidationError

    from itexit.domain.credentials import PasswordPolicy

    asked: dict[str, Any] = {
        "length": args.length,
        "passphrase_words": args.words,
        "separator": args.separator,
        "lowercase": args.lowercase,
        "uppercase": args.uppercase,
        "digits": args.digits,
        "symbols": args.symbols,
        "exclude_ambiguous": args.exclude_ambiguous,
    }
    given = {k: v for k, v in asked.items() if v is not None}
    if not given:
        return None
    try:
        return PasswordPolicy.model_validate(current.model_dump() | given)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = str(problem["loc"][0]).replace("passphrase_words", "words").replace("_", "-")
        raise BadInput(f"--{where}: {problem['msg']}.") from None


def _options(args: argparse.Namespace, detail: CredentialDetail) -> dict[str, str] | None:
    cleared = set(args.clear or [])
    if not (args.ca_file or args.host_key or {"ca-file", "host-key"} & cleared):
        return None
    options = dict(detail.endpoint_options)
    for flag in ("ca-file", "host-key"):
        if flag in cleared:
            options.pop(flag.replace("-", "_"), None)
    return options | endpoint_options(args)


def cmd_edit(cli: Cli) -> int:
    from pydantic import SecretStr, ValidationError

    from itexit.domain.credentials import Category, CredentialEdit

    args = cli.args
    before_unlock(args)
    from_url(args)  # an address that cannot be read is refused before the passphrase
    cleared = set(args.clear or [])
    session = cli.unlock()
    detail = session.credentials.detail(args.ref)
    if not detail.sealed:
        raise PermissionDenied(
            "Your role cannot read this credential's sealed fields, so it cannot edit it."
        )
    fields: dict[str, Any] = {
        name: "" for name in ("username", "notes", "owner", "url", "path") if name in cleared
    }
    for flag, name in (("recovery-email", "recovery_email"), ("recovery-phone", "recovery_phone")):
        if flag in cleared:
            fields[name] = ""
    if "mfa-device" in cleared:
        fields["recovery_mfa_device"] = ""
    fields |= private_values(args)
    for name in ("system", "url", "host", "port", "verifier", "tls", "path"):
        if getattr(args, name) is not None:
            fields[name] = getattr(args, name)
    for name, value in from_url(args).items():  # a server address: its check settings
        fields.setdefault(name, value)
    if args.url is not None and args.host is None:
        fields.setdefault("host", "")  # the host shown in lists follows the new address
    if args.category is not None:
        fields["category"] = Category(args.category)
    if args.known_to_departing is not None:
        fields["known_to_departing"] = args.known_to_departing
    options = _options(args, detail)
    if options is not None:
        fields["endpoint_options"] = options
    policy = _policy(args, detail.policy)
    if policy is not None:
        fields["policy"] = policy
    if args.secret_file:
        fields["secret"] = SecretStr(cli.read_secret_file(args.secret_file, "secret"))
    if not fields:
        raise BadInput("Nothing to change: give the fields to edit (see itexit cred edit --help).")
    try:
        edit = CredentialEdit(**fields)
    except ValidationError as exc:
        raise BadInput(f"{exc.errors()[0]['msg']}.") from None
    expected = args.expect_version if args.expect_version is not None else detail.summary.version
    summary = session.credentials.update(detail.summary.id, edit, expected)
    changed = ", ".join(name.replace("_", " ") for name in fields)
    emit(args, row_of(summary), lambda r: f"Saved {r['system']} ({r['id']}): {changed}.")
    return EXIT_OK


# --- retire and delete ------------------------------------------------------------------------


def cmd_retire(cli: Cli) -> int:
    args = cli.args
    session = cli.unlock()
    summary = session.credentials.retire(args.ref, args.reason, args.expect_version)
    emit(
        args,
        row_of(summary),
        lambda r: (
            f"Retired {r['system']} ({r['id']}): it leaves the active list; its history stays "
            "(itexit cred list --status retired)."
        ),
    )
    return EXIT_OK


def cmd_delete(cli: Cli) -> int:
    args = cli.args
    if not args.yes:
        raise BadInput("Deleting cannot be undone: add --yes to confirm (or retire it instead).")
    session = cli.unlock()
    system = session.credentials.delete(args.ref, args.expect_version)
    print(f"Deleted {system}; the audit log keeps a record that it existed.")
    return EXIT_OK


def cmd_put_back(cli: Cli) -> int:
    args = cli.args
    session = cli.unlock()
    summary, changed = session.credentials.put_back(args.ref)
    found = ", ".join(name.replace("_", " ") for name in changed) or "its tag only"
    emit(
        args,
        {**row_of(summary), "changed": changed},
        lambda r: (
            f"Put back {r['system']} ({r['id']}) as itexit sealed it (changed outside itexit: "
            f"{found}). It is now due for rotation: the departing person may have known it "
            f"(itexit cred rotate start {r['id']})."
        ),
    )
    return EXIT_OK


def register(creds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`cred edit`, `cred retire`, `cred delete` and `cred put-back`."""
    p = creds.add_parser("edit", help="change a credential (fields not given stay as they are)")
    p.add_argument("ref", metavar="ID|SYSTEM")
    p.add_argument("--system", metavar="NAME", help="rename it")
    p.add_argument("--url")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--category", choices=CATEGORIES)
    p.add_argument("--known-to-departing", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--verifier", help="manual, imap, smtp, ssh, http, postgresql, ldap")
    add_endpoint_flags(p, default_tls=None)
    add_private_flags(p)
    p.add_argument(
        "--clear", action="append", choices=CLEARABLE, metavar="FIELD", help="empty a field"
    )
    p.add_argument("--secret-file", metavar="FILE", help="correct the current secret")
    policy = p.add_argument_group("password policy (for the next rotation)")
    policy.add_argument("--length", type=int)
    policy.add_argument("--words", type=int, help="a passphrase of this many words (0: none)")
    policy.add_argument("--separator", help="between the words of a passphrase")
    for flag in ("lowercase", "uppercase", "digits", "symbols", "exclude-ambiguous"):
        policy.add_argument(f"--{flag}", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--expect-version", type=int, help="refuse if it changed since this version")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_edit)

    p = creds.add_parser("retire", help="take a credential off the active list (its history stays)")
    p.add_argument("ref", metavar="ID|SYSTEM")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why, e.g. switched off")
    p.add_argument("--expect-version", type=int, help="refuse if it changed since this version")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_retire)

    p = creds.add_parser("delete", help="remove a credential added by mistake (never checked)")
    p.add_argument("ref", metavar="ID|SYSTEM")
    p.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    p.add_argument("--expect-version", type=int, help="refuse if it changed since this version")
    p.set_defaults(func=cmd_delete)

    p = creds.add_parser(
        "put-back",
        help="put back what itexit sealed for a credential changed outside itexit (then rotate it)",
    )
    p.add_argument("ref", metavar="ID|SYSTEM")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_put_back)
