"""mbox import: a generated 20,000-message mbox into a real vault, against the stdlib parse alone.

End to end means everything `itexit mailbox import` does: find each message, parse and decode
its headers, classify, seal one AEAD document per message, insert in bulk, audit each batch.
The reference is the standard library reading the same file (`mailbox.mbox`) and parsing each
message's headers with `BytesHeaderParser` (compat32) — no decoding, storage or encryption.
Target: at least 12,000 messages per second end to end.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import format_datetime
from pathlib import Path

SENDERS = [
    (
        "Registrar <renewals@registrar.example.net>",
        "Your domain clinic.example expires in {n} days",
    ),
    ("Billing <billing@phoneco.example>", "Invoice {n} for your phone lines"),
    ("EHR Support <support@ehr.example.com>", "Ticket [#{n}] interface queue stalled"),
    ("Firewall <security@firewall.example>", "Security alert: {n} failed login attempts"),
    ("Weekly <news@weekly.example>", "This week: {n} tips"),
    ("Pat <pat@gmail.example>", "Dinner on Saturday? ({n})"),
    ("=?utf-8?q?Caf=C3=A9_Desk?= <desk@clinic.example>", "=?utf-8?q?R=C3=A9union_{n}?="),
]
BODY = (b"Hello,\n\nThis is a fictional message body of a few lines.\n" * 12) + b"\n"


def generate(path: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with path.open("wb") as out:
        for i in range(count):
            sender, subject = rng.choice(SENDERS)
            when = start + timedelta(minutes=rng.randrange(0, 500_000))
            head = [
                "From MAILER-DAEMON Thu Jan  1 00:00:00 2026",
                f"Return-Path: <bounce-{i}@mail.example>",
                f"Received: from mx{i % 9}.example by mail.clinic.example; {format_datetime(when)}",
                f"From: {sender}",
                "To: Gary Holt <gary@clinic.example>",
                f"Subject: {subject.format(n=rng.randrange(1, 9999))}",
                f"Date: {format_datetime(when)}",
                f"Message-ID: <bench-{i}@mail.example>",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8",
            ]
            if "news@" in sender:
                head += [
                    "List-Id: Weekly <weekly.example>",
                    "List-Unsubscribe: <https://weekly.example/u/1>, <mailto:leave@weekly.example>",
                    "Precedence: bulk",
                ]
            out.write("\n".join(head).encode() + b"\n\n" + BODY)


def stdlib_parse(path: Path) -> tuple[int, float, float]:
    import mailbox

    parser = BytesHeaderParser(policy=compat32)
    cpu = time.process_time()
    started = time.perf_counter()
    box = mailbox.mbox(str(path), create=False)
    n = 0
    for key in box.iterkeys():
        raw = box.get_bytes(key)
        parser.parsebytes(raw)
        n += 1
    box.close()
    return n, time.perf_counter() - started, time.process_time() - cpu


def header_parse_only(path: Path) -> tuple[int, float, float]:
    from itexit.io.mbox import mbox_header_blocks

    parser = BytesHeaderParser(policy=compat32)
    cpu = time.process_time()
    started = time.perf_counter()
    n = 0
    for block, _done, _total in mbox_header_blocks(path):
        parser.parsebytes(block)
        n += 1
    return n, time.perf_counter() - started, time.process_time() - cpu


def end_to_end(path: Path, workdir: Path) -> tuple[int, float, float]:
    os.environ.setdefault("ITEXIT_HOME", str(workdir / "home"))
    os.environ.setdefault("ITEXIT_KDF_PROFILE", "test")
    from itexit.domain.mailbox import NewMailbox
    from itexit.services.gateway import Gateway
    from itexit.services.location import VaultLocation

    vault = workdir / f"bench-{time.monotonic_ns()}.sqlite"
    gateway = Gateway.open(VaultLocation(path=vault))
    try:
        session = gateway.create("Bench Practice", "bench", "bench passphrase 1234").session
        session.mailboxes.add(
            NewMailbox(address="gary@clinic.example", name="gary", left_on=date(2026, 1, 2))
        )
        cpu = time.process_time()
        started = time.perf_counter()
        result = session.mailboxes.import_file("gary", path)
        elapsed = time.perf_counter() - started
        return result.added, elapsed, time.process_time() - cpu
    finally:
        gateway.close()


def median_run(
    runs: int, measure: Callable[[], tuple[int, float, float]]
) -> tuple[int, float, float, list[float]]:
    """The run with the median wall time, and every run's wall time (this machine varies)."""
    samples = sorted((measure() for _ in range(runs)), key=lambda r: r[1])
    n, wall, cpu = samples[len(samples) // 2]
    return n, wall, cpu, [r[1] for r in samples]


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--target", type=float, default=12_000.0, help="messages/s end to end")
    ap.add_argument("--runs", type=int, default=5, help="runs of each; the median is reported")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="itexit-bench-") as tmp:
        work = Path(tmp)
        path = work / "bench.mbox"
        generate(path, args.messages)
        size_mb = path.stat().st_size / 1e6
        n_std, t_std, c_std, _ = median_run(args.runs, lambda: stdlib_parse(path))
        n_hdr, t_hdr, c_hdr, _ = median_run(args.runs, lambda: header_parse_only(path))
        n_e2e, t_e2e, c_e2e, walls = median_run(args.runs, lambda: end_to_end(path, work))
    print(
        f"mbox import: {args.messages} messages, {size_mb:.1f} MB, median of {args.runs} runs "
        f"(os.getloadavg {_load()})"
    )
    print("                                            wall msg/s    CPU msg/s")
    rows = [
        ("stdlib mailbox.mbox + BytesHeaderParser", n_std, t_std, c_std),
        ("header blocks + BytesHeaderParser only", n_hdr, t_hdr, c_hdr),
        ("end to end into the vault (sealed, bulk)", n_e2e, t_e2e, c_e2e),
    ]
    for label, n, wall, cpu in rows:
        print(f"  {label:<41} {n / wall:10,.0f}   {n / cpu:10,.0f}")
    rates = " ".join(f"{n_e2e / w:,.0f}" for w in walls)
    print(f"  end to end, every run (msg/s, wall): {rates}")
    e2e_rate = n_e2e / t_e2e
    print(f"  ratio end-to-end / stdlib parse (wall): {e2e_rate / (n_std / t_std):.2f}")
    print(f"  ratio end-to-end / stdlib parse (CPU):  {(n_e2e / c_e2e) / (n_std / c_std):.2f}")
    ok = n_e2e == args.messages and e2e_rate >= args.target
    print(f"  target >= {args.target:,.0f} msg/s end to end (wall): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
