"""Several `itexit` commands in one process, each one's bytes caught at the file descriptors.

Usage: python cli_batch.py COMMANDS.json OUTDIR
COMMANDS.json holds a list of argument lists. Each runs through `itexit.cli.main` (a fresh
parser, gateway and unlock, as a separate `itexit` run would) with standard output and
standard error pointed, at the descriptor level, at OUTDIR/N.out and OUTDIR/N.err: every byte
the command writes, by whatever route, lands there. OUTDIR/codes.json holds the exit codes.
One process instead of one per command spares the start-up of each.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from itexit.cli import main


def run_one(argv: list[str], out: Path, err: Path) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with out.open("wb") as out_file, err.open("wb") as err_file:
        os.dup2(out_file.fileno(), 1)
        os.dup2(err_file.fileno(), 2)
        try:
            code = main(argv)
        except SystemExit as exc:  # a command line the parser refused ends the run, as alone
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
    return code


def run(commands: list[list[str]], outdir: Path) -> None:
    codes = [
        run_one(argv, outdir / f"{n}.out", outdir / f"{n}.err") for n, argv in enumerate(commands)
    ]
    (outdir / "codes.json").write_text(json.dumps(codes))


if __name__ == "__main__":
    run(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]))
