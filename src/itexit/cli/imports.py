"""`itexit import`: credentials from password-manager exports, previewed, then all or nothing."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING, TextIO

from itexit.cli.base import EXIT_OK, Cli
from itexit.domain.errors import BadInput
from itexit.domain.wording import count
from itexit.io.importers import ImportKind

if TYPE_CHECKING:
    from itexit.services.imports import ImportPreview, ImportReport, SkippedRow

KIND_CHOICES = tuple(kind.value for kind in ImportKind)
LISTED_ROWS = 20


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `itexit import FORMAT FILE`."""
    p = sub.add_parser(
        "import",
        help="import credentials from a password-manager export (all or nothing)",
        description=(
            "Read an export, show what will be imported and what is skipped and why, then add "
            "every entry in one transaction. Imported entries are marked known to the departing "
            "person (due for rotation) unless --not-departing is given."
        ),
    )
    p.add_argument("format", choices=KIND_CHOICES, metavar="FORMAT", help=", ".join(KIND_CHOICES))
    p.add_argument("file", metavar="FILE", help="the export (or the .kdbx database)")
    p.add_argument(
        "--keepass-password-file",
        metavar="F",
        help="read the KeePass database password from F (else a prompt at a terminal)",
    )
    p.add_argument("--keyfile", metavar="F", help="the KeePass database's key file")
    p.add_argument(
        "--map",
        metavar="FIELD=COLUMN,...",
        default="",
        help="for csv: which column holds what, e.g. system=Title,username=Login,secret=Password "
        "(fields: system, url, host, port, username, secret, notes, totp, folder, category)",
    )
    p.add_argument(
        "--encoding", metavar="NAME", help="the file's text encoding when it is not UTF-8"
    )
    p.add_argument(
        "--not-departing",
        action="store_true",
        help="the entries are not the departing person's hand-over (not marked for rotation)",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="show what would be imported; add nothing"
    )
    p.add_argument("--json", action="store_true", help="print the preview or report as JSON")
    p.set_defaults(func=cmd_import)


def cmd_import(cli: Cli) -> int:
    from pydantic import SecretStr

    from itexit.services.imports import ImportOptions

    args = cli.args
    if args.format == "csv" and not args.map:
        raise BadInput(
            "A generic CSV needs --map, for example --map system=Title,username=Login,"
            "secret=Password."
        )
    session = cli.unlock()
    password: str | None = None
    if args.format == "keepass":
        password = _keepass_password(cli)
    options = ImportOptions(
        password=SecretStr(password) if password is not None else None,
        keyfile=args.keyfile,
        mapping=args.map,
        encoding=args.encoding,
    )
    preview = session.imports.preview(args.format, args.file, options)
    if args.dry_run:
        if args.json:
            print(json.dumps(preview.model_dump(mode="json"), indent=2))
        else:
            print(_preview_text(preview, departing=not args.not_departing))
        return EXIT_OK
    if preview.to_import == 0:
        print(_skipped_text(preview.skipped, preview.row_word), file=sys.stderr)
        raise BadInput(f"{preview.file_name} holds nothing to import; nothing was added.")
    bar = _ProgressBar(sys.stderr) if sys.stderr.isatty() and not args.json else None
    try:
        report = session.imports.commit(
            preview,
            departing=not args.not_departing,
            on_progress=bar.update if bar else None,
        )
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        print(json.dumps(report.model_dump(mode="json"), indent=2))
    else:
        print(_report_text(report, preview))
    return EXIT_OK


def _keepass_password(cli: Cli) -> str | None:
    """The database password; an empty file or an empty answer is the empty password."""
    from itexit.io.command_line import secret_file_text

    args = cli.args
    if args.keepass_password_file:
        path = args.keepass_password_file
        try:
            return secret_file_text(path)
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "it is not UTF-8 text"
            raise BadInput(f"Cannot read the KeePass password file {path}: {reason}.") from None
    if sys.stdin.isatty():
        hint = " (Enter if it has only a key file)" if args.keyfile else " (Enter if it is empty)"
        return getpass.getpass(f"Password of the KeePass database{hint}: ")
    if args.keyfile:
        return None
    raise BadInput(
        "No KeePass password: give --keepass-password-file (an empty file for an empty "
        "password, or --keyfile), or run at a terminal to be asked."
    )


class _ProgressBar:
    """A one-line text bar on a terminal, redrawn in place."""

    WIDTH = 30

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.shown = -1

    def update(self, done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if percent == self.shown:
            return
        self.shown = percent
        filled = self.WIDTH * done // max(total, 1)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.out.write(f"\rImporting [{bar}] {done:,}/{total:,}")
        self.out.flush()

    def close(self) -> None:
        if self.shown >= 0:
            self.out.write("\n")
            self.out.flush()


def _preview_text(preview: ImportPreview, *, departing: bool) -> str:
    lines = [
        f"{preview.file_name}: {count(preview.rows, preview.row_word)} read, "
        f"{preview.to_import:,} to import, {len(preview.skipped):,} skipped "
        f"(fingerprint {preview.sha256[:16]}…).",
    ]
    if preview.by_category:
        lines.append(
            "By category: "
            + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in preview.by_category.items())
        )
    if preview.sample:
        width = min(max(len(r.system) for r in preview.sample[:LISTED_ROWS]), 32)
        lines.append("")
        for row in preview.sample[:LISTED_ROWS]:
            lines.append(
                f"  {preview.row_word} {row.row:<5} {row.system[:32]:<{width}}  "
                f"{row.username[:24]:<24}  {row.category.value}"
            )
        if preview.to_import > LISTED_ROWS:
            lines.append(f"  … and {preview.to_import - LISTED_ROWS:,} more")
    if preview.skipped:
        lines.append("")
        lines.append(_skipped_text(preview.skipped, preview.row_word))
    if preview.remarks:
        lines.append("")
        lines.append(_remarks_text(preview.remarks, preview.row_word))
    lines.append("")
    lines.append(
        "Dry run: nothing was added. Without --dry-run each entry "
        + (
            "is marked known to the departing person and due for rotation."
            if departing
            else "is added as found in the practice (not marked for rotation)."
        )
    )
    return "\n".join(lines)


def _report_text(report: ImportReport, preview: ImportPreview) -> str:
    lines = [
        f"Imported {count(report.imported, 'credential')} from "
        f"{report.file_name} (fingerprint {report.sha256[:16]}…) in one transaction.",
        "Each is marked known to the departing person and due for rotation."
        if report.known_to_departing
        else "They are not marked as known to the departing person.",
    ]
    if report.skipped:
        lines.append(_skipped_text(report.skipped, preview.row_word))
    else:
        lines.append("Nothing was skipped.")
    if report.remarks:
        lines.append(_remarks_text(report.remarks, preview.row_word))
    if report.delete_reminder:
        lines.append(report.delete_reminder)
    return "\n".join(lines)


def _remarks_text(remarks: list[SkippedRow], row_word: str) -> str:
    lines = [f"To review ({count(len(remarks), 'item')}):"]
    for item in remarks:
        label = item.label[:32] or "(no name)"
        lines.append(f"  {row_word} {item.row:<5} {label:<32}  {item.reason}")
    return "\n".join(lines)


def _skipped_text(skipped: list[SkippedRow], row_word: str) -> str:
    lines = [f"Skipped {count(len(skipped), row_word)}:"]
    for item in skipped:
        label = item.label[:32] or "(no name)"
        lines.append(f"  {row_word} {item.row:<5} {label:<32}  {item.reason}")
    return "\n".join(lines)
