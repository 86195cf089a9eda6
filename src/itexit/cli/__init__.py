"""`itexit`: open the app, or run one use case for scripts and cron (same services as the app)."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, NoReturn

from itexit.cli.base import (
    EXIT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    Cli,
    OutputLost,
    emit,
    guarded_output,
    pause_collector,
    read_private_options,
    report_lost,
    resume_collector,
    write_private,
)
from itexit.domain.errors import BadInput, CheckFailed, ItexitError
from itexit.domain.roles import Role, role_name, role_noun
from itexit.domain.text import for_terminal, plain_reason, without_errno
from itexit.domain.wording import count
from itexit.io.command_line import global_options, only_global_options
from itexit.settings import Settings, in_effect

if TYPE_CHECKING:
    from itexit.domain.models import AuditVerdict

# --- commands ---------------------------------------------------------------------------------


def cmd_open(cli: Cli) -> int:
    from itexit.app import run_app

    return run_app(cli.location, user=cli.args.user or cli.settings.user)


def cmd_init(cli: Cli) -> int:
    args = cli.args
    gw = cli.gateway()
    if gw.exists():
        raise BadInput(f"A vault already exists at {gw.location.describe()}.")
    user = args.user or cli.settings.user
    if not user:
        raise BadInput("Name the first manager with --user NAME (or ITEXIT_USER).")
    passphrase = (
        cli.new_passphrase(user, None)
        if not (args.passphrase_file or cli.settings.passphrase_file)
        else cli.passphrase()
    )
    result = gw.create(args.practice, user, passphrase)
    from itexit.io.recovery_kit import kit_document

    kit_text = kit_document(args.practice, result.session.identity.vault_id, result.recovery_kit)
    if args.recovery_kit:
        write_private(Path(args.recovery_kit), kit_text)
        print(
            f"Recovery kit written to {args.recovery_kit}: print it, lock it away, delete the file."
        )
    else:
        print(kit_text)
    print(
        f"Vault created at {gw.location.describe()} for {args.practice}; "
        f"{user} is its first manager (unlock takes {result.kdf_seconds:.2f} s here)."
    )
    result.session.lock()
    return EXIT_OK


def cmd_demo(cli: Cli) -> int:
    from itexit.services.demo import build_demo

    result = build_demo(cli.gateway(), force=cli.args.force)
    print(f"The demo practice '{result.practice_name}' is ready at {result.location}.")
    print("Sign in as any of these people (all fictional):\n")
    width = max(len(u.name) for u in result.users)
    for user in result.users:
        print(
            f"  {user.name:<{width}}  {role_name(user.role):<16}  "
            f"{user.passphrase:<26}  {user.description}"
        )
    print("\nOpen it with: itexit")
    return EXIT_OK


def cmd_user_list(cli: Cli) -> int:
    session = cli.unlock()
    users = session.list_users()
    coverage = session.coverage()
    rows = [u.model_dump(mode="json", exclude={"id", "version"}) for u in users]
    emit(
        cli.args,
        rows,
        lambda rs: "\n".join(
            f"{r['name']:<16} {role_name(r['role']):<16} {r['status']:<8} "
            f"added {r['created_at'][:10]}"
            + (f"  {r['full_name']}" if r["full_name"] else "")
            + (f" <{r['email']}>" if r["email"] else "")
            for r in rs
        ),
    )
    if coverage.warning and not cli.args.json:
        print(f"Warning: {coverage.warning}", file=sys.stderr)
    return EXIT_OK


def cmd_user_add(cli: Cli) -> int:
    from itexit.domain.models import clean_email, clean_full_name

    args = cli.args
    try:  # a bad address fails before any prompt
        clean_full_name(args.full_name or "")
        clean_email(args.email or "")
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    session = cli.unlock()
    passphrase = cli.new_passphrase(args.name, args.new_passphrase_file)
    user = session.add_user(
        args.name, Role(args.role), passphrase, args.full_name or "", args.email or ""
    )
    print(f"Added {user.name} as {role_noun(user.role)}.")
    return EXIT_OK


def cmd_user_edit(cli: Cli) -> int:
    args = cli.args
    if args.full_name is None and args.email is None:
        raise BadInput("Say what to change: --full-name NAME and/or --email ADDRESS.")
    user = cli.unlock().edit_user(args.name, full_name=args.full_name, email=args.email)
    who = user.full_name or "no full name"
    print(f"{user.name}: {who}, {user.email or 'no e-mail address'}.")
    return EXIT_OK


def cmd_user_remove(cli: Cli) -> int:
    session = cli.unlock()
    report = session.remove_user(cli.args.name)
    print(
        f"Removed {report.removed}. The vault's keys were changed: "
        f"{count(report.records_reencrypted, 'record was', 'records were')} locked again with "
        "the new keys."
    )
    print(
        "Backups made before now still open with their old passphrase: rotate what they could see."
    )
    if report.rotation_due:
        due = count(len(report.rotation_due), "credential is", "credentials are")
        print(f"{due} now due for rotation:")
        for system in report.rotation_due:
            print(f"  - {system}")
    if report.cleanup_problem:
        print(f"itexit: {report.cleanup_problem}", file=sys.stderr)
        return EXIT_FOUND
    return EXIT_OK


def cmd_user_passwd(cli: Cli) -> int:
    name = cli.args.name
    if cli.args.recovery_kit_file:
        kit = cli.read_secret_file(cli.args.recovery_kit_file, "recovery kit")
        new = cli.new_passphrase(name, cli.args.new_passphrase_file)
        cli.gateway().recover(kit, name, new).lock()
        print(f"{name} has a new passphrase, set with the recovery kit.")
        return EXIT_OK
    session = cli.unlock()
    new = cli.new_passphrase(name, cli.args.new_passphrase_file)
    session.change_passphrase(name, new)
    print(f"{name} has a new passphrase.")
    return EXIT_OK


def cmd_upgrade(cli: Cli) -> int:
    """Sign the member list of a vault made before it was signed (once, by a manager)."""
    cli.confirm_roster(assume_yes=cli.args.yes)
    name = cli.user_name()
    cli.gateway().upgrade(name, cli.passphrase()).lock()
    print(
        f"The member list is signed by {name}: from now on itexit refuses any change to who may "
        "unlock that a manager did not sign."
    )
    return EXIT_OK


def cmd_audit_verify(cli: Cli) -> int:
    checkpoint = (
        cli.read_secret_file(cli.args.checkpoint, "checkpoint") if cli.args.checkpoint else None
    )
    verdict = cli.gateway().verify_audit(checkpoint)
    if cli.args.json:
        print(verdict.model_dump_json(indent=2))
    if not verdict.ok:
        raise CheckFailed(
            f"The audit log is broken at entry {verdict.first_bad_seq}: {verdict.reason}."
        )
    if not cli.args.json:
        print(audit_verdict_text(verdict))
    return EXIT_OK


def audit_verdict_text(verdict: AuditVerdict) -> str:
    """What `audit verify` found, saying plainly what it was compared with."""
    lines = []
    if verdict.anchor:
        against = {"witness": "this workstation's record", "checkpoint": "the checkpoint"}
        lines.append(
            f"The audit log is intact: {count(verdict.rows, 'entry')}, head "
            f"{verdict.head_hash[:16]}, matching {against[verdict.anchor]}; every entry is "
            "signed by someone whose role allowed it."
        )
    else:
        lines.append(
            f"The audit log holds together ({count(verdict.rows, 'entry')}, head "
            f"{verdict.head_hash[:16]}), but this workstation had no record of this vault and "
            "no checkpoint was given, so an older or rewritten copy could not be told apart. "
            "It now remembers this head; to check against paper, run "
            "`itexit audit verify --checkpoint FILE`."
        )
    if verdict.legacy_rows:
        lines.append(
            f"{count(verdict.legacy_rows, 'entry')} from before the member list was signed "
            "were checked against the keys the log itself introduced."
        )
    if verdict.unsigned_rows:
        lines.append(
            f"{count(verdict.unsigned_rows, 'failed unlock')} named nobody: who tried is not known."
        )
    return "\n".join(lines)


def cmd_audit_checkpoint(cli: Cli) -> int:
    from itexit.services.session import checkpoint_text

    print(checkpoint_text(cli.unlock().checkpoint()))
    return EXIT_OK


# --- parser -----------------------------------------------------------------------------------


def build_parser(command: str | None = None, areas: bool = True) -> argparse.ArgumentParser:
    """The whole parser, or (given the command typed) the core and that command's area only;
    the core alone without `areas` (the line opens the app)."""
    parser = argparse.ArgumentParser(
        prog="itexit",
        description="Let go of a practice's IT person or vendor without losing a system.",
    )
    parser.add_argument("--vault", metavar="PATH", help="SQLite vault file (or ITEXIT_VAULT)")
    parser.add_argument(
        "--db", metavar="URL", help="database URL for a shared vault (or ITEXIT_DB)"
    )
    parser.add_argument("--user", metavar="NAME", help="who unlocks (or ITEXIT_USER)")
    parser.add_argument(
        "--passphrase-file", metavar="FILE", help="read the passphrase from FILE (for scripts)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", help="create a vault and its recovery kit")
    p.add_argument("--practice", required=True, metavar="NAME")
    p.add_argument("--recovery-kit", metavar="FILE", help="write the recovery kit to FILE (0600)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="build the demo practice and print its users")
    p.add_argument("--force", action="store_true", help="replace an existing vault")
    p.set_defaults(func=cmd_demo)

    users = sub.add_parser("user", help="people who can unlock the vault").add_subparsers(
        dest="user_command", metavar="ACTION", required=True
    )
    p = users.add_parser("list", help="list users")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_user_list)
    p = users.add_parser("add", help="add a user")
    p.add_argument("name")
    p.add_argument(
        "--role",
        required=True,
        type=lambda text: "viewer" if text.strip().lower() == "auditor" else text.strip().lower(),
        choices=[role.value for role in Role],
        metavar="ROLE",
        help="manager, consultant, hr or auditor (read-only)",
    )
    p.add_argument("--full-name", metavar="NAME", help='e.g. "Sam Okafor"')
    p.add_argument("--email", metavar="ADDRESS")
    p.add_argument("--new-passphrase-file", metavar="FILE")
    p.set_defaults(func=cmd_user_add)
    p = users.add_parser("edit", help="change a person's full name or e-mail address")
    p.add_argument("name")
    p.add_argument("--full-name", metavar="NAME")
    p.add_argument("--email", metavar="ADDRESS", help='"" to clear it')
    p.set_defaults(func=cmd_user_edit)
    p = users.add_parser("remove", help="remove a user and re-key the vault")
    p.add_argument("name")
    p.set_defaults(func=cmd_user_remove)
    p = users.add_parser("passwd", help="change a passphrase (or reset one with the recovery kit)")
    p.add_argument("name")
    p.add_argument("--new-passphrase-file", metavar="FILE")
    p.add_argument("--recovery-kit-file", metavar="FILE")
    p.set_defaults(func=cmd_user_passwd)

    p = sub.add_parser("upgrade", help="sign an older vault's member list (a manager, once)")
    p.add_argument("--yes", action="store_true", help="sign without asking (check the list)")
    p.set_defaults(func=cmd_upgrade)

    audits = sub.add_parser("audit", help="the signed audit log").add_subparsers(
        dest="audit_command", metavar="ACTION", required=True
    )
    p = audits.add_parser("verify", help="exit 0 if the chain is intact, else 1 naming the bad row")
    p.add_argument("--json", action="store_true")
    p.add_argument("--checkpoint", metavar="FILE", help="compare with a printed checkpoint")
    p.set_defaults(func=cmd_audit_verify)
    p = audits.add_parser("checkpoint", help="print a signed head to file away")
    p.set_defaults(func=cmd_audit_checkpoint)

    for module in area_modules(command) if areas else ():
        module.register(sub)
    return parser


AREAS: dict[str, tuple[str, ...]] = {
    "checklist": ("case", "task", "template"),
    "statements": ("statement",),
    "credentials": ("cred",),
    "imports": ("import",),
    "vendors": ("vendor",),
    "renewals": ("renewal", "export"),
    "mailbox": ("mailbox",),
    "remind": ("remind",),
    "sweep": ("sweep",),
    "exposures": ("exposure",),
    "backups": ("backup", "restore", "settings", "export"),
    "changing": ("watch",),
}
"""Each area's command module (`itexit.cli.<name>`) and the top-level commands it adds."""


def command_typed(argv: Sequence[str] | None) -> str | None:
    """The command word in `argv` (after the global options), if there is one, read as the
    launch reads it (`itexit.io.command_line.global_options`)."""
    return global_options(sys.argv[1:] if argv is None else argv)[1]


def area_modules(command: str | None = None) -> list[ModuleType]:
    """The area command modules: only the one that owns `command`, when one does."""
    owners = [name for name, commands in AREAS.items() if command in commands]
    return [importlib.import_module(f"itexit.cli.{name}") for name in owners or AREAS]


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Run one command with `settings` in effect (read from the environment when not given)."""
    line = sys.argv[1:] if argv is None else argv
    parser = build_parser(command_typed(line), areas=not only_global_options(line))
    args = parser.parse_args(argv)
    try:
        chosen = settings if settings is not None else Settings.from_environment()
    except ItexitError as exc:
        print(f"itexit: {for_terminal(str(exc))}", file=sys.stderr)
        return exc.exit_code
    with in_effect(chosen):
        return _main(args, chosen)


def _main(args: argparse.Namespace, settings: Settings) -> int:
    cli = Cli(args, settings)
    func: Callable[[Cli], int] = getattr(args, "func", cmd_open)
    if func is cmd_open:  # the app runs for hours: it collects as usual
        resume_collector()
    try:
        read_private_options(args)
        if func is cmd_open:
            return func(cli)
        with guarded_output():
            return func(cli)
    except OutputLost as exc:
        return report_lost(exc)
    except ItexitError as exc:
        print(f"itexit: {for_terminal(without_errno(str(exc)))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("itexit: interrupted; nothing was half-written.", file=sys.stderr)
        return 130
    except Exception as exc:  # one sentence, never a traceback
        from itexit.services.crashlog import record_crash

        where = record_crash(exc)
        what = (
            f"the computer could not do this ({plain_reason(exc)})"
            if isinstance(exc, OSError)
            else f"an unexpected {type(exc).__name__} stopped the command"
        )
        print(
            f"itexit: {for_terminal(what)}; nothing was half-written. Details for support are "
            f"in {where}.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    finally:
        if cli._gateway is not None:
            cli._gateway.close()
        resume_collector()


def run(argv: Sequence[str] | None = None, settings: Settings | None = None) -> NoReturn:
    """The `itexit` program: load the command without pausing to collect cycles
    (`pause_collector`), run it, then leave (`leave`)."""
    pause_collector()
    leave(main(argv, settings))


def leave(code: int) -> NoReturn:
    """End the process with `code` once the output is flushed: a flush that fails is reported
    as `OutputLost` (a full disk exits 74; a reader that left early, `| head`, exits 1 as
    Python would)."""
    sys.exit(_flush_output(code))


def _flush_output(code: int) -> int:
    try:
        sys.stdout.flush()
    except OSError as exc:
        code = max(code, report_lost(OutputLost(exc)))
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    return code


if __name__ == "__main__":
    run()
