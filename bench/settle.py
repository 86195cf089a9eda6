"""What a person waits on when saving one credential in a large practice, and the settling in it.

After a change that can close what a bound checklist task waits for, the session settles: it
asks the exposure ledger which bound tasks the state now satisfies and completes them. This
times one credential save (a note edited, `CredentialService.update`) in the practice of
`bench/exposures.py` (10,000 credentials, a removed leaver with an open case), with the
settling as the app runs it, and with it switched off, and `ExposureLedger.settle()` alone;
then again once the leaver's exit statement is signed with a password listed and received but
not yet verified, so that the listed-passwords task waits on the credentials themselves.

    .venv/bin/python bench/settle.py [--credentials 10000] [--messages 10000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from exposures import build, timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    from datetime import date

    from pydantic import SecretStr

    from itexit.domain.credentials import CredentialEdit
    from itexit.domain.statements import NewListedPassword, NewSigning

    with tempfile.TemporaryDirectory(prefix="itexit-bench-") as folder:
        started = time.perf_counter()
        gateway, _ = build(Path(folder), args.credentials, args.messages)
        print(f"built the practice in {time.perf_counter() - started:.1f} s")
        session = gateway.unlock("maria", "bench passphrase 1234")  # type: ignore[attr-defined]
        ref = session.credentials.list()[0].id
        edits = iter(range(10**6))

        def save() -> object:
            note = f"edited {next(edits)}"
            return session.credentials.update(ref, CredentialEdit(notes=note))

        def measure(label: str) -> None:
            session.ctx.after_change = session._settle
            save()  # warm: every area's modules loaded, as in a session already in use
            with_settle, with_cpu, _ = timed(save, args.rounds)
            settle_only, settle_cpu, _ = timed(session.exposures.settle, args.rounds)
            session.ctx.after_change = None
            without, without_cpu, _ = timed(save, args.rounds)
            print(
                f"{label}: one credential save {with_settle:6.1f} ms (CPU {with_cpu:6.1f} ms) "
                f"with settling, {without:6.1f} ms (CPU {without_cpu:6.1f} ms) without; "
                f"settle() alone {settle_only:6.1f} ms (CPU {settle_cpu:6.1f} ms); "
                f"median of {args.rounds}"
            )

        measure("open case")
        case = "Gary Holt"
        session.statements.prepare(case)
        session.statements.add_password(
            case, NewListedPassword(system="Old NAS", secret=SecretStr("nas secret 77"))
        )
        session.statements.print_pdf(case, Path(folder) / "statement.pdf")
        session.statements.record_signing(
            case,
            NewSigning(
                signed_on=date.today(),
                witness="Hana",
                copy_filename="scan.pdf",
                copy_bytes=b"%PDF-1.4 scan",
            ),
        )
        session.receive_handovers()
        measure("statement signed, a listed password to verify")
        gateway.close()  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
