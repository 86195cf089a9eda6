"""`itexit vendor`: vendors and what is still tied to the departing person."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from itexit.cli.base import private_option
from itexit.domain.vendors import ContactRole

if TYPE_CHECKING:
    from itexit.cli.base import Cli
    from itexit.domain.vendors import VendorDetail

ROLE_CHOICES = [role.value for role in ContactRole]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this area's subcommands to the parser."""
    vendors = sub.add_parser(
        "vendor", help="vendors, their contacts and what is tied to the leaver"
    ).add_subparsers(dest="vendor_command", metavar="ACTION", required=True)

    p = vendors.add_parser("list", help="list vendors with their tied-to-departing flags")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_vendor_list)

    p = vendors.add_parser("show", help="one vendor: services, contacts and what to fix")
    p.add_argument("vendor", metavar="ID|NAME")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_vendor_show)

    p = vendors.add_parser("add", help="add a vendor")
    p.add_argument("name")
    p.add_argument("--services", default="", help="services supplied, separated by commas")
    p.add_argument("--support-phone", default="")
    p.add_argument("--support-email", default="")
    p.add_argument("--support-portal", default="", metavar="URL")
    private_option(p, "--account-number", "account number", default="")
    p.add_argument("--contract-link", default="", metavar="URL")
    private_option(p, "--notes", "notes", default="", multiline=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_vendor_add)

    p = vendors.add_parser("link", help="link a credential to the vendor's services")
    p.add_argument("vendor", metavar="ID|NAME")
    p.add_argument("credential", metavar="CREDENTIAL_ID|SYSTEM")
    p.set_defaults(func=cmd_vendor_link)

    contacts = vendors.add_parser("contact", help="people the vendor will talk to").add_subparsers(
        dest="contact_command", metavar="ACTION", required=True
    )
    p = contacts.add_parser("add", help="add an authorised contact")
    p.add_argument("vendor", metavar="ID|NAME")
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=ROLE_CHOICES)
    p.add_argument("--email", default="")
    p.add_argument("--phone", default="")
    p.add_argument(
        "--departing", action="store_true", help="this contact is the person who is leaving"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_contact_add)

    p = contacts.add_parser(
        "edit", help="change a contact's name, role, e-mail, phone or leaving mark"
    )
    p.add_argument("vendor", metavar="ID|NAME")
    p.add_argument("contact_id", metavar="CONTACT_ID", help="its id, or the first 4+ characters")
    p.add_argument("--name")
    p.add_argument("--role", choices=ROLE_CHOICES)
    p.add_argument("--email")
    p.add_argument("--phone")
    leaving = p.add_mutually_exclusive_group()
    leaving.add_argument(
        "--departing", dest="departing", action="store_const", const=True, default=None
    )
    leaving.add_argument("--not-departing", dest="departing", action="store_const", const=False)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_contact_edit)

    p = contacts.add_parser("remove", help="remove a contact (ids are shown by `vendor show`)")
    p.add_argument("vendor", metavar="ID|NAME")
    p.add_argument("contact_id", metavar="CONTACT_ID")
    p.set_defaults(func=cmd_contact_remove)


def cmd_vendor_list(cli: Cli) -> int:
    from itexit.cli.base import EXIT_OK, emit
    from itexit.domain.wording import agree, part_of

    vendors = cli.unlock().vendors.list()
    rows = [
        {**v.model_dump(mode="json"), "tied": v.tied, "flags": [f.value for f in v.flags]}
        for v in vendors
    ]

    def render(items: list[dict[str, Any]]) -> str:
        if not items:
            return "No vendors listed yet."
        lines = [f"{'ID':<8}  {'VENDOR':<28}  {'CONTACTS':>8}  TIED TO THE LEAVER"]
        for v in vendors:
            flags = ", ".join(f.short for f in v.flags) or "-"
            lines.append(f"{v.id[:8]:<8}  {v.name[:28]:<28}  {v.contact_count:>8}  {flags}")
        tied = sum(1 for v in vendors if v.tied)
        lines.append(
            f"{part_of(tied, len(vendors), 'vendor')} {agree(tied, 'is')} still tied to the "
            "departing person."
        )
        return "\n".join(lines)

    emit(cli.args, rows, render)
    return EXIT_OK


def _print_detail(cli: Cli, detail: VendorDetail) -> None:
    from itexit.cli.base import emit

    def render(_: object) -> str:
        lines = [detail.name, f"  services: {', '.join(detail.services) or '-'}"]
        if detail.sealed:
            lines.append("  contacts and account details are sealed for your role")
        else:
            for label, value in (
                ("support phone", detail.support_phone),
                ("support email", detail.support_email),
                ("support portal", detail.support_portal),
                ("account number", detail.account_number),
                ("contract", detail.contract_link),
                ("notes", detail.notes),
            ):
                if value:
                    lines.append(f"  {label}: {value}")
            lines.append("  contacts:" if detail.contacts else "  contacts: none")
            for c in detail.contacts:
                leaving = "  (leaving)" if c.is_departing else ""
                reach = ", ".join(x for x in (c.email, c.phone) if x)
                lines.append(f"    [{c.id}] {c.name} — {c.role.label}{leaving}  {reach}".rstrip())
        if detail.credentials:
            lines.append("  credentials:")
            lines.extend(
                f"    {c.system} ({c.status.replace('_', ' ')})" for c in detail.credentials
            )
        if detail.flag_details:
            lines.append("  to fix:")
            lines.extend(f"    ! {flag.message}" for flag in detail.flag_details)
        else:
            lines.append("  not tied to the departing person")
        return "\n".join(lines)

    emit(cli.args, detail.model_dump(mode="json"), render)


def cmd_vendor_show(cli: Cli) -> int:
    from itexit.cli.base import EXIT_OK

    _print_detail(cli, cli.unlock().vendors.get(cli.args.vendor))
    return EXIT_OK


def cmd_vendor_add(cli: Cli) -> int:
    from itexit.cli.base import EXIT_OK
    from itexit.domain.vendors import VendorFields, split_services

    a = cli.args
    detail = cli.unlock().vendors.add(
        VendorFields(
            name=a.name,
            services=split_services(a.services),
            support_phone=a.support_phone,
            support_email=a.support_email,
            support_portal=a.support_portal,
            account_number=a.account_number,
            contract_link=a.contract_link,
            notes=a.notes,
        )
    )
    _print_detail(cli, detail)
    return EXIT_OK


def cmd_vendor_link(cli: Cli) -> int:
    from itexit.cli.base import EXIT_OK

    _print_detail(cli, cli.unlock().vendors.link_credential(cli.args.vendor, cli.args.credential))
    return EXIT_OK


def cmd_contact_add(cli: Cli) -> int:
    from itexit.cli.base import EXIT_OK
    from itexit.domain.vendors import ContactFields, ContactRole

    a = cli.args
    detail = cli.unlock().vendors.add_contact(
        a.vendor,
        ContactFields(
            name=a.name,
            role=ContactRole(a.role),
            email=a.email,
            phone=a.phone,
            departing=a.departing,
        ),
    )
    _print_detail(cli, detail)
    return EXIT_OK


def cmd_contact_edit(cli: Cli) -> int:
    from itexit.cli.base import EXIT_OK
    from itexit.domain.errors import BadInput

    a = cli.args
    changes = {
        key: value
        for key, value in (
            ("name", a.name),
            ("role", a.role),
            ("email", a.email),
            ("phone", a.phone),
            ("departing", a.departing),
        )
        if value is not None
    }
    if not changes:
        raise BadInput("Say what to change: --name, --role, --email, --phone or --departing.")
    detail = cli.unlock().vendors.edit_contact(a.vendor, a.contact_id, changes)
    _print_detail(cli, detail)
    return EXIT_OK


def cmd_contact_remove(cli: Cli) -> int:
    from itexit.cli.base import EXIT_OK

    detail = cli.unlock().vendors.remove_contact(cli.args.vendor, cli.args.contact_id)
    _print_detail(cli, detail)
    return EXIT_OK
