"""The speed tricks the program keeps, timed with them and without them, where a person waits.

The program keeps a trick only where taking it out costs about 100 ms or more of a wait a
person feels (docs/architecture.md, "Speed work kept, with its figure"). Each variant runs in a
fresh process, the variants taking turns, and the best of `--runs` counts (on a busy machine
the best run is the least disturbed); the processor time beside it is steadier still. A
variant without a trick is the shipped program with that one trick patched out as the process
loads (`shipped, hooked` shows what the patching itself costs), so the program has no switch
for it.

- Command line: `itexit cred list` over a vault of 1,000 credentials with keys at this
  machine's calibrated settings, the passphrase in a file as a script gives it, with and
  without the cycle collector paused while the command's modules load (`cli.base`).
- Exposure ledger: `itexit exposure list` over the practice of `bench/exposures.py`, and the
  derivation alone in a process whose modules were not set aside (as in the app), with and
  without the collector held off while the exposures are built (`services.exposures`).
- App: the passphrase typed on the unlock screen to the dashboard ready for a key, over a vault
  of 10,000 credentials (the method of `bench/startup.py`, the key derivation left out), with
  the key bar (`widgets.keybar`) and with Textual's Footer in its place.

    .venv/bin/python bench/tricks.py [--runs 7] [--messages 20000] [--only cli,app,exposures]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

PASSPHRASE = "benchmark manager passphrase 2026"

PATCHER = r"""
import importlib.util, sys


class Patch:
    # Runs `patch` on the module `name` just after it has loaded, before anything uses it. The
    # finder imports nothing itself (an import inside a finder can deadlock another thread's).
    def __init__(self, name, patch):
        self.name, self.patch = name, patch

    def find_spec(self, name, path=None, target=None):
        if name != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module
        def exec_module(module):
            run(module)
            self.patch(module)
        spec.loader.exec_module = exec_module
        return spec


def patch(name, how):
    sys.meta_path.insert(0, Patch(name, how))


# The processor time the cycle collector takes, in the thread it runs in, told at the exit.
import atexit, gc, time
_collector = [0.0, 0.0]
def _collecting(phase, info):
    if phase == "start":
        _collector[1] = time.thread_time()
    else:
        _collector[0] += time.thread_time() - _collector[1]
gc.callbacks.append(_collecting)
atexit.register(lambda: sys.stderr.write(f"collector took {_collector[0]!r}\n"))
"""

VARIANTS: dict[str, str] = {
    "shipped": "",
    # the shipped program behind the same import hook the other variants use
    "shipped, hooked": """
patch("itexit.widgets.keybar", lambda module: None)
patch("itexit.cli", lambda module: None)
""",
    # the cycle collector left on while the command's modules load
    "collector on": """
patch("itexit.cli", lambda module: setattr(module, "pause_collector", lambda: None))
""",
    # the ledger derived with the collector on
    "ledger collector on": """
import contextlib
patch(
    "itexit.services.exposures",
    lambda module: setattr(module, "deriving", contextlib.nullcontext),
)
""",
    # Textual's own footer at the foot of every screen
    "Textual's Footer": """
def _footer(module):
    from textual.widgets import Footer
    class KeyBar(Footer):
        pass
    module.KeyBar = KeyBar
patch("itexit.widgets.keybar", _footer)
""",
}

COMMAND = "\nfrom itexit.launch import run\nrun()\n"


def command_seconds(variant: str, argv: list[str], env: dict[str, str]) -> float:
    """Process start to exit; the collector's time goes to `COLLECTOR`."""
    code = PATCHER + VARIANTS[variant] + COMMAND
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{variant}: {done.stderr}")
    collected = float(done.stderr.split("collector took ")[-1].split()[0])
    COLLECTOR.setdefault(variant, []).append(collected)
    return elapsed


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


COLLECTOR: dict[str, list[float]] = {}
"""The cycle collector's processor time per run of a command, by variant."""

CPU: dict[str, list[float]] = {}
"""Each variant's processor time (user and system, every thread) per run, by variant."""


def best_of(runs: int, variants: list[str], once: Callable[[str], float]) -> dict[str, float]:
    """The quickest of `runs` runs of each variant, the variants taking turns; the processor
    time of each run goes to `CPU`."""
    times: dict[str, list[float]] = {v: [] for v in variants}
    CPU.clear()
    COLLECTOR.clear()
    for _ in range(runs):
        for variant in variants:
            cpu = children_cpu()
            times[variant].append(once(variant))
            CPU.setdefault(variant, []).append(children_cpu() - cpu)
    return {v: min(t) for v, t in times.items()}


def report(title: str, best: dict[str, float]) -> None:
    """Each variant's best time beside the shipped one's, and its least processor time."""
    base = best["shipped"]
    cpu = {v: min(c) for v, c in CPU.items()}
    print(f"{title}")
    for variant, seconds in best.items():
        line = f"  {variant:<32} {seconds:7.3f} s"
        if variant != "shipped":
            line += f"  ({(seconds - base) * 1000:+6.0f} ms, x{seconds / base:.2f})"
        if variant in cpu:
            line = f"{line:<70} CPU {cpu[variant]:6.3f} s"
            if variant != "shipped" and "shipped" in cpu:
                line += f" ({(cpu[variant] - cpu['shipped']) * 1000:+5.0f} ms)"
        if variant in COLLECTOR:
            line += f"  collector {min(COLLECTOR[variant]) * 1000:4.0f} ms"
        print(line)


def credentials_vault(path: Path, credentials: int) -> None:
    """A vault with one manager (keys at this machine's calibrated settings) and `credentials`."""
    from pydantic import SecretStr

    from itexit.domain.credentials import Category, NewCredential
    from itexit.services.gateway import Gateway
    from itexit.services.location import VaultLocation

    gw = Gateway.open(VaultLocation(path=path))
    session = gw.create("Benchmark Practice", "manager", PASSPHRASE).session
    cats = list(Category)
    session.credentials.add_many(
        [
            NewCredential(
                system=f"System {i:05}",
                host=f"host{i}.example.net",
                category=cats[i % len(cats)],
                username=f"admin{i}",
                secret=SecretStr(f"secret-{uuid.uuid4()}"),
            )
            for i in range(credentials)
        ]
    )
    session.lock()
    gw.close()


def child_env(home: Path, vault: Path, user: str, passphrase: str) -> dict[str, str]:
    secret = home / f"{user}.pass"
    secret.write_text(passphrase)
    secret.chmod(0o600)
    env = dict(os.environ)
    env.update(
        ITEXIT_HOME=str(home),
        ITEXIT_VAULT=str(vault),
        ITEXIT_USER=user,
        ITEXIT_PASSPHRASE_FILE=str(secret),
    )
    env.pop("ITEXIT_DB", None)
    env.pop("ITEXIT_KEYRING", None)
    return env


def bench_cli(home: Path, runs: int) -> None:
    vault = home / "cli.sqlite"
    credentials_vault(vault, 1_000)
    env = child_env(home, vault, "manager", PASSPHRASE)
    variants = ["shipped", "shipped, hooked", "collector on"]
    best = best_of(runs, variants, lambda v: command_seconds(v, ["cred", "list"], env))
    report(f"itexit cred list (1,000 credentials), process start to exit, best of {runs}", best)


def bench_exposures(home: Path, runs: int, messages: int) -> None:
    from exposures import build

    workdir = home / "exposures"
    workdir.mkdir()
    os.environ["ITEXIT_KDF_PROFILE"] = "test"
    try:
        build(workdir, 10_000, messages)
    finally:
        del os.environ["ITEXIT_KDF_PROFILE"]
    env = child_env(home, workdir / "bench.sqlite", "maria", "bench passphrase 1234")
    variants = ["shipped", "ledger collector on"]
    argv = ["exposure", "list"]
    best = best_of(runs, variants, lambda v: command_seconds(v, argv, env))
    report(
        f"itexit exposure list (10,000 credentials, {messages:,} messages), "
        f"process start to exit, best of {runs}",
        best,
    )
    ledger = LEDGER.format(vault=str(workdir / "bench.sqlite"), rounds=runs)
    done = subprocess.run(
        [sys.executable, "-c", ledger], env=env, capture_output=True, text=True, check=True
    )
    shipped, collector_on = (float(x) for x in done.stdout.split())
    CPU.clear()
    COLLECTOR.clear()
    report(
        "the ledger's derivation alone, in a process that did not set its modules aside "
        "(as the app after its screens load)",
        {"shipped": shipped, "ledger collector on": collector_on},
    )


LEDGER = r"""
import contextlib, time
from datetime import date
from pathlib import Path
import itexit.services.exposures.credentials as credentials
import itexit.services.ledger as ledger
from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation

session = Gateway.open(VaultLocation(path=Path({vault!r}))).unlock("maria", "bench passphrase 1234")
shipped = ledger.deriving
times = {{"on": [], "off": []}}
for _ in range({rounds}):
    for variant, deriving in (("on", shipped), ("off", contextlib.nullcontext)):
        ledger.deriving = credentials.deriving = deriving
        started = time.perf_counter()
        session.exposures.list(state="open", today=date.today())
        times[variant].append(time.perf_counter() - started)
print(min(times["on"]), min(times["off"]))
"""


def bench_app(home: Path, runs: int) -> None:
    from startup import CHILD, build_vault

    vault = home / "startup.sqlite"
    build_vault(vault)
    variants = ["shipped", "shipped, hooked", "Textual's Footer"]
    marks: dict[str, list[dict[str, float]]] = {v: [] for v in variants}

    def once(variant: str) -> float:
        import json

        code = PATCHER + VARIANTS[variant] + main_thread_cpu(CHILD)
        done = subprocess.run(
            [sys.executable, "-c", code, str(vault), PASSPHRASE, "typed", repr(time.time())],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise SystemExit(f"{variant}: {done.stderr}")
        mark: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        marks[variant].append(mark)
        return mark["enter_to_dashboard"] - mark["kdf"]

    best = best_of(runs, variants, once)
    report(
        f"app: passphrase entered -> dashboard ready (10,000 credentials, KDF left out), "
        f"best of {runs}",
        best,
    )
    CPU.clear()
    COLLECTOR.clear()
    ui = {v: min(m["ui_cpu"] for m in marks[v]) for v in variants}
    report("app: the same, the interface's own processor time (the KDF runs elsewhere)", ui)
    first_paint = {v: min(m["unlock_screen"] for m in marks[v]) for v in variants}
    report("app: process start -> unlock screen ready", first_paint)
    paint = {v: min(m["paint_cpu"] for m in marks[v]) for v in variants}
    report("app: the same, the interface's own processor time", paint)


def main_thread_cpu(child: str) -> str:
    """`bench/startup.py`'s child, also timing the processor time of the thread the interface
    runs in (steadier than the clock on a busy machine; the unlock derives in another)."""
    marks = {
        "        entered = time.time()\n": "        entered_cpu = time.thread_time()\n",
        '        marks["enter_to_dashboard"] = time.time() - entered\n': (
            '        marks["ui_cpu"] = time.thread_time() - entered_cpu\n'
        ),
        '        marks["unlock_screen"] = time.time() - started\n': (
            '        marks["paint_cpu"] = time.thread_time()\n'
        ),
    }
    for line, added in marks.items():
        assert line in child, line
        child = child.replace(line, line + added)
    return child


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--only", default="cli,app,exposures")
    args = parser.parse_args()
    chosen = set(args.only.split(","))
    with tempfile.TemporaryDirectory(prefix="itexit-bench-") as folder:
        home = Path(folder)
        os.environ["ITEXIT_HOME"] = str(home)
        if "cli" in chosen:
            bench_cli(home, args.runs)
        if "exposures" in chosen:
            bench_exposures(home, args.runs, args.messages)
        if "app" in chosen:
            bench_app(home, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
