"""The exposure ledger over a large practice, in process: `exposure list` and the dashboard.

A real vault with 10,000 credentials (a third known to the leaver), 50 vendors (every fifth with
the leaver as account owner), 200 renewals (every tenth registered to his address) and 100,000
mailbox messages; the leaver had an itexit account and was removed, so every credential of his
time is to rotate again. Times `ExposureLedger.list()` (what `itexit exposure list` runs after
unlock) and the dashboard's summary after unlock, against the tiles alone (what the dashboard
read before the ledger). Target: `exposure list` under 150 ms.

    .venv/bin/python bench/exposures.py [--credentials 10000] [--messages 100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def build(workdir: Path, credentials: int, messages: int) -> tuple[object, object]:
    os.environ.setdefault("ITEXIT_HOME", str(workdir / "home"))
    os.environ.setdefault("ITEXIT_KDF_PROFILE", "test")
    from mbox_import import generate
    from pydantic import SecretStr

    from itexit.domain.checklist import CaseKind, NewCase
    from itexit.domain.credentials import Category, NewCredential
    from itexit.domain.mailbox import NewMailbox
    from itexit.domain.renewals import NewRenewal, RenewalKind
    from itexit.domain.roles import Role
    from itexit.domain.vendors import ContactFields, ContactRole, VendorFields
    from itexit.services.gateway import Gateway
    from itexit.services.location import VaultLocation

    today = date.today()
    gateway = Gateway.open(VaultLocation(path=workdir / "bench.sqlite"))
    session = gateway.create("Bench Practice", "maria", "bench passphrase 1234").session
    session.add_user("gary", Role.CONSULTANT, "gary passphrase 5678")
    cats = list(Category)
    session.credentials.add_many(
        [
            NewCredential(
                system=f"System {i:05}",
                host=f"host{i}.example.test",
                category=cats[i % len(cats)],
                username="admin",
                secret=SecretStr(f"secret-{i}"),
                known_to_departing=i % 3 == 0,
            )
            for i in range(credentials)
        ]
    )
    for i in range(50):
        owner = "gary@clinic.example" if i % 5 == 0 else f"owner{i}@clinic.example"
        session.vendors.add(
            VendorFields(name=f"Vendor {i:02}"),
            [ContactFields(name=f"Owner {i}", role=ContactRole.ACCOUNT_OWNER, email=owner)],
        )
    for i in range(200):
        session.renewals.add(
            NewRenewal(
                kind=RenewalKind.DOMAIN if i % 2 else RenewalKind.SUBSCRIPTION,
                vendor=f"Vendor {i % 50:02}",
                item=f"item-{i}.example",
                renewal_date=today + timedelta(days=30 + i),
                registrant_email="GARY@clinic.example" if i % 10 == 0 else "it@clinic.example",
            )
        )
    session.cases.create(
        NewCase(
            name="Gary Holt",
            kind=CaseKind.IT_EMPLOYEE,
            termination_date=today - timedelta(days=3),
            emails=["gary@clinic.example"],
            vault_user="gary",
        )
    )
    session.remove_user("gary")
    session.mailboxes.add(
        NewMailbox(address="gary@clinic.example", name="gary", left_on=today - timedelta(days=3))
    )
    mbox = workdir / "bench.mbox"
    generate(mbox, messages)
    session.mailboxes.import_file("gary", mbox)
    session.lock()
    return gateway, None


def timed(call: object, rounds: int) -> tuple[float, float, object]:
    """Median wall-clock and CPU milliseconds (the CPU time is steadier on a busy machine)."""
    times: list[float] = []
    cpu: list[float] = []
    result: object = None
    for _ in range(rounds):
        started, used = time.perf_counter(), time.process_time()
        result = call()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return statistics.median(times) * 1000, statistics.median(cpu) * 1000, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="itexit-bench-") as folder:
        workdir = Path(folder)
        started = time.perf_counter()
        gateway, _ = build(workdir, args.credentials, args.messages)
        print(f"built the practice in {time.perf_counter() - started:.1f} s")
        from itexit.services.areas import AREAS

        session = gateway.unlock("maria", "bench passphrase 1234")  # type: ignore[attr-defined]
        ledger = session.exposures
        today = date.today()
        ms, ms_cpu, items = timed(lambda: ledger.list(state="open", today=today), args.rounds)
        kinds: dict[str, int] = {}
        for item in items:  # type: ignore[attr-defined]
            kinds[item.kind] = kinds.get(item.kind, 0) + 1
        print(
            f"exposure list: {ms:6.1f} ms (CPU {ms_cpu:6.1f} ms) median of {args.rounds} "
            f"({len(items)} open: {kinds}) (target < 150 ms)"  # type: ignore[arg-type]
        )

        def tiles_only() -> object:
            return [t for area in AREAS for t in area.tiles(session.ctx, today)]

        before, before_cpu, _ = timed(tiles_only, args.rounds)
        after, after_cpu, _ = timed(lambda: session.dashboard(today), args.rounds)
        print(
            f"dashboard after unlock: tiles alone {before:6.1f} ms (CPU {before_cpu:6.1f} ms), "
            f"with the ledger {after:6.1f} ms (CPU {after_cpu:6.1f} ms)"
        )
        gateway.close()  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
