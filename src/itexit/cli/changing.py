"""`itexit cred rotate --all-due --auto`, `cred rotate auto ID`, `cred changer`, `itexit watch`.

Rotation that itexit carries out on the system itself, the campaign over every due credential,
and the watch that keeps re-testing the old secrets afterwards (for cron: exit 1 when an old
secret works again or a new one stopped working).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from itexit.cli.base import EXIT_FOUND, EXIT_OK, Cli, emit
from itexit.domain.changing import ChangeMethod
from itexit.domain.errors import BadInput
from itexit.domain.wording import count

if TYPE_CHECKING:
    from itexit.domain.changing import AutoRotation, AutoStep, WatchCheck
    from itexit.services.credentials.changing import ChangingService

_STEP_WORDS = {
    "save": "saving the new secret",
    "set": "setting it on the system",
    "test_new": "testing the new secret",
    "test_old": "testing that the old one fails",
    "done": "done",
}


def _service(cli: Cli) -> ChangingService:
    from itexit.services.credentials.changing import ChangingService

    return ChangingService(cli.unlock().ctx)


def _row(r: AutoRotation) -> dict[str, object]:
    return {
        "id": r.credential_id,
        "system": r.system,
        "done": r.done,
        "status": r.status.value,
        "reached": r.reached.value,
        "sentence": r.sentence,
        "connect_seconds": r.connect_seconds,
        "set_seconds": r.set_seconds,
        "verify_seconds": r.verify_seconds,
    }


def cmd_rotate(cli: Cli) -> int:
    """`cred rotate` without a step: the campaign, when asked for with both flags."""
    args = cli.args
    if not (args.all_due and args.auto):
        raise BadInput(
            "Give a step (start, confirm, auto ID), or --all-due --auto to let itexit rotate "
            "every due credential it can change itself."
        )
    service = _service(cli)
    quiet = args.json or not sys.stderr.isatty()

    def progress(done: int, total: int, item: AutoRotation) -> None:
        mark = "done" if item.done else "needs a person"
        line = f"[{done}/{total}] {item.system}: {mark}"
        if quiet:
            print(line, file=sys.stderr, flush=True)
        else:
            width = 24
            filled = round(width * done / max(total, 1))
            bar = "#" * filled + "-" * (width - filled)
            print(f"\r[{bar}] {line[:80]:<80}", end="", file=sys.stderr, flush=True)

    report = service.campaign(
        while_member=args.while_member, connections=args.connections, on_progress=progress
    )
    if not quiet and (report.done or report.needs_person):
        print(file=sys.stderr)
    data = {
        "done": [_row(r) for r in report.done],
        "needs_person": [_row(r) for r in report.needs_person],
        "manual": report.manual,
        "seconds": report.seconds,
    }

    def render(d: dict[str, list[dict[str, object]]]) -> str:
        lines = [
            f"Rotated and proven: {len(report.done)}. Needs a person: "
            f"{len(report.needs_person)}. Left to rotate by hand: {len(report.manual)}. "
            f"({report.seconds:.1f} s)"
        ]
        if report.done:
            lines.append("\nDone:")
            lines += [f"  - {r.sentence}" for r in report.done]
        if report.needs_person:
            lines.append("\nNeeds a person:")
            lines += [f"  - {r.sentence}" for r in report.needs_person]
        if report.manual:
            lines.append("\nRotate by hand (itexit cred rotate start ID, then confirm):")
            lines += [f"  - {m}" for m in report.manual]
        return "\n".join(lines)

    emit(args, data, render)
    return EXIT_FOUND if report.needs_person else EXIT_OK


def cmd_rotate_auto(cli: Cli) -> int:
    from itexit.domain.credentials import STATUS_LABELS

    service = _service(cli)

    def step(s: AutoStep) -> None:
        if not cli.args.json:
            print(f"  … {_STEP_WORDS[s.value]}", flush=True)

    result = service.auto_rotate(cli.args.ref, on_step=step)
    emit(
        cli.args,
        _row(result),
        lambda d: f"{result.sentence}\nStatus: {STATUS_LABELS[result.status]}.",
    )
    return EXIT_OK if result.done else EXIT_FOUND


def cmd_changer(cli: Cli) -> int:
    from itexit.domain.changing import ChangeMethod

    service = _service(cli)
    method = ChangeMethod(cli.args.method)
    summary = service.set_method(cli.args.ref, method, cli.args.admin)
    said = {
        ChangeMethod.PERSON: "a person sets its new secret by hand; itexit verifies",
        ChangeMethod.SELF: "itexit logs in as the account and changes its own password",
        ChangeMethod.ADMIN: "itexit changes it with the linked admin credential",
    }[method]
    print(f"{summary.system}: {said}.")
    return EXIT_OK


def cmd_watch(cli: Cli) -> int:
    from itexit.services.watch import WatchService

    args = cli.args
    session = cli.unlock()
    service = WatchService(session.ctx, spacing=args.spacing)
    if args.case is not None or args.days is not None:
        if args.case is None or args.days is None:
            raise BadInput("Give both --case CASE and --days N to set a watch period.")
        until = service.set_period(args.case, args.days)
        print(f"The watch runs until {until.isoformat()} for that case.")
        return EXIT_OK

    def progress(done: int, total: int, check: WatchCheck) -> None:
        if not args.json:
            print(f"[{done}/{total}] {check.sentence}", flush=True)

    report = service.run(on_check=progress)
    data = {
        "until": report.until.isoformat() if report.until else None,
        "checks": [c.model_dump(mode="json") for c in report.checks],
        "alarms": len(report.alarms),
    }

    def render(d: dict[str, object]) -> str:
        if report.until is None:
            return "No watch period is running: no case left within its watch period."
        head = (
            f"Checked {count(len(report.checks), 'old secret')}; the watch runs until "
            f"{report.until.isoformat()}."
        )
        if report.alarms:
            return (
                head
                + "\nNEEDS ACTION NOW:\n"
                + "\n".join(f"  - {c.sentence}" for c in report.alarms)
            )
        return head + " Every old secret is still refused."

    emit(args, data, render)
    return EXIT_FOUND if report.alarms else EXIT_OK


def register_cred(
    creds: argparse._SubParsersAction[argparse.ArgumentParser],
    rotate_parser: argparse.ArgumentParser,
    rotate: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """The campaign options on `cred rotate`, `cred rotate auto ID`, and `cred changer`."""
    rotate_parser.add_argument(
        "--all-due", action="store_true", help="every credential due for rotation"
    )
    rotate_parser.add_argument(
        "--auto", action="store_true", help="set the new secrets on the systems (with --all-due)"
    )
    rotate_parser.add_argument(
        "--while-member",
        action="store_true",
        help="rotate even though the departing person can still unlock the vault",
    )
    rotate_parser.add_argument(
        "--connections", type=int, default=4, help="systems worked on at once (default 4)"
    )
    rotate_parser.add_argument("--json", action="store_true")
    rotate_parser.set_defaults(func=cmd_rotate)
    p = rotate.add_parser("auto", help="rotate one credential on its system, end to end")
    p.add_argument("ref", metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_rotate_auto)

    p = creds.add_parser("changer", help="how a credential's secret is changed on its system")
    p.add_argument("ref", metavar="ID")
    p.add_argument("method", choices=[method.value for method in ChangeMethod])
    p.add_argument("--admin", metavar="ID", help="the admin credential that may change it")
    p.set_defaults(func=cmd_changer)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "watch", help="re-test that old secrets still fail (for cron); exit 1 on an alarm"
    )
    p.add_argument(
        "--spacing",
        type=float,
        default=2.0,
        help="seconds between one credential's checks and the next (default 2)",
    )
    p.add_argument("--case", metavar="CASE", help="set this case's watch period (with --days)")
    p.add_argument("--days", type=int, help="days after the termination date (default 180)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_watch)
