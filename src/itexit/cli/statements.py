"""`itexit statement`: the HR exit statement, prepared, printed and recorded."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itexit.cli.base import EXIT_OK, Cli, emit, private_option
from itexit.domain.errors import BadInput
from itexit.domain.statements import PropertyState
from itexit.domain.wording import count

if TYPE_CHECKING:
    from itexit.domain.statements import Statement, StatementListing
    from itexit.services.session import UnlockedVault


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{text!r} is not a date; write it as YYYY-MM-DD.") from None


def _prepared(session: UnlockedVault, case: str) -> None:
    """HR's first command on a case starts its statement from the template."""
    if session.statements.status(case) is None:
        session.statements.prepare(case)


def _listing_row(item: StatementListing) -> dict[str, Any]:
    row = item.model_dump(mode="json", exclude={"id"})
    return {k: v for k, v in row.items() if v is not None}


def cmd_list(cli: Cli) -> int:
    session = cli.unlock()
    rows = [_listing_row(item) for item in session.statements.list()]
    emit(
        cli.args,
        rows,
        lambda rs: (
            "\n".join(
                f"{r['case_name']:<28} {r['status']:<8} "
                + (f"signed {r['signed_on']}" if r.get("signed_on") else "")
                + (
                    f"  {count(r['outstanding'], 'item')} outstanding"
                    if r.get("outstanding")
                    else ""
                )
                for r in rs
            )
            or "No exit statement has been prepared yet."
        ),
    )
    return EXIT_OK


def render(statement: Statement) -> str:
    lines = [
        f"{statement.title} — {statement.person} ({statement.case_name})",
        f"Status: {statement.status.value}"
        + (f", signed on {statement.signing.signed_on}" if statement.signing else "")
        + f"; text version {statement.template_version}; record version {statement.version}",
        "",
    ]
    for number, clause in enumerate(statement.clauses, start=1):
        lines += [f"{number}. {clause.title}", f"   {clause.text}", ""]
    lines += [f"{statement.practice_text_title}:", f"   {statement.practice_text or '-'}", ""]
    lines.append("Property:")
    lines += [
        f"   [{item.state.value:<11}] {item.name}"
        + (
            f" (after the signing, on {item.returned_on}, received by {item.received_by})"
            if item.after_signing
            else ""
        )
        for item in statement.property_items
    ] or ["   (none listed)"]
    lines.append("Passwords listed (kept in the vault, never shown):")
    lines += [
        f"   {p.system}{' (' + p.username + ')' if p.username else ''}: "
        + ("in the credential inventory" if p.in_inventory else "waiting for the IT consultant")
        for p in statement.passwords
    ] or ["   (none listed)"]
    if statement.signing:
        s = statement.signing
        lines += [
            "",
            f"Signed on {s.signed_on} by {s.signatory}, witnessed by {s.witness}.",
            f"Scanned signed copy {s.signed_copy.filename}, fingerprint (SHA-256) "
            f"{s.signed_copy.sha256}",
        ]
    return "\n".join(lines)


def cmd_show(cli: Cli) -> int:
    from itexit.domain.roles import Permission

    session = cli.unlock()
    if not session.can(Permission.HR_READ):
        listing = session.statements.status(cli.args.case)
        row = _listing_row(listing) if listing else {"status": "none"}
        emit(
            cli.args,
            row,
            lambda r: f"Exit statement: {r['status']} (its contents are HR records).",
        )
        return EXIT_OK
    statement = session.statements.get(cli.args.case)
    if cli.args.json:
        emit(cli.args, statement.model_dump(mode="json"), str)
    else:
        print(render(statement))
    return EXIT_OK


def cmd_edit(cli: Cli) -> int:
    from itexit.domain.statements import StatementEdit

    args = cli.args
    practice_text = None
    if args.practice_text_file:
        try:
            practice_text = Path(args.practice_text_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise BadInput(
                f"Cannot read the practice text file {args.practice_text_file}: {exc.strerror}."
            ) from None
    edit = StatementEdit(
        person=args.person,
        job_title=args.job_title,
        practice_text=practice_text,
        personal_return=args.personal_return,
    )
    if edit == StatementEdit():
        raise BadInput("Say what to change: --person, --job-title, --practice-text-file …")
    session = cli.unlock()
    _prepared(session, args.case)
    statement = session.statements.edit(args.case, edit)
    print(f"The exit statement for {statement.case_name} was updated ({statement.status.value}).")
    return EXIT_OK


def cmd_property(cli: Cli) -> int:
    args = cli.args
    session = cli.unlock()
    _prepared(session, args.case)
    service = session.statements
    if args.action == "add":
        statement = service.add_property(args.case, args.item, returned=args.returned)
    elif args.action == "remove":
        statement = service.remove_property(args.case, args.item)
    elif args.action == "returned" and service.get(args.case).read_only:
        from itexit.domain.statements import LateReturn

        late = LateReturn(
            returned_on=_date(args.on) if args.on else date.today(),
            received_by=args.received_by or "",
        )
        statement = service.return_after_signing(args.case, args.item, late)
        ref = args.item.strip().lower()
        item = next(i for i in statement.property_items if ref in (i.id, i.name.lower()))
        print(
            f"{item.name}: returned on {late.returned_on}, received by {item.received_by}; "
            "recorded after the signing (the signed statement stays as it was signed)."
        )
    else:
        if args.on or args.received_by:
            raise BadInput(
                "--on and --received-by are for an item returned after the statement was signed."
            )
        statement = service.set_property(args.case, args.item, returned=args.action == "returned")
    left = len(statement.outstanding)
    print(
        f"Property for {statement.case_name}: {count(len(statement.property_items), 'item')}, "
        f"{left} outstanding."
    )
    return EXIT_OK


def cmd_password(cli: Cli) -> int:
    from pydantic import SecretStr

    from itexit.domain.statements import NewListedPassword

    args = cli.args
    secret = cli.read_secret_file(args.secret_file, "password")
    session = cli.unlock()
    _prepared(session, args.case)
    statement = session.statements.add_password(
        args.case,
        NewListedPassword(
            system=args.system,
            username=args.username or "",
            secret=SecretStr(secret),
            note=args.note or "",
        ),
    )
    print(
        f"The password for {args.system} was sealed for the IT consultant to verify; "
        f"{count(len(statement.passwords), 'password')} listed for {statement.case_name}. "
        f"Delete {args.secret_file} now."
    )
    return EXIT_OK


def cmd_pdf(cli: Cli) -> int:
    session = cli.unlock()
    result = session.statements.print_pdf(cli.args.case, Path(cli.args.out))
    print(
        f"Wrote {result.path} ({count(result.pages, 'page')}, fingerprint {result.sha256[:16]}…). "
        "Print it, have it signed in front of a witness, then run `itexit statement record`."
    )
    return EXIT_OK


def cmd_record(cli: Cli) -> int:
    from itexit.domain.statements import NewSigning

    args = cli.args
    path = Path(args.signed_copy)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"Cannot read the signed copy {path}: {exc.strerror}.") from None
    session = cli.unlock()
    statement = session.statements.record_signing(
        args.case,
        NewSigning(
            signed_on=_date(args.signed_on),
            witness=args.witness,
            signatory=args.signatory or "",
            copy_filename=path.name,
            copy_bytes=data,
        ),
    )
    signing = statement.signing
    assert signing is not None
    print(
        f"Recorded: {signing.signatory} signed on {signing.signed_on}, witnessed by "
        f"{signing.witness}. The signed copy is kept in the vault "
        f"(fingerprint {signing.signed_copy.sha256}); the statement is now read-only."
    )
    return EXIT_OK


def cmd_copy(cli: Cli) -> int:
    from itexit.io.statement_pdf import write_atomically

    session = cli.unlock()
    out = Path(cli.args.out)
    if out.exists():
        raise BadInput(f"{out} already exists; choose a new file name.")
    ref, data = session.statements.signed_copy(cli.args.case)
    write_atomically(out, data)
    print(f"Wrote the signed copy {ref.filename} to {out} (fingerprint {ref.sha256}).")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this area's subcommands to the parser."""
    statements = sub.add_parser(
        "statement", help="the HR exit statement: prepare, print, record the signing"
    ).add_subparsers(dest="statement_command", metavar="ACTION", required=True)

    p = statements.add_parser("list", help="every exit statement and its status")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = statements.add_parser("show", help="the statement of a case (HR and managers)")
    p.add_argument("case", metavar="CASE", help="case id or the departing person's name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = statements.add_parser("edit", help="the person's details and the practice's own text")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--person", metavar="NAME", help="name as it should appear to sign")
    p.add_argument("--job-title", metavar="TEXT")
    p.add_argument("--practice-text-file", metavar="FILE", help="the practice's own terms")
    p.add_argument("--personal-return", metavar="TEXT", help="personal information to return")
    p.set_defaults(func=cmd_edit)

    p = statements.add_parser("property", help="the practice property list, item by item")
    p.add_argument("case", metavar="CASE")
    states = [state.value for state in PropertyState]
    p.add_argument("action", choices=["add", *states, "remove"])
    p.add_argument("item", metavar="ITEM", help="what it is, e.g. 'Laptop (asset 0142)'")
    p.add_argument("--returned", action="store_true", help="with add: already returned")
    p.add_argument(
        "--on", metavar="YYYY-MM-DD", help="after the signing: the day it was handed back"
    )
    p.add_argument("--received-by", metavar="NAME", help="after the signing: who took it back")
    p.set_defaults(func=cmd_property)

    p = statements.add_parser(
        "password", help="seal a password the person lists, for the IT consultant to verify"
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("--system", required=True, metavar="NAME")
    private_option(p, "--username", "user name")
    p.add_argument("--secret-file", required=True, metavar="FILE", help="file holding it")
    private_option(p, "--note", "note", multiline=True)
    p.set_defaults(func=cmd_password)

    p = statements.add_parser("pdf", help="write the statement as a printable PDF")
    p.add_argument("case", metavar="CASE")
    p.add_argument("out", metavar="OUT.pdf")
    p.set_defaults(func=cmd_pdf)

    p = statements.add_parser("record", help="record the signing and keep the signed copy")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--signed-on", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--witness", required=True, metavar="NAME")
    p.add_argument("--signed-copy", required=True, metavar="FILE", help="the scanned copy")
    p.add_argument("--signatory", metavar="NAME", help="if not the person on the statement")
    p.set_defaults(func=cmd_record)

    p = statements.add_parser("copy", help="write out the signed copy kept in the vault")
    p.add_argument("case", metavar="CASE")
    p.add_argument("out", metavar="FILE")
    p.set_defaults(func=cmd_copy)
