"""`itexit backup`, `restore`, `settings backup-max-age` and `export kdbx`: backups proven to
restore, and the way out."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from itexit.cli.base import EXIT_OK, Cli, emit
from itexit.domain.errors import BadInput
from itexit.domain.wording import count


def cmd_backup(cli: Cli) -> int:
    result = cli.unlock().backups.make(cli.args.file)

    def render(_rows: object) -> str:
        size_kib = max(1, result.size // 1024)
        return "\n".join(
            [
                f"Backup written to {result.path} ({size_kib:,} KiB).",
                "Verified: restored into a temporary place, its audit log intact "
                f"({count(result.audit_entries, 'entry')}) and your keys open its "
                f"{count(result.records_opened, 'record')}.",
                "It opens with the passphrases of everyone who is a member today, even after "
                "they are removed. Keep a copy off this machine (see docs/backups.md).",
            ]
        )

    emit(cli.args, result.model_dump(mode="json"), render)
    return EXIT_OK


def cmd_restore(cli: Cli) -> int:
    from itexit.services.location import VaultLocation
    from itexit.services.restore import restore

    args = cli.args
    if args.restore_to and args.restore_db:
        raise BadInput("Give either --to PATH or --db URL, not both.")
    if args.restore_to or args.restore_db:
        location = VaultLocation.resolve(args.restore_to, args.restore_db)
    else:
        location = cli.location
    name = cli.user_name()
    passphrase = cli.passphrase("Your passphrase when the backup was made: ")
    result = restore(
        Path(args.file),
        location,
        name,
        passphrase,
        replace=args.replace,
        reason=args.reason or "",
    )
    made = result.manifest
    print(
        f"Restored the backup made {made.made_at:%Y-%m-%d %H:%M} UTC by {made.made_by} "
        f"to {result.target}"
        + (", replacing the vault that was there." if result.replaced else ".")
    )
    if result.older_than_witness:
        print("It is older than the vault this workstation last saw; your reason is recorded.")
    print(
        "Everyone who was a member when this backup was made opens it with the passphrase they "
        f"had then: {', '.join(result.members)}."
    )
    for person in result.removed_since:
        print(
            f"{person} was removed after this backup was made and is a member again in the "
            f"restored vault, with their old passphrase: remove {person} again "
            f"(itexit user remove {person}) and rotate what they could see."
        )
    return EXIT_OK


def cmd_settings_backup_max_age(cli: Cli) -> int:
    session = cli.unlock()
    if cli.args.days is not None:
        session.backups.set_max_age(cli.args.days)
    status = session.backups.status(date.today())
    print(f"A backup is due when the last verified one is {count(status.max_age_days, 'day')} old.")
    return EXIT_OK


def cmd_export_kdbx(cli: Cli) -> int:
    session = cli.unlock()
    passphrase = cli.new_passphrase("the KeePass file", cli.args.new_passphrase_file)
    result = session.backups.export_kdbx(Path(cli.args.file), passphrase)
    print(
        f"Wrote {count(result.entries, 'credential')} ({result.with_totp} with one-time "
        f"passwords) to {result.path}, a KeePass database that KeePassXC opens with the new "
        "passphrase. Every secret in it was recorded as disclosed to you: keep the file safe "
        "and delete it when it has served."
    )
    return EXIT_OK


def _export_subparsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The `export` command's actions, shared with the other areas that export."""
    existing = sub.choices.get("export")
    if existing is not None:
        for action in existing._actions:
            if isinstance(action, argparse._SubParsersAction):
                return action
    parser = sub.add_parser("export", help="write calendars and documents")
    return parser.add_subparsers(dest="export_command", metavar="FORMAT", required=True)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "backup", help="a verified backup of the vault (default: in the data folder's backups/)"
    )
    p.add_argument("file", nargs="?", help="where to write it (a new file, or a folder)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="put a backup back in place, proven first")
    p.add_argument("file", help="the backup file")
    p.add_argument("--to", metavar="PATH", dest="restore_to", help="restore to this SQLite file")
    p.add_argument("--db", metavar="URL", dest="restore_db", help="restore into this database")
    p.add_argument("--replace", action="store_true", help="overwrite a vault already there")
    p.add_argument(
        "--reason", metavar="TEXT", help="why a backup older than this workstation saw is restored"
    )
    p.set_defaults(func=cmd_restore)

    settings = sub.add_parser("settings", help="the practice's settings").add_subparsers(
        dest="settings_command", metavar="SETTING", required=True
    )
    p = settings.add_parser(
        "backup-max-age", help="days after which a verified backup is due (default 7)"
    )
    p.add_argument("days", nargs="?", type=int, metavar="DAYS")
    p.set_defaults(func=cmd_settings_backup_max_age)

    exports = _export_subparsers(sub)
    p = exports.add_parser(
        "kdbx", help="every credential you may read, into a new KeePass database"
    )
    p.add_argument("file")
    p.add_argument("--new-passphrase-file", metavar="FILE", dest="new_passphrase_file")
    p.set_defaults(func=cmd_export_kdbx)
