"""The flags that describe a renewal, shared by `itexit renewal add|edit` and
`itexit renewal from-message`, and a renewal as the commands print it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from itexit.cli.base import private_option
from itexit.domain.errors import BadInput
from itexit.domain.renewals import BillingCycle, RenewalKind

if TYPE_CHECKING:
    from itexit.domain.renewals import NewRenewal, RenewalSummary

KINDS = [kind.value for kind in RenewalKind]
CYCLES = [cycle.value for cycle in BillingCycle]


def _value(parse: Any, text: str) -> Any:
    try:
        return parse(text)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def new_from_args(args: argparse.Namespace, base: NewRenewal | dict[str, Any] | None) -> NewRenewal:
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


def row_of(item: RenewalSummary) -> dict[str, Any]:
    data = item.model_dump(mode="json")
    if item.sealed:
        for name in ("cost", "owner", "registrant_email", "billing_email", "notes"):
            data.pop(name, None)
    return data


def add_fields(p: argparse.ArgumentParser, required: bool) -> None:
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
