"""`itexit mailbox`: the monitored mailbox, its sync and review log."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itexit.cli.base import EXIT_OK, Cli, emit
from itexit.domain.errors import BadInput
from itexit.domain.mailbox import MessageClass, Tls
from itexit.domain.wording import count

if TYPE_CHECKING:
    from itexit.domain.mailbox import Progress, SyncResult
    from itexit.services.session import UnlockedVault


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class ProgressBar:
    """A one-line text bar on a terminal; silent when output is a file or a pipe."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty()
        self.shown = False

    def __call__(self, progress: Progress) -> bool:
        if not self.enabled:
            return True
        width = 30
        if progress.total:
            share = min(1.0, progress.done / progress.total)
            filled = int(share * width)
            text = f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {share:4.0%}"
        else:
            text = f"{self.label} {progress.done}"
        sys.stderr.write(f"\r{text} {progress.stage[:20]:<20}")
        sys.stderr.flush()
        self.shown = True
        return True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _result_line(result: SyncResult, verb: str) -> str:
    parts = [f"{verb} {count(result.added, 'message')} into {result.mailbox}"]
    if result.skipped:
        parts.append(f"{result.skipped} already there")
    if result.malformed:
        parts.append(f"{result.malformed} malformed (counted, the rest kept)")
    if result.folders_resynced:
        parts.append(
            f"read {', '.join(result.folders_resynced)} again from the start (the server "
            "renumbered its messages)"
        )
    line = "; ".join(parts) + f" in {result.seconds:.1f} s."
    if result.by_class:
        line += "\n  " + ", ".join(f"{k}: {v}" for k, v in sorted(result.by_class.items()))
    if result.cancelled:
        line += "\nCancelled: what was fetched is kept; run it again to continue."
    return line


def cmd_add(cli: Cli) -> int:
    from itexit.domain.mailbox import NewMailbox, Tls

    a = cli.args
    session = cli.unlock()
    left_on = a.left_on
    if left_on is None:
        case = session.mailboxes.departure_of(a.address)
        if case is None:
            raise BadInput(
                f"No open case's departing person has the address {a.address}: give the "
                "departure date with --left-on YYYY-MM-DD."
            )
        left_on = case.termination_date
        print(f"Departure date {left_on:%d %b %Y}, from the case of {case.case_name}.")
    box = session.mailboxes.add(
        NewMailbox(
            address=a.address,
            name=a.name or "",
            imap_host=a.host or "",
            imap_port=a.port or 0,
            tls=Tls(a.tls),
            credential_id=a.credential,
            left_on=left_on,
            keep_until=a.keep_until,
            daily_weeks=a.daily_weeks,
            owner=a.owner or "",
            folders=[f for f in (a.folders or "INBOX").split(",")],
        ),
        even_if_listed=a.new,
    )
    print(
        f"Monitoring {box.address} as {box.name!r} until {box.keep_until:%d %b %Y}; "
        f"reviews by {box.owner}, daily for {count(box.daily_weeks, 'week')} after "
        f"{box.left_on:%d %b %Y}, then weekly."
    )
    return EXIT_OK


def cmd_edit(cli: Cli) -> int:
    from itexit.domain.mailbox import Tls, default_keep_until
    from itexit.domain.mailbox_edit import MailboxChanges

    a = cli.args
    mailboxes = cli.unlock().mailboxes
    box = mailboxes.get(a.name)
    tls = Tls(a.tls) if a.tls else box.tls
    port = a.port if a.port is not None else (box.imap_port if a.tls is None else 0)
    left_on = a.left_on or box.left_on
    keep_until = a.keep_until or max(box.keep_until, default_keep_until(left_on))
    changes = MailboxChanges(
        imap_host=box.imap_host if a.host is None else a.host,
        imap_port=port,
        tls=tls,
        credential_id=box.credential_id if a.credential is None else (a.credential or None),
        left_on=left_on,
        keep_until=keep_until,
        daily_weeks=box.daily_weeks if a.daily_weeks is None else a.daily_weeks,
    )
    after = mailboxes.edit(box.name, changes, box.version)
    server = (
        f"{after.imap_host}:{after.imap_port} ({after.tls.value})"
        if after.imap_host
        else "no IMAP server (imports only)"
    )
    login = after.credential_system or "no login linked"
    print(
        f"{after.name}: {server}, login {login}; left {after.left_on:%d %b %Y}, kept until "
        f"{after.keep_until:%d %b %Y}, daily reviews for {count(after.daily_weeks, 'week')}."
    )
    return EXIT_OK


def _fetch(cli: Cli, label: str, verb: str, work: Callable[[ProgressBar], SyncResult]) -> int:
    """Run `work(progress)` with a progress bar; after Ctrl-C the batches stored are kept."""
    bar = ProgressBar(label)
    try:
        result = work(bar)
    finally:
        bar.close()
    if cli.args.json:
        print(result.model_dump_json(indent=2))
    else:
        print(_result_line(result, verb))
    return EXIT_OK


def cmd_sync(cli: Cli) -> int:
    session = cli.unlock()
    return _fetch(
        cli,
        f"Syncing {cli.args.name}",
        "Synced",
        lambda bar: session.mailboxes.sync(cli.args.name, progress=bar),
    )


def cmd_import(cli: Cli) -> int:
    session = cli.unlock()
    path = Path(cli.args.file)
    return _fetch(
        cli,
        f"Importing {path.name}",
        "Imported",
        lambda bar: session.mailboxes.import_file(cli.args.name, path, progress=bar),
    )


def cmd_review(cli: Cli) -> int:
    session = cli.unlock()
    entry = session.mailboxes.record_review(cli.args.name, cli.args.note)
    status = session.mailboxes.status(cli.args.name)
    print(
        f"Review recorded by {entry.reviewer}: {count(entry.messages_reviewed, 'message')} "
        f"since the last review, {count(entry.actions, 'action')}."
    )
    if status.next_due is not None:
        print(f"Next review due {status.next_due:%a %d %b %Y} ({status.cadence}).")
    return EXIT_OK


def cmd_messages(cli: Cli) -> int:
    from itexit.domain.mailbox import MessageClass

    a = cli.args
    session = cli.unlock()
    cls = MessageClass(a.msg_class) if a.msg_class else None
    rows = session.mailboxes.messages(a.name, search=a.search or "", msg_class=cls, limit=a.limit)
    data = [r.model_dump(mode="json", exclude={"manual"} if not r.manual else None) for r in rows]

    def render(items: list[dict[str, Any]]) -> str:
        if not items:
            return "No messages match."
        lines = []
        for r in items:
            when = (r["date"] or "")[:16].replace("T", " ")
            who = r["sender"] if not r["sealed"] else "(sealed)"
            lines.append(
                f"{r['id']:>6}  {when:<16}  {r['msg_class']:<10}  {who[:32]:<32}  "
                f"{r['subject'][:60]}"
            )
        return "\n".join(lines)

    emit(a, data, render)
    return EXIT_OK


def cmd_list(cli: Cli) -> int:
    session = cli.unlock()
    boxes = session.mailboxes.list_mailboxes()
    statuses = {s.mailbox: s for s in session.mailboxes.statuses()}
    rows = []
    for box in boxes:
        st = statuses.get(box.name)
        rows.append(
            {
                **box.model_dump(mode="json", exclude={"id", "version"}),
                "next_review": st.next_due.isoformat() if st and st.next_due else None,
                "overdue": bool(st and st.overdue),
                "new_messages": st.new_messages if st else 0,
            }
        )

    def render(items: list[dict[str, Any]]) -> str:
        if not items:
            return "No mailbox is monitored yet: itexit mailbox add ADDRESS --left-on DATE."
        return "\n".join(
            f"{r['name']:<16} {r['address']:<32} {count(r['messages'], 'message'):>14}  "
            "next review "
            f"{r['next_review'] or '-'}{'  OVERDUE' if r['overdue'] else ''}"
            for r in items
        )

    emit(cli.args, rows, render)
    return EXIT_OK


def cmd_unsubscribe(cli: Cli) -> int:
    session = cli.unlock()
    entry = session.mailboxes.log_unsubscribe(cli.args.name, cli.args.message, cli.args.note or "")
    print(f"Logged: unsubscribed via {entry.target} (itexit sends no mail; do it there).")
    return EXIT_OK


def cmd_dismiss(cli: Cli) -> int:
    from itexit.domain.mailbox import ActionKind, NewAction

    args = cli.args
    reason = " ".join(args.reason.split())
    if len(reason) < 5:
        raise BadInput("Say why the message needs nothing done: a reason of a few words.")
    session = cli.unlock()
    session.mailboxes.log_action(
        args.name, NewAction(kind=ActionKind.NOTED, message_id=args.message, note=reason)
    )
    print(f"Message {args.message} set aside with the reason given; it is no longer raised.")
    return EXIT_OK


def cmd_rule_add(cli: Cli) -> int:
    from itexit.domain.mailbox import MessageClass, RuleSpec

    a = cli.args
    if not (a.subject or a.sender or a.list_id):
        raise BadInput("Give at least one of --subject, --from or --list-id.")
    session = cli.unlock()
    spec = session.mailboxes.add_rule(
        RuleSpec(
            name=a.rule_name,
            msg_class=MessageClass(a.msg_class),
            subject=a.subject or [],
            sender=a.sender or [],
            list_id=a.list_id or [],
        )
    )
    print(f"Rule {spec.name!r} added; it is tried before the shipped rules.")
    _print_resorted(session)
    return EXIT_OK


def _print_resorted(session: UnlockedVault) -> None:
    for name, moved in session.mailboxes.resort_all().items():
        print(f"  {name}: {count(moved, 'message')} re-sorted.")


def cmd_rule_list(cli: Cli) -> int:
    session = cli.unlock()
    specs = session.mailboxes.rules()
    rows = [s.model_dump(mode="json") for s in specs]
    emit(
        cli.args,
        rows,
        lambda rs: "\n".join(
            f"{i + 1:>2}. {r['name']:<34} -> {r['msg_class']:<10} ({r['origin']})"
            + (f"  [{r['id'][:8]}]" if r["origin"] == "practice" else "")
            for i, r in enumerate(rs)
        ),
    )
    return EXIT_OK


def cmd_rule_remove(cli: Cli) -> int:
    session = cli.unlock()
    rule = session.mailboxes.find_rule(cli.args.rule)
    session.mailboxes.remove_rule(rule.id)
    print(f"Rule {rule.name!r} removed.")
    _print_resorted(session)
    return EXIT_OK


def cmd_folders(cli: Cli) -> int:
    box = cli.unlock().mailboxes.set_folders(cli.args.name, cli.args.folders)
    print(f"{box.name}: syncing {', '.join(box.folders)}.")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this area's subcommands to the parser."""
    classes = [kind.value for kind in MessageClass]
    tls = [mode.value for mode in Tls]
    mailbox = sub.add_parser(
        "mailbox", help="the departing person's mailbox: sync, import, review"
    ).add_subparsers(dest="mailbox_command", metavar="ACTION", required=True)

    p = mailbox.add_parser("add", help="start monitoring a mailbox")
    p.add_argument("address")
    p.add_argument("--name", help="short name for commands (default: the address)")
    p.add_argument(
        "--left-on",
        type=_date,
        metavar="DATE",
        help="departure date (default: the termination date of the case whose person has it)",
    )
    p.add_argument(
        "--keep-until", type=_date, metavar="DATE", help="at least a year after --left-on"
    )
    p.add_argument("--host", metavar="HOST", help="IMAP server")
    p.add_argument("--port", type=int, metavar="PORT")
    p.add_argument("--tls", choices=tls, default=Tls.SSL.value)
    p.add_argument("--credential", metavar="ID|SYSTEM", help="credential holding the password")
    p.add_argument("--owner", metavar="USER", help="who reviews it (default: you)")
    p.add_argument("--daily-weeks", type=int, default=4, metavar="N")
    p.add_argument("--folders", metavar="A,B", help="folders to sync (default INBOX)")
    p.add_argument("--new", action="store_true", help="add it even if the address is monitored")
    p.set_defaults(func=cmd_add)

    p = mailbox.add_parser(
        "edit", help="change a mailbox's server, login, dates or review cadence (audited)"
    )
    p.add_argument("name", metavar="MAILBOX")
    p.add_argument("--host", metavar="HOST", help='IMAP server ("" for none)')
    p.add_argument("--port", type=int, metavar="PORT")
    p.add_argument("--tls", choices=tls)
    p.add_argument(
        "--credential", metavar="ID|SYSTEM", help='credential holding the login ("" for none)'
    )
    p.add_argument("--left-on", type=_date, metavar="DATE", help="departure date")
    p.add_argument("--keep-until", type=_date, metavar="DATE")
    p.add_argument("--daily-weeks", type=int, metavar="N", help="weeks of daily reviews")
    p.set_defaults(func=cmd_edit)

    p = mailbox.add_parser("list", help="monitored mailboxes and their next review")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = mailbox.add_parser("sync", help="fetch new headers over IMAP")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sync)

    p = mailbox.add_parser("import", help="import an mbox file, an .eml, or a folder of .eml")
    p.add_argument("name")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import)

    p = mailbox.add_parser("folders", help="choose the IMAP folders to sync")
    p.add_argument("name")
    p.add_argument("folders", nargs="+", metavar="FOLDER")
    p.set_defaults(func=cmd_folders)

    p = mailbox.add_parser("review", help="record a review and its findings")
    p.add_argument("name")
    p.add_argument("--note", required=True, metavar="TEXT", help="what the review found")
    p.set_defaults(func=cmd_review)

    p = mailbox.add_parser("messages", help="list messages, newest first")
    p.add_argument("name")
    p.add_argument("--search", metavar="TEXT", help="in subject, sender and class")
    p.add_argument("--class", dest="msg_class", choices=classes)
    p.add_argument("--limit", type=int, metavar="N")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_messages)

    p = mailbox.add_parser("unsubscribe", help="log an unsubscribe from a list message")
    p.add_argument("name")
    p.add_argument("message", type=int, metavar="MESSAGE_ID")
    p.add_argument("--note", metavar="TEXT")
    p.set_defaults(func=cmd_unsubscribe)

    p = mailbox.add_parser("dismiss", help="set a message aside with a reason (nothing to do)")
    p.add_argument("name")
    p.add_argument("message", type=int, metavar="MESSAGE_ID")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p.set_defaults(func=cmd_dismiss)

    rules = mailbox.add_parser("rule", help="the practice's classification rules").add_subparsers(
        dest="rule_command", metavar="ACTION", required=True
    )
    p = rules.add_parser("list", help="every rule, in the order tried")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_rule_list)
    p = rules.add_parser("add", help="a practice rule, tried first")
    p.add_argument("rule_name", metavar="NAME")
    p.add_argument("--class", dest="msg_class", choices=classes, required=True)
    p.add_argument("--subject", action="append", metavar="PATTERN")
    p.add_argument("--from", dest="sender", action="append", metavar="PATTERN")
    p.add_argument("--list-id", action="append", metavar="PATTERN")
    p.set_defaults(func=cmd_rule_add)
    p = rules.add_parser("remove", help="remove a practice rule (by id or name); mail is re-sorted")
    p.add_argument("rule", metavar="ID|NAME")
    p.set_defaults(func=cmd_rule_remove)
