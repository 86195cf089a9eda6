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


SCANNER = '''
import hashlib
from itexit.vault.memory import wipe


def probe(key):
    """What finds a copy of `key` without holding one: a prefix, and the hash of the whole."""
    return bytes(key[:8]), hashlib.sha256(key).digest(), len(key)


def copies(probes):
    found = 0
    with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as mem:
        for line in maps:
            fields = line.split()
            if "r" not in fields[1] or line.rstrip().endswith(("[vvar]", "[vsyscall]")):
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            # read into one buffer that is overwritten after: the scan leaves no copy itself
            data = bytearray(end - start)
            try:
                mem.seek(start)
                mem.readinto(data)
            except (OSError, ValueError, OverflowError):
                continue
            view = memoryview(data)
            for prefix, digest, size in probes:
                at = data.find(prefix)
                while at != -1:
                    found += hashlib.sha256(view[at : at + size]).digest() == digest
                    at = data.find(prefix, at + 1)
            view.release()
            wipe(data)
    return found
'''

SCAN = (
    """
import gc, hashlib, os, sys
from pathlib import Path
from itexit.domain.credentials import NewCredential
from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation
from itexit.vault.memory import held, wipe

gw = Gateway.open(VaultLocation(path=Path(sys.argv[1]) / "v.sqlite"))
first = gw.create("P", "alice", "correct horse battery staple 42").session
first.credentials.add(NewCredential(system="EHR", username="u", secret="s" * 12))
first.lock()
"""
    + SCANNER
    + """
total = 0
first_probes = None
for _ in range(6):
    session = gw.unlock("alice", "correct horse battery staple 42")
    session.credentials.list()
    session.credentials.detail("EHR")
    probes = [probe(key) for key in session.ctx.keys._keys.values()]
    private = held(session.ctx.actor.keys.private_bytes())
    probes.append(probe(private))
    wipe(private)
    if first_probes is None:  # every unlock holds the same keys: one look shows the probe works
        assert copies(probes) >= len(probes) - 1, "the probe finds the keys while unlocked"
        first_probes = probes
    assert sorted(probes) == sorted(first_probes), "an unlock held other keys"
    session.lock()
    del session
    gc.collect()
    total += copies(probes)
print("COPIES", total)
"""
)


def test_keys_are_overwritten_when_the_vault_locks(tmp_path: Path) -> None:
    """After lock, no copy of a scope key or of the person's private keys is left anywhere in
    the process's memory (scanned through /proc/self/mem), over several unlocks."""
    done = subprocess.run(
        [sys.executable, "-c", SCAN, str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "ITEXIT_KDF_PROFILE": "test", "ITEXIT_HOME": str(tmp_path)},
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert "COPIES" in done.stdout, done.stderr[-3000:]
    assert done.stdout.strip().endswith("COPIES 0"), done.stdout
