"""`itexit renewal from-message MAILBOX MESSAGE`: a notice in the monitored mailbox becomes a
renewal, or is linked to the one already tracked for the same item or domain."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from itexit.cli.base import EXIT_OK, Cli, emit
from itexit.cli.renewal_fields import add_fields, new_from_args, row_of
from itexit.domain.errors import BadInput, Blocked


def cmd_from_message(cli: Cli) -> int:
    args = cli.args
    if args.link and args.new:
        raise BadInput("Choose one: --link RENEWAL to link the notice, or --new to add one.")
    notices = cli.unlock().renewal_notices
    if args.link:
        handled = notices.link(args.mailbox, args.message, args.link)
    else:
        draft = notices.draft(args.mailbox, args.message)
        guessed: dict[str, Any] = {"kind": draft.kind, "vendor": draft.vendor, "item": draft.item}
        if args.date is None:
            item = args.item if args.item is not None else draft.item
            found = notices.duplicates(draft.message, item, args.check_target or "")
            if found and not args.new:
                first = found[0]
                raise Blocked(
                    f"This notice is probably about {first.vendor}: {first.item} "
                    f"({first.id[:8]}, renews {first.renewal_date}): link it with --link "
                    f"{first.id[:8]}, or add --new with --date if it is a different renewal."
                )
            raise BadInput("Give the renewal or expiry date from the message: --date YYYY-MM-DD.")
        base = {name: value for name, value in guessed.items() if value}
        new = new_from_args(args, base)
        handled = notices.create(args.mailbox, args.message, new, even_if_tracked=args.new)
    row = row_of(handled.renewal) | {"message": args.message, "created": handled.created}

    def render(r: dict[str, Any]) -> str:
        verb = "Created" if r["created"] else "Linked the message to"
        return (
            f"{verb} {r['vendor']}: {r['item']} ({r['id'][:8]}); {r['action_label']} "
            f"{r['cancel_by']}, renewal {r['renewal_date']}. Message {r['message']} is logged "
            "against it."
        )

    emit(args, row, render)
    if handled.renewal.departing_contact:
        print(f"Warning: {handled.renewal.departing_reason}.", file=sys.stderr)
    return EXIT_OK


def register(renewals: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = renewals.add_parser(
        "from-message",
        help="a renewal from a monitored-mailbox notice, or link it to the one already tracked",
    )
    p.add_argument("mailbox", metavar="MAILBOX")
    p.add_argument("message", metavar="MESSAGE", type=int, help="its number (mailbox messages)")
    p.add_argument("--link", metavar="RENEWAL", help="log the notice against this renewal")
    p.add_argument("--new", action="store_true", help="add it even if a likely duplicate exists")
    add_fields(p, required=False)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_from_message)
