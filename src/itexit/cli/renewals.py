"""`itexit renewal` and `itexit export ics`: cancel-by dates, live checks and the calendar."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from itexit.cli import renewal_notices
from itexit.cli.base import EXIT_FOUND, EXIT_OK, Cli, emit
from itexit.cli.renewal_fields import add_fields, new_from_args, row_of
from itexit.domain import wording
from itexit.domain.errors import BadInput
from itexit.domain.renewals import RenewalState


def _line(item: dict[str, Any]) -> str:
    when = item["next_action_date"] or "—"
    days = item["days_left"]
    left = "" if days is None else (f"{-days}d late" if days < 0 else f"in {days}d")
    flag = "  ! departing contact" if item["departing_contact"] else ""
    return (
        f"{item['id'][:8]}  {when:<10} {left:<9} {item['status']:<8} {item['kind']:<12} "
        f"{item['vendor'][:22]:<22} {item['item'][:40]}"
        f"  ({item['action_label']} {item['cancel_by']}, date {item['renewal_date']}){flag}"
    )


def cmd_list(cli: Cli) -> int:
    session = cli.unlock()
    items = session.renewals.list(
        date.today(), due_within=cli.args.due_within, include_retired=cli.args.all
    )
    rows = [row_of(i) for i in items]
    emit(
        cli.args,
        rows,
        lambda rs: "\n".join(_line(r) for r in rs) if rs else "No renewals match.",
    )
    return EXIT_OK


def cmd_show(cli: Cli) -> int:
    item = cli.unlock().renewals.get(cli.args.ref)
    row = row_of(item)
    emit(cli.args, row, lambda r: "\n".join(f"{k:<18} {v}" for k, v in r.items()))
    return EXIT_OK


def cmd_add(cli: Cli) -> int:
    session = cli.unlock()
    item = session.renewals.add(new_from_args(cli.args, None), even_if_listed=cli.args.new)
    print(
        f"Added {item.vendor}: {item.item} ({item.id[:8]}); {item.action_label} "
        f"{item.cancel_by.isoformat()}, renewal {item.renewal_date.isoformat()}."
    )
    if item.departing_contact:
        print(f"Warning: {item.departing_reason}.", file=sys.stderr)
    return EXIT_OK


def cmd_edit(cli: Cli) -> int:
    from itexit.domain.renewals import NewRenewal

    session = cli.unlock()
    current = session.renewals.get(cli.args.ref)
    if current.sealed:
        raise BadInput("Your role cannot read this renewal's sealed fields, so it cannot edit it.")
    base = NewRenewal(
        kind=current.kind,
        vendor=current.vendor,
        item=current.item,
        renewal_date=current.renewal_date,
        auto_renew=current.auto_renew,
        notice_days=current.notice_days,
        cost=current.cost,
        billing_cycle=current.billing_cycle,
        owner=current.owner or "",
        registrant_email=current.registrant_email or "",
        billing_email=current.billing_email or "",
        notes=current.notes or "",
        check_target=current.check_target,
        departing_contact=current.departing_marked,
    )
    expected = cli.args.expect_version if cli.args.expect_version is not None else current.version
    item = session.renewals.edit(current.id, new_from_args(cli.args, base), expected)
    print(
        f"Updated {item.vendor}: {item.item}; {item.action_label} {item.cancel_by.isoformat()}, "
        f"renewal {item.renewal_date.isoformat()}."
    )
    return EXIT_OK


def cmd_state(cli: Cli) -> int:
    from itexit.domain.renewals import RenewalState

    item = cli.unlock().renewals.set_state(cli.args.ref, RenewalState(cli.args.state))
    print(f"{item.vendor}: {item.item} is now {item.state.value}.")
    return EXIT_OK


def cmd_delete(cli: Cli) -> int:
    session = cli.unlock()
    item = session.renewals.get(cli.args.ref)
    session.renewals.delete(item.id, item.version)
    print(f"Deleted {item.vendor}: {item.item}.")
    return EXIT_OK


def cmd_check(cli: Cli) -> int:
    from itexit.domain.renewals import CheckStatus

    session = cli.unlock()

    def progress(done: int, total: int, what: str) -> None:
        if cli.args.json or total == 0:
            return
        width = 24
        filled = width * done // total
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if what == "done" else ""
        print(f"\r[{bar}] {done}/{total} {what[:40]:<40}", end=end, file=sys.stderr, flush=True)

    results = session.renewals.check(cli.args.refs or None, progress, timeout=cli.args.timeout)
    rows = [r.model_dump(mode="json") for r in results]
    emit(
        cli.args,
        rows,
        lambda rs: (
            "\n".join(f"{r['status']:<8} {r['item'][:40]:<40} {r['message']}" for r in rs)
            if rs
            else "Nothing to check: no domain or certificate renewal names a domain or host."
        ),
    )
    bad = any(r.status in (CheckStatus.FAILED, CheckStatus.WARNING) for r in results)
    return EXIT_FOUND if bad else EXIT_OK


def cmd_export_ics(cli: Cli) -> int:
    session = cli.unlock()
    path = Path(cli.args.file)
    count = session.renewals.export_ics(path, include_details=cli.args.include_details)
    print(f"Wrote {wording.count(count, 'event')} to {path}.")
    return EXIT_OK


def _export_subparsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The `export` command's actions, shared with any other area that exports."""
    existing = sub.choices.get("export")
    if existing is not None:
        for action in existing._actions:
            if isinstance(action, argparse._SubParsersAction):
                return action
    parser = sub.add_parser("export", help="write calendars and documents")
    return parser.add_subparsers(dest="export_command", metavar="FORMAT", required=True)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this area's subcommands to the parser."""
    renewals = sub.add_parser(
        "renewal", help="contracts, licences, domains and certificates that renew"
    ).add_subparsers(dest="renewal_command", metavar="ACTION", required=True)

    p = renewals.add_parser("list", help="renewals by next action date")
    p.add_argument("--due-within", type=int, metavar="DAYS", dest="due_within")
    p.add_argument("--all", action="store_true", help="include retired renewals")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = renewals.add_parser("show", help="one renewal in full")
    p.add_argument("ref", help="id (or its first 8 characters) or item name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = renewals.add_parser("add", help="record a renewal")
    add_fields(p, required=True)
    p.add_argument("--new", action="store_true", help="add it even if a likely duplicate exists")
    p.set_defaults(func=cmd_add)

    p = renewals.add_parser("edit", help="change a renewal (flags not given stay as they are)")
    p.add_argument("ref")
    add_fields(p, required=False)
    p.add_argument(
        "--expect-version",
        type=int,
        dest="expect_version",
        help="refuse if the renewal changed since this version",
    )
    p.set_defaults(func=cmd_edit)

    p = renewals.add_parser("state", help="give notice (cancelling), retire, or reactivate")
    p.add_argument("ref")
    p.add_argument("state", choices=[state.value for state in RenewalState])
    p.set_defaults(func=cmd_state)

    renewal_notices.register(renewals)

    p = renewals.add_parser("delete", help="remove a renewal recorded by mistake")
    p.add_argument("ref")
    p.set_defaults(func=cmd_delete)

    p = renewals.add_parser(
        "check", help="read domain expiry by RDAP and certificate expiry by TLS; store changes"
    )
    p.add_argument("refs", nargs="*", metavar="REF", help="only these (default: every one)")
    p.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_check)

    exports = _export_subparsers(sub)
    p = exports.add_parser("ics", help="the renewals calendar (cancel-by and renewal dates)")
    p.add_argument("file")
    p.add_argument(
        "--include-details",
        action="store_true",
        dest="include_details",
        help="also write costs, owners, e-mails and notes into the file",
    )
    p.set_defaults(func=cmd_export_ics)
