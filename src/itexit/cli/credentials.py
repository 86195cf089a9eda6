"""`itexit cred`: the credential inventory, verification and rotation.

Secrets come from a prompt or `--secret-file`, never from the command line (where `ps` and the
shell history would keep them). `show --field` prints a secret only when asked, audited first.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import TYPE_CHECKING, Any

from itexit.cli import cred_edit
from itexit.cli.base import EXIT_FOUND, EXIT_OK, Cli, emit
from itexit.cli.cred_edit import add_private_flags, before_unlock, private_values
from itexit.cli.cred_fields import (
    CATEGORIES,
    add_endpoint_flags,
    endpoint_options,
    from_url,
    row_of,
)
from itexit.domain.credentials import CredentialStatus, Source
from itexit.domain.errors import BadInput
from itexit.domain.rotation import ReconcileFound
from itexit.domain.wording import count
from itexit.vault.memory import held_text, wipe, wipe_text

if TYPE_CHECKING:
    from itexit.domain.credentials import CheckOutcome

SOURCES = [source.value for source in Source]
STATUSES = [status.value for status in CredentialStatus]

STATUS_WORDS = {
    "pending": "rotation_pending",
    "old-refused": "locked_out",
    "none-works": "needs_reconcile",
}
"""The words `cred list --status` takes for the statuses the screens name in words."""


def status_choice(text: str) -> str:
    """A status as typed: a word from the screens (old-refused) or the stored value."""
    word = text.strip().lower().replace(" ", "-")
    value = STATUS_WORDS.get(word, word)
    if value not in [*STATUSES, "due", "retired"]:
        raise argparse.ArgumentTypeError(
            "choose unverified, verified, failed, pending, rotated, old-refused, none-works, "
            "due or retired"
        )
    return value


FIELDS = {
    "password": "password",
    "username": "username",
    "totp": "totp",
    "notes": "notes",
    "recovery-codes": "recovery_codes",
    "pending": "pending",
    "previous": "previous",
}


def _secret(cli: Cli, path: str | None, *, allow_empty: bool, system: str) -> str:
    if path:
        return cli.read_secret_file(path, "secret")
    if not sys.stdin.isatty():
        if allow_empty:
            return ""
        raise BadInput("No secret: give --secret-file FILE at a script.")
    first = getpass.getpass(f"Secret for {system} (empty if unknown): ")
    if first and getpass.getpass("Once more: ") != first:
        raise BadInput("The two entries differ; nothing was saved.")
    return first


def _table(rows: list[dict[str, Any]]) -> str:
    from itexit.domain.credentials import CATEGORY_LABELS, STATUS_LABELS, Category, CredentialStatus

    if not rows:
        return "No credentials."
    lines = [f"{'SYSTEM':34} {'CATEGORY':18} {'STATUS':12} {'DEPARTING':9} ID"]
    changed = [r for r in rows if r.get("changed_outside")]
    for r in rows:
        status = (
            "CHANGED" if r.get("changed_outside") else STATUS_LABELS[CredentialStatus(r["status"])]
        )
        lines.append(
            f"{r['system'][:34]:34} {CATEGORY_LABELS[Category(r['category'])][:18]:18} "
            f"{status:12} {'yes' if r['known_to_departing'] else '':9} {r['id']}"
        )
    for r in changed:
        lines.append(
            f"\nCHANGED: {r['system'][:60]} was changed outside itexit (in the database), so it "
            "is counted as known to the departing person. Put back what itexit sealed with: "
            f"itexit cred put-back {r['id']}"
        )
    return "\n".join(lines)


def cmd_add(cli: Cli) -> int:
    from pydantic import SecretStr

    from itexit.domain.credentials import Category, NewCredential, Source

    args = cli.args
    before_unlock(args)
    options = endpoint_options(args)  # a bad option fails before anyone types a secret
    inferred = from_url(args)
    session = cli.unlock()
    private = private_values(args)
    if inferred.get("username") and "username" not in private:
        private["username"] = inferred["username"]
    secret = _secret(cli, args.secret_file, allow_empty=args.no_secret, system=args.system)
    summary = session.credentials.add(
        NewCredential(
            system=args.system,
            host=args.host or inferred.get("host", ""),
            url=args.url or "",
            port=args.port if args.port is not None else inferred.get("port"),
            category=Category(args.category),
            secret=SecretStr(secret),
            **private,
            known_to_departing=args.known_to_departing,
            sweep_admin=args.sweep_admin,
            source=Source(args.source),
            verifier=args.verifier or inferred.get("verifier", "manual"),
            tls=args.tls or inferred.get("tls", "tls"),
            path=args.path if args.path is not None else inferred.get("path", ""),
            endpoint_options=options,
        )
    )
    emit(args, row_of(summary), lambda r: f"Added {r['system']} ({r['id']}), unverified.")
    return EXIT_OK


def cmd_list(cli: Cli) -> int:
    from itexit.domain.credentials import CredentialStatus

    args = cli.args
    session = cli.unlock()
    if args.status == "retired":
        rows = session.credentials.list(args.search or "", retired=True)
    elif args.status == "due":
        rows = [i.summary for i in session.credentials.campaign().items]
        if args.search:
            from itexit.services.credentials.service import matches

            rows = [r for r in rows if matches(r, args.search)]
    else:
        status = CredentialStatus(args.status) if args.status else None
        rows = session.credentials.list(args.search or "", status)
    emit(args, [row_of(r) for r in rows], _table)
    waiting = session.handovers_waiting()
    if waiting:
        print(
            f"{count(waiting, 'password')} listed on an exit statement "
            f"{'is' if waiting == 1 else 'are'} waiting: add them with `itexit cred receive`.",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_receive(cli: Cli) -> int:
    """Add the passwords HR listed on an exit statement to the credentials, unverified."""
    from itexit.domain.errors import PermissionDenied
    from itexit.domain.roles import Permission

    session = cli.unlock()
    if not session.can(Permission.CRED_WRITE):
        raise PermissionDenied(
            "Only a practice manager or the IT consultant can receive the passwords listed "
            "on an exit statement."
        )
    received = session.receive_handovers()

    def said(result: dict[str, int]) -> str:
        if not result["received"]:
            return "No password listed on an exit statement is waiting."
        return (
            f"{count(received, 'password')} listed on an exit statement "
            f"{'was' if received == 1 else 'were'} added as credentials to check "
            "(itexit cred list --status unverified)."
        )

    emit(cli.args, {"received": received}, said)
    return EXIT_OK


def print_secret(value: str) -> bool:
    """Print a secret and a line end straight to standard output from a buffer wiped after,
    so no copy stays behind in the output stream's buffers: True. Through `print` when
    standard output is not a file (a program capturing it, which may keep `value`): False."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        print(value)
        return False
    sys.stdout.flush()
    line = held_text(value)
    try:
        view = memoryview(line)
        while view:
            view = view[os.write(fd, view) :]
        os.write(fd, b"\n")
    finally:
        wipe(line)
    return True


_SHOW_LABELS = {"locked_out_at": "old refused at", "verifier": "checked"}


def cmd_show(cli: Cli) -> int:
    from itexit.domain.credentials import CATEGORY_LABELS, Category, status_label, verifier_label

    args = cli.args
    session = cli.unlock()
    if args.field:
        value = session.credentials.reveal(args.ref, FIELDS[args.field])
        if args.json:
            emit(args, {"field": args.field, "value": value}, str)  # printed as a copy
            wipe_text(value)
        elif print_secret(value):
            wipe_text(value)
        return EXIT_OK
    detail = session.credentials.detail(args.ref)
    history = session.credentials.history(detail.summary.id)
    data: dict[str, Any] = row_of(detail.summary)
    if detail.sealed:
        data.update(
            url=detail.url,
            username=detail.username,
            owner=detail.owner,
            notes=detail.notes,
            recovery_email=detail.recovery_email,
            recovery_phone=detail.recovery_phone,
            recovery_mfa_device=detail.recovery_mfa_device,
            has_totp=detail.has_totp,
            has_recovery_codes=detail.has_recovery_codes,
            has_pending=detail.has_pending,
            has_previous=detail.has_previous,
            retired_reason=detail.retired_reason,
        )
    data["history"] = [h.model_dump(mode="json") for h in history]

    def render(d: dict[str, Any]) -> str:
        lines = [f"{d['system']}  ({d['id']})"]
        for key in (
            "host",
            "port",
            "url",
            "category",
            "status",
            "username",
            "owner",
            "known_to_departing",
            "rotation_reason",
            "recovery_email",
            "recovery_phone",
            "recovery_mfa_device",
            "verifier",
            "last_verified",
            "rotated_at",
            "locked_out_at",
            "retired_at",
            "retired_reason",
            "notes",
        ):
            if d.get(key) not in (None, "", False):
                value = d[key]
                if key == "status":
                    value = status_label(value)
                elif key == "verifier":
                    value = verifier_label(value)
                elif key == "category":
                    value = CATEGORY_LABELS.get(Category(value), value)
                elif value is True:
                    value = "yes"
                elif key.endswith(("_at", "verified")) and isinstance(value, str):
                    value = value[:16].replace("T", " ")
                lines.append(f"  {_SHOW_LABELS.get(key, key.replace('_', ' '))}: {value}")
        if d["history"]:
            lines.append("  history:")
            for h in d["history"]:
                how = f" — {h['attested_how']}" if h["attested_how"] else ""
                lines.append(
                    f"    {h['at'][:16]} {h['actor']}: {h['kind']} {h['stage']} "
                    f"{h['outcome']} → {status_label(h['status_after'])}{how}"
                )
        return "\n".join(lines)

    emit(args, data, render)
    return EXIT_OK


def _outcome(cli: Cli, result: CheckOutcome) -> int:
    from itexit.domain.credentials import status_label

    data = {
        "id": result.summary.id,
        "system": result.summary.system,
        "stage": result.stage,
        "outcome": result.outcome,
        "ok": result.ok,
        "status": result.summary.status.value,
        "detail": result.detail,
        "guidance": result.guidance,
    }
    emit(
        cli.args,
        data,
        lambda d: (
            f"{d['system']}: {d['outcome']} ({d['detail']}).\n"
            f"{d['guidance']}\nStatus: {status_label(d['status'])}."
        ),
    )
    return EXIT_OK if result.ok else EXIT_FOUND


def cmd_verify(cli: Cli) -> int:
    args = cli.args
    session = cli.unlock()
    result = session.credentials.verify(
        args.ref, old=args.old, attest=args.attest, note=args.note or ""
    )
    return _outcome(cli, result)


def cmd_rotate_start(cli: Cli) -> int:
    from pydantic import SecretStr

    from itexit.domain.credentials import PasswordPolicy

    args = cli.args
    session = cli.unlock()
    members = session.exposures.still_members()
    if members and not args.while_member:
        raise BadInput(
            f"{', '.join(members)} can still unlock itexit and would read the new secret: remove "
            "them first (itexit user remove NAME), or add --while-member to rotate anyway."
        )
    secret = (
        SecretStr(cli.read_secret_file(args.secret_file, "secret")) if args.secret_file else None
    )
    policy = None
    if args.length or args.words or args.no_symbols:
        asked = {
            "length": args.length,
            "passphrase_words": args.words,
            "symbols": False if args.no_symbols else None,
        }
        base = session.credentials.detail(args.ref).policy.model_dump()
        policy = PasswordPolicy.model_validate(
            base | {k: v for k, v in asked.items() if v is not None}
        )
    started = session.credentials.start_rotation(args.ref, secret=secret, policy=policy)
    print(
        f"A new secret for {started.summary.system} is saved as pending "
        f"(strength: {started.strength_label})."
    )
    if started.generated:
        print(f"\n    {started.secret.get_secret_value()}\n")
    print(
        f"Set it on the system now, then run:\n    itexit cred rotate confirm {started.summary.id}"
    )
    return EXIT_OK


def cmd_rotate_confirm(cli: Cli) -> int:
    args = cli.args
    session = cli.unlock()
    return _outcome(
        cli,
        session.credentials.confirm_rotation(args.ref, attest=args.attest, note=args.note or ""),
    )


def cmd_reconcile(cli: Cli) -> int:
    from itexit.domain.credentials import SecretStage

    args = cli.args
    session = cli.unlock()
    works = None if args.works in (None, "none") else SecretStage(args.works)
    if args.works and args.attest is None:
        raise BadInput("--works goes with --attest: say how you found which secret works.")
    return _outcome(
        cli,
        session.credentials.reconcile(
            args.ref, attest=args.attest, works=works, note=args.note or ""
        ),
    )


def cmd_sweep_admin(cli: Cli) -> int:
    args = cli.args
    summary = cli.unlock().credentials.set_sweep_admin(args.ref, not args.off)
    state = "no longer used" if args.off else "is now used"
    print(f"{summary.system} {state} by the sweep as an admin account for {summary.host}.")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this area's subcommands to the parser."""
    creds = sub.add_parser("cred", help="the credential inventory and rotation").add_subparsers(
        dest="cred_command", metavar="ACTION", required=True
    )
    p = creds.add_parser("add", help="add a credential (secret from a prompt or --secret-file)")
    p.add_argument("system")
    p.add_argument("--url")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--category", default="other", choices=CATEGORIES)
    p.add_argument("--known-to-departing", action="store_true")
    p.add_argument("--sweep-admin", action="store_true", help="an admin account the sweep uses")
    p.add_argument("--source", default="handed_over", choices=SOURCES)
    p.add_argument(
        "--verifier",
        help="manual, imap, smtp, ssh, http, postgresql, ldap, mariadb (default: read from a "
        "server --url such as postgresql://host/db?sslmode=disable, else manual)",
    )
    add_endpoint_flags(p, default_tls=None)
    add_private_flags(p)
    p.add_argument("--secret-file", metavar="FILE")
    p.add_argument("--no-secret", action="store_true", help="the secret is not known yet")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_add)

    p = creds.add_parser("list", help="list credentials")
    p.add_argument("--search", metavar="TEXT")
    p.add_argument(
        "--status",
        type=status_choice,
        metavar="STATUS",
        help="unverified, verified, failed, pending, rotated, old-refused, none-works; 'due' "
        "for the rotation campaign in order, or 'retired'",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = creds.add_parser(
        "receive", help="add the passwords listed on an exit statement, to be checked"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_receive)

    p = creds.add_parser("show", help="show a credential; a secret only with --field (audited)")
    p.add_argument("ref", metavar="ID|SYSTEM")
    p.add_argument("--field", choices=list(FIELDS))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = creds.add_parser("verify", help="check the current secret (--old: the previous fails)")
    p.add_argument("ref", metavar="ID")
    p.add_argument("--old", action="store_true")
    p.add_argument("--attest", metavar="HOW", help="a person checked it by hand: say how")
    p.add_argument("--note")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_verify)

    rotate_parser = creds.add_parser("rotate", help="rotate a secret (or --all-due --auto)")
    rotate = rotate_parser.add_subparsers(dest="rotate_command", metavar="STEP")
    p = rotate.add_parser("start", help="generate a new secret and save it as pending")
    p.add_argument("ref", metavar="ID")
    p.add_argument("--secret-file", metavar="FILE", help="use this secret instead of generating")
    p.add_argument("--length", type=int)
    p.add_argument("--words", type=int, help="a passphrase of this many words")
    p.add_argument("--no-symbols", action="store_true")
    p.add_argument(
        "--while-member",
        action="store_true",
        help="rotate even though a departing person can still unlock itexit and read it",
    )
    p.set_defaults(func=cmd_rotate_start)
    p = rotate.add_parser("confirm", help="verify the pending secret and make it current")
    p.add_argument("ref", metavar="ID")
    p.add_argument("--attest", metavar="HOW", help="a person checked it by hand: say how")
    p.add_argument("--note")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_rotate_confirm)

    from itexit.cli.changing import register_cred

    register_cred(creds, rotate_parser, rotate)

    # `reconcile` is the command's former name, still accepted but no longer listed.
    for name in ("find-working", "reconcile"):
        if name == "find-working":
            p = creds.add_parser(
                name, help="try the new, current and previous secrets; keep the one that works"
            )
        else:
            p = creds.add_parser(name)
        p.add_argument("ref", metavar="ID")
        p.add_argument("--attest", metavar="HOW", help="a person tried them by hand: say how")
        p.add_argument("--works", choices=[found.value for found in ReconcileFound])
        p.add_argument("--note")
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=cmd_reconcile)

    p = creds.add_parser("sweep-admin", help="let the sweep use this admin account on its host")
    p.add_argument("ref", metavar="ID")
    p.add_argument("--off", action="store_true", help="stop the sweep using it")
    p.set_defaults(func=cmd_sweep_admin)

    cred_edit.register(creds)
