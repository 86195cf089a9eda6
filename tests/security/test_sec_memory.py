"""Secrets in memory: no core dumps from the command line or the app."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

PROBE = """
import atexit, ctypes, resource, sys
def report():
    libc = ctypes.CDLL(None)
    core = resource.getrlimit(resource.RLIMIT_CORE)[0]
    print("CORE", core, "DUMPABLE", libc.prctl(3, 0, 0, 0, 0))
"""


def _run(script: str, tmp_path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env={**os.environ, "ITEXIT_KDF_PROFILE": "test"},
        stdin=subprocess.DEVNULL,
        timeout=120,
        cwd=tmp_path,
    )
    assert "CORE" in done.stdout, done.stderr[-2000:]
    return done.stdout


def test_the_command_line_never_dumps_core(tmp_path: Path) -> None:
    before = _run(PROBE + "report()\n", tmp_path)
    assert "DUMPABLE 1" in before  # a plain Python process would dump core
    out = _run(
        PROBE
        + "atexit.register(report)\n"
        + "sys.argv = ['itexit', 'template', 'list']\n"
        + "from itexit.launch import run\nrun()\n",
        tmp_path,
    )
    assert "CORE 0 DUMPABLE 0" in out


def test_the_app_never_dumps_core(tmp_path: Path) -> None:
    out = _run(
        PROBE
        + "from itexit.app import ItexitApp\n"
        + "ItexitApp.run = lambda self, *a, **k: report()\n"
        + f"sys.argv = ['itexit', '--vault', {str(tmp_path / 'v.sqlite')!r}]\n"
        + "from itexit.launch import run\nrun()\n",
        tmp_path,
    )
    assert "CORE 0 DUMPABLE 0" in out
    # and run_app alone (without the launcher) does the same
    out = _run(
        PROBE
        + "from itexit.app import ItexitApp, run_app\n"
        + "from itexit.services.location import VaultLocation\n"
        + "ItexitApp.run = lambda self, *a, **k: report()\n"
        + "from pathlib import Path\n"
        + f"run_app(VaultLocation(path=Path({str(tmp_path / 'v.sqlite')!r})))\n",
        tmp_path,
    )
    assert "CORE 0 DUMPABLE 0" in out
