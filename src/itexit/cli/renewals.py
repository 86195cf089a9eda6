"""`itexit renewal` and `itexit export ics`: cancel-by dates, live checks and the calendar."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itexit.cli.base import EXIT_FOUND, EXIT_OK, Cli, emit, private_option
from itexit.domain.errors import BadInput

if TYPE_CHECKING:
    from itexit.domain.renewals import NewRenewal, RenewalSummary

KINDS = ["contract", "licence", "domain", "certificate", "subscription", "warranty"]
CYCLES = ["monthly", "quarterly", "annual", "biennial", "triennial", "one_off"]


def _value(parse: Any, text: str) -> Any:
    try:
        return parse(text)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def _new_from_args(
    args: argparse.Namespace, base: NewRenewal | dict[str, Any] | None
) -> NewRenewal:
    """The renewal the flags describe; flags not given keep the values of `base` (on edit, the
    current renewal; from a message, what the notice suggests)."""
    from itexit.domain.renewals import (
        BillingCycle,
        NewRenewal,
        RenewalKind,
        check_email,
        parse_cost,
        parse_date,
        parse_notice,
    )

    fields: dict[str, Any] = base.model_dump() if isinstance(base, NewRenewal) else dict(base or {})
    if args.kind is not None:
        fields["kind"] = RenewalKind(args.kind)
    for name in ("vendor", "item", "owner", "notes", "check_target"):
        if getattr(args, name) is not None:
            fields[name] = getattr(args, name)
    if args.date is not None:
        fields["renewal_date"] = _value(lambda t: parse_date(t, "renewal date"), args.date)
    if args.auto_renew is not None:
        fields["auto_renew"] = args.auto_renew
    if args.notice_days is not None:
        fields["notice_days"] = _value(parse_notice, args.notice_days)
    if args.cost is not None:
        fields["cost"] = _value(parse_cost, args.cost)
    if args.cycle is not None:
        fields["billing_cycle"] = BillingCycle(args.cycle)
    for name, what in (
        ("registrant_email", "registrant e-mail"),
        ("billing_email", "billing e-mail"),
    ):
        if getattr(args, name) is not None:
            fields[name] = _value(lambda t, w=what: check_email(t, w), getattr(args, name))
    if args.departing is not None:
        fields["departing_contact"] = args.departing
    missing = [f for f in ("kind", "vendor", "item", "renewal_date") if f not in fields]
    if missing:
        flags = ", ".join("--" + ("date" if f == "renewal_date" else f) for f in missing)
        raise BadInput(f"A renewal needs {flags}.")
    return NewRenewal.model_validate(fields)


def _row(item: RenewalSummary) -> dict[str, Any]:
    data = item.model_dump(mode="json")
    if item.sealed:
        for name in ("cost", "owner", "registrant_email", "billing_email", "notes"):
            data.pop(name, None)
    return data


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
    rows = [_row(i) for i in items]
    emit(
        cli.args,
        rows,
        lambda rs: "\n".join(_line(r) for r in rs) if rs else "No renewals match.",
    )
    return EXIT_OK


def cmd_show(cli: Cli) -> int:
    item = cli.unlock().renewals.get(cli.args.ref)
    row = _row(item)
    emit(cli.args, row, lambda r: "\n".join(f"{k:<18} {v}" for k, v in r.items()))
    return EXIT_OK


def cmd_add(cli: Cli) -> int:
    session = cli.unlock()
    item = session.renewals.add(_new_from_args(cli.args, None), even_if_listed=cli.args.new)
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
    item = session.renewals.edit(current.id, _new_from_args(cli.args, base), expected)
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
    print(f"Wrote {count} events to {path}.")
    return EXIT_OK


def _add_fields(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("--kind", choices=KINDS, required=required)
    p.add_argument("--vendor", required=required)
    p.add_argument("--item", required=required, help="what renews")
    p.add_argument("--date", required=required, metavar="YYYY-MM-DD", help="renewal or expiry")
    p.add_argument(
        "--auto-renew", action=argparse.BooleanOptionalAction, default=None, dest="auto_renew"
    )
    p.add_argument("--notice-days", metavar="DAYS", help="notice period (default 30)")
    p.add_argument("--cost", metavar="AMOUNT")
    p.add_argument("--cycle", choices=CYCLES, help="billing cycle (default annual)")
    p.add_argument("--owner")
    p.add_argument("--registrant-email", dest="registrant_email")
    p.add_argument("--billing-email", dest="billing_email")
    private_option(p, "--notes", "notes", multiline=True)
    p.add_argument("--check-target", dest="check_target", help="domain (RDAP) or host[:port] (TLS)")
    p.add_argument(
        "--departing",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="mark it as tied to the departing person",
    )


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
    from itexit.cli import renewal_notices

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
    _add_fields(p, required=True)
    p.add_argument("--new", action="store_true", help="add it even if a likely duplicate exists")
    p.set_defaults(func=cmd_add)

    p = renewals.add_parser("edit", help="change a renewal (flags not given stay as they are)")
    p.add_argument("ref")
    _add_fields(p, required=False)
    p.add_argument(
        "--expect-version",
        type=int,
        dest="expect_version",
        help="refuse if the renewal changed since this version",
    )
    p.set_defaults(func=cmd_edit)

    p = renewals.add_parser("state", help="give notice (cancelling), retire, or reactivate")
    p.add_argument("ref")
    p.add_argument("state", choices=["active", "cancelling", "retired"])
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
