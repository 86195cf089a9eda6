"""One of several processes working on one vault at once, each command as `itexit` runs it.

Usage: python concurrency_worker.py INDEX OPERATIONS DIR -- GLOBAL-OPTIONS...
Runs OPERATIONS commands in turn through `itexit.cli.main` (a fresh parser, gateway and unlock
each time, as separate `itexit` runs would) and writes DIR/worker-INDEX.json: each command,
its exit code and what it wrote to stderr.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

from itexit.cli import main

IMPORT_HEADER = (
    "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,"
    "login_totp\n"
)


def operations(index: int, count: int, work: Path) -> list[list[str]]:
    """A mix of reads, reveals, adds, imports and user changes, different for each worker."""
    newpass = work / "new.pp"
    ops: list[list[str]] = []
    added_user: str | None = None
    for n in range(count):
        kind = (index + n) % 7
        if kind == 0:
            ops.append(["cred", "show", "Shared0"])
        elif kind == 1:
            ops.append(["cred", "show", "Shared1", "--field", "password"])
        elif kind == 2:
            ops.append(["cred", "add", f"W{index}-{n}", "--no-secret"])
        elif kind == 3:
            csv = work / f"import-{index}-{n}.csv"
            csv.write_text(
                IMPORT_HEADER
                + "".join(
                    f",,login,I{index}-{n}-{k},,,0,https://i{k}.example.test,u{k},pw{k},\n"
                    for k in range(3)
                )
            )
            ops.append(["import", "bitwarden-csv", str(csv)])
        elif kind == 4:
            added_user = f"t{index}x{n}"
            ops.append(
                [
                    "user",
                    "add",
                    added_user,
                    "--role",
                    "viewer",
                    "--new-passphrase-file",
                    str(newpass),
                ]
            )
        elif kind == 5 and added_user is not None:
            ops.append(["user", "remove", added_user])
            added_user = None
        else:
            ops.append(["cred", "list"])
    return ops


def run(index: int, count: int, work: Path, global_options: list[str]) -> None:
    results = []
    for op in operations(index, count, work):
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = main([*global_options, *op])
        results.append({"op": op, "code": code, "stderr": err.getvalue()})
    (work / f"worker-{index}.json").write_text(json.dumps(results))


if __name__ == "__main__":
    split = sys.argv.index("--")
    run(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), sys.argv[split + 1 :])
