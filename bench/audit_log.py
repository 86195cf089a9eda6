"""The audit log viewer over a long record: opening it, and each filter, in the app.

A real vault whose record holds `--entries` signed entries (renewal checks, reveals and edits by
three people, and failed unlocks). Times, in process: the service's first page (what the
screen reads on opening) with no filter, by person, by words and by dates; then the app itself
from the key on the dashboard to the first page drawn, headless. Target: each page under 150 ms,
and opening the screen as quick on a long record as on a short one (compare `--entries 400`).

    .venv/bin/python bench/audit_log.py [--entries 12000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

MANAGER, MANAGER_PASS = "maria", "benchmark manager passphrase 2026"
PEOPLE = (("priya", "consultant", "benchmark consultant phrase 2026"),)


def build(workdir: Path, entries: int) -> object:
    os.environ.setdefault("ITEXIT_HOME", str(workdir / "home"))
    os.environ.setdefault("ITEXIT_KDF_PROFILE", "test")
    from itexit.domain.roles import Role
    from itexit.services.gateway import Gateway
    from itexit.services.location import VaultLocation

    gateway = Gateway.open(VaultLocation(path=workdir / "vault.sqlite"))
    manager = gateway.create("Bench Practice", MANAGER, MANAGER_PASS).session
    for name, role, passphrase in PEOPLE:
        manager.add_user(name, Role(role), passphrase)
    consultant = gateway.unlock(PEOPLE[0][0], PEOPLE[0][2])
    actions = ("renewal.check", "cred.reveal", "cred.edit", "vendor.edit")
    for session in (manager, consultant):
        ctx = session.ctx
        with ctx.transaction() as db:
            for number in range(entries // 2):
                ctx.record(db, actions[number % 4], f"System {number:05d}", note=f"entry {number}")
    manager.lock()
    consultant.lock()
    return gateway


def timed(call: object, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()  # type: ignore[operator]
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


async def app_open(gateway: object, rounds: int) -> float:
    from itexit.app import ItexitApp
    from itexit.screens.audit import AuditLogScreen
    from itexit.widgets.virtual_table import VirtualTable

    app = ItexitApp(gateway.location, gateway=gateway)  # type: ignore[attr-defined]
    samples = []
    async with app.run_test(size=(120, 36)) as pilot:
        while type(app.screen).__name__ != "UnlockScreen":
            await pilot.pause(0.01)
        await pilot.pause(0.2)
        for field, value in (("#user", MANAGER), ("#passphrase", MANAGER_PASS)):
            app.screen.query_one(field).focus()
            app.screen.query_one(field).value = value
            await pilot.pause()
        await pilot.press("enter")
        while type(app.screen).__name__ != "DashboardScreen":
            await pilot.pause(0.01)
        for _ in range(rounds):
            # the dashboard reads its counts again when shown: let it finish first, as a
            # person looking at it would
            await app.workers.wait_for_complete()
            await pilot.pause(0.2)
            started = time.perf_counter()
            await pilot.press("l")
            while not (
                isinstance(app.screen, AuditLogScreen)
                and app.screen.query_one("#audit-table", VirtualTable).row_count
            ):
                await asyncio.sleep(0.001)
            samples.append(time.perf_counter() - started)
            await pilot.press("escape")
            await pilot.pause()
    return statistics.median(samples) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=12_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        gateway = build(Path(tmp), args.entries)
        print(
            f"built a record of {args.entries:,} entries in {time.perf_counter() - started:.1f} s"
        )
        from itexit.domain.audit_words import AuditQuery

        log = gateway.unlock(MANAGER, MANAGER_PASS).audit_log  # type: ignore[attr-defined]
        today = date.today()
        for label, query in (
            ("first page, no filter", AuditQuery()),
            ("one person", AuditQuery(person="priya")),
            ("words (plain and system)", AuditQuery(text="revealed")),
            ("words (a system)", AuditQuery(text="System 00042")),
            ("date range", AuditQuery(since=today, until=today)),
        ):
            ms = timed(lambda q=query: log.page(q), args.rounds)
            print(f"  {label:<28} {ms:7.1f} ms  ({log.page(query).total:,} match)")
        ms = asyncio.run(app_open(gateway, args.rounds))
        print(f"  {'app: l to first page drawn':<28} {ms:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
