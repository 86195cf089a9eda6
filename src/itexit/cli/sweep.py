"""`itexit sweep`: read the practice's own servers for access that outlives a password."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itexit.cli.base import EXIT_FOUND, EXIT_OK, Cli, emit
from itexit.domain.errors import BadInput
from itexit.domain.sweep import FindingStatus

if TYPE_CHECKING:
    from itexit.domain.sweep import Finding, HostReport


def _finding_row(item: Finding) -> dict[str, Any]:
    return {
        "id": item.id,
        "host": item.host,
        "system": item.system,
        "kind": item.kind.value,
        "severity": item.severity.value,
        "status": item.status.value,
        "subject": item.subject,
        "why": item.why,
        "closes": item.closes,
        "close_command": f"itexit sweep close {item.id[:8]}",
        "evidence": item.evidence,
        "note": item.note,
    }


def _render_findings(rows: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    host = None
    for row in rows:
        if row["host"] != host:
            host = row["host"]
            lines.append(f"\n{row['system'] or host}  ({host})")
        flag = "!" if row["severity"] == "alert" else "?"
        state = "" if row["status"] == "open" else f"  [{row['status']}]"
        lines.append(f"  {flag} {row['id'][:8]}  {row['subject']}{state}")
        lines.append(f"      {row['why']}")
        if row["status"] == "open":
            lines.append(f"      To close: {row['closes']}  ({row['close_command']})")
    return lines


def cmd_sweep(cli: Cli) -> int:
    args = cli.args
    session = cli.unlock()

    def progress(report: HostReport) -> None:
        if args.json:
            return
        state = "read" if report.reached else "NOT READ"
        print(f"  {report.host}: {state} in {report.seconds:.1f} s", file=sys.stderr)

    if not args.json:
        print("Sweeping…", file=sys.stderr)
    report = session.sweep.run(args.case, hosts=args.host or None, on_host=progress)
    rows = {
        "case_id": report.case_id,
        "hosts": [
            {
                "host": h.host,
                "system": h.system,
                "reached": h.reached,
                "seconds": h.seconds,
                "problems": h.problems,
                "findings": [_finding_row(f) for f in h.findings],
            }
            for h in report.hosts
        ],
    }

    def render(data: dict[str, Any]) -> str:
        lines: list[str] = []
        found = [f for h in data["hosts"] for f in h["findings"]]
        for h in data["hosts"]:
            for problem in h["problems"]:
                lines.append(f"Note: {problem}")
        lines += _render_findings(found)
        count = len(found)
        lines.append(
            f"\n{count} way{'s' if count != 1 else ''} in found on "
            f"{len(data['hosts'])} host{'s' if len(data['hosts']) != 1 else ''}."
            if count
            else "\nNothing found: no way in is left on the hosts read."
        )
        return "\n".join(lines).strip()

    emit(args, rows, render)
    return EXIT_FOUND if report.findings else EXIT_OK


def cmd_findings(cli: Cli) -> int:
    from itexit.domain.sweep import FindingStatus

    args = cli.args
    status = FindingStatus(args.status) if args.status != "all" else None
    items = cli.unlock().sweep.findings(args.case, status)
    rows = [_finding_row(f) for f in items]
    emit(args, rows, lambda r: "\n".join(_render_findings(r)).strip() or "No findings recorded.")
    return EXIT_FOUND if any(r["status"] == "open" for r in rows) else EXIT_OK


def cmd_hosts(cli: Cli) -> int:
    hosts = cli.unlock().sweep.hosts()
    rows = [h.model_dump() for h in hosts]
    emit(
        cli.args,
        rows,
        lambda r: (
            "\n".join(f"{h['host']:<34} {h['system']}" for h in r)
            or "No admin account is marked for the sweep (itexit cred sweep-admin ID)."
        ),
    )
    return EXIT_OK


def _confirm(question: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise BadInput("Closing changes the server: confirm with --yes.")
    if input(f"{question} [y/N] ").strip().lower() not in ("y", "yes"):
        raise BadInput("Nothing was changed.")


def cmd_close(cli: Cli) -> int:
    args = cli.args
    session = cli.unlock()
    item = session.sweep.finding(args.ref)
    print(f"{item.subject} on {item.host}\n  {item.closes}")
    _confirm("Close it on the server now?", args.yes)
    outcome = session.sweep.close(item.id)
    data = {
        "finding": _finding_row(outcome.finding),
        "done": outcome.done,
        "backup": outcome.backup,
        "proven": outcome.proven,
    }
    emit(
        args,
        data,
        lambda d: (
            f"Done: {d['done']}."
            + (f"\nBackup kept: {d['backup']}" if d["backup"] else "")
            + (
                "\nProven closed: a re-check no longer finds it."
                if d["proven"]
                else "\nNOT proven: a re-check still finds it; look at the host by hand."
            )
        ),
    )
    return EXIT_OK if outcome.proven else EXIT_FOUND


def cmd_recheck(cli: Cli) -> int:
    if cli.args.closed:
        if cli.args.ref:
            raise BadInput("Give a finding's ID or --closed, not both.")
        reopened = cli.unlock().sweep.recheck_closed()
        rows = [_finding_row(f) for f in reopened]
        emit(
            cli.args,
            rows,
            lambda r: (
                "\n".join(["FOUND AGAIN (put back after it was closed):", *_render_findings(r)])
                if r
                else "Every closed finding is still gone."
            ),
        )
        return EXIT_FOUND if reopened else EXIT_OK
    if not cli.args.ref:
        raise BadInput("Give the finding's ID, or --closed to re-check every closed finding.")
    item = cli.unlock().sweep.recheck(cli.args.ref)
    emit(
        cli.args,
        _finding_row(item),
        lambda r: (
            f"{r['subject']}: {r['status']}"
            + (" (proven closed)" if r["status"] == "closed" else "")
        ),
    )
    return EXIT_FOUND if item.status.value == "open" else EXIT_OK


def cmd_accept(cli: Cli) -> int:
    item = cli.unlock().sweep.accept(cli.args.ref, cli.args.why)
    emit(cli.args, _finding_row(item), lambda r: f"{r['subject']}: risk accepted ({r['note']}).")
    return EXIT_OK


def _key_texts(values: list[str]) -> list[str]:
    """Keys given as lines, fingerprints or files of public keys (one per line)."""
    out: list[str] = []
    for value in values:
        path = Path(value)
        if "/" in value or value.endswith(".pub"):
            try:
                text = path.read_text()
            except OSError as exc:
                raise BadInput(f"{value} cannot be read ({exc.strerror}).") from None
            out += [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
        else:
            out.append(value)
    return out


def cmd_person(cli: Cli) -> int:
    from itexit.services.sweep import known_key

    args = cli.args
    session = cli.unlock()
    since = None
    if args.since:
        try:
            since = date.fromisoformat(args.since)
        except ValueError:
            raise BadInput(f"{args.since!r} is not a date (YYYY-MM-DD).") from None
    changes: dict[str, Any] = {
        "accounts": args.account or [],
        "emails": args.email or [],
        "keys": [known_key(k, args.label or "") for k in _key_texts(args.key or [])],
        "trusted_keys": [
            known_key(k, args.label or "") for k in _key_texts(args.trusted_key or [])
        ],
        "practice_domains": args.domain or [],
        "since": since,
    }
    if any(v for v in changes.values()):
        identity = session.sweep.set_identity(args.case, **changes)
    else:
        identity = session.sweep.identity(args.case)
    data = identity.model_dump(mode="json")
    emit(
        args,
        data,
        lambda d: "\n".join(
            [
                f"The sweep looks for {d['name']}:",
                f"  accounts:        {', '.join(d['accounts']) or '—'}",
                f"  addresses:       {', '.join(d['emails']) or '—'}",
                "  their keys:      "
                + (", ".join(f"{k['fingerprint']} {k['label']}".strip() for k in d["keys"]) or "—"),
                f"  others' keys:    {len(d['trusted_keys'])}",
                f"  practice domains: {', '.join(d['practice_domains']) or '—'}",
                f"  recent after:    {d['since'] or '—'}",
            ]
        ),
    )
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sweep",
        help="read the practice's servers for keys, forwarding rules, accounts and sessions "
        "left to the departing person; exit 1 when something is found",
    )
    p.add_argument("--host", action="append", metavar="H", help="only this host (repeatable)")
    p.add_argument("--case", metavar="CASE", help="the departure case (default: the open one)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sweep)
    actions = p.add_subparsers(dest="sweep_command", metavar="ACTION")

    q = actions.add_parser("findings", help="findings recorded so far, grouped by host")
    q.add_argument("--case", metavar="CASE")
    statuses = [status.value for status in FindingStatus]
    q.add_argument("--status", default=FindingStatus.OPEN.value, choices=[*statuses, "all"])
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_findings)

    q = actions.add_parser("hosts", help="the hosts the sweep can read (marked admin accounts)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_hosts)

    q = actions.add_parser("close", help="close a finding on its server, then prove it closed")
    q.add_argument("ref", metavar="ID")
    q.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_close)

    q = actions.add_parser(
        "recheck",
        help="read the finding's host again (closed if gone); --closed: every closed finding, "
        "exit 1 when one is back (for cron, beside itexit watch)",
    )
    q.add_argument("ref", metavar="ID", nargs="?")
    q.add_argument("--closed", action="store_true")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_recheck)

    q = actions.add_parser("accept", help="leave a finding in place on purpose, saying why")
    q.add_argument("ref", metavar="ID")
    q.add_argument("--why", required=True)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_accept)

    q = actions.add_parser("person", help="what the sweep looks for: accounts, addresses, keys")
    q.add_argument("--case", metavar="CASE")
    q.add_argument("--account", action="append", metavar="NAME")
    q.add_argument("--email", action="append", metavar="ADDRESS")
    q.add_argument("--key", action="append", metavar="KEY|FILE", help="their public key")
    q.add_argument("--trusted-key", action="append", metavar="KEY|FILE", help="someone else's")
    q.add_argument("--label", help="whose key or which device (with --key)")
    q.add_argument("--domain", action="append", metavar="DOMAIN", help="a practice mail domain")
    q.add_argument("--since", metavar="YYYY-MM-DD", help="raise anything added after this day")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_person)
