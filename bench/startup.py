"""Start-up: process start to an interactive dashboard over a vault with 10,000 credentials.

The unlock KDF is timed separately and excluded from the headline figure; Textual's own import
time is printed beside it. The app runs headless (Textual's test driver) in a fresh process, and
the passphrase is typed on the unlock screen as a person would.

A screen counts as ready when it has been drawn and the messages queued by then have been
handled, so a key pressed at that moment is acted on at once. The script polls for that every
millisecond; it does not use Textual's wait-until-idle helper, which waits for 20 ms windows in
which the process used no CPU and so adds 20 to 60 ms of its own to every figure.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

CREDENTIALS = 10_000
PASSPHRASE = "benchmark manager passphrase 2026"
OUT = Path(__file__).with_name("out")

CHILD = r"""
import importlib.util, sys, time
started = float(sys.argv[4])  # wall clock just before the parent launched this interpreter
import asyncio, json
from pathlib import Path
from itexit.app import ItexitApp
from itexit.services.location import VaultLocation
imported = time.time()
kdf_seconds = 0.0


def timed(derive):
    def timed_derive(passphrase, params):
        global kdf_seconds
        t = time.perf_counter()
        try:
            return derive(passphrase, params)
        finally:
            kdf_seconds += time.perf_counter() - t
    return timed_derive


class TimeTheKdf:
    # The app loads the key-derivation module in the background; importing it here to wrap
    # `derive` would add its import to the first paint. Wrap it as the app loads it (before
    # `itexit.vault.keys` takes its own reference). The finder imports nothing itself: an
    # import made inside a finder can deadlock with another thread's imports.
    def find_spec(self, name, path=None, target=None):
        if name != "itexit.vault.kdf":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module
        def exec_module(module):
            run(module)
            module.derive = timed(module.derive)
        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, TimeTheKdf())

def drawn(app, screen_name, selector):
    # True once `screen_name` is the current screen and `selector` has been laid out. Textual
    # lays out and paints a screen in the same callback, so a widget with a region on the
    # current screen has been drawn.
    screen = app.screen
    if type(screen).__name__ != screen_name:
        return False
    return any(widget.region for widget in screen.query(selector))


async def main():
    app = ItexitApp(VaultLocation(path=Path(sys.argv[1])), user="manager")
    marks = {}
    wait_for_open = sys.argv[3] == "typed"
    async with app.run_test(headless=True, size=(120, 36)) as pilot:
        # Poll every millisecond; never wait for the process to look idle (Textual's test
        # helpers do, in windows of 20 ms, which would add their own time to each figure).
        while not drawn(app, "UnlockScreen", "#passphrase"):
            if time.time() - started > 60:
                raise SystemExit("the unlock screen was not drawn within a minute")
            await asyncio.sleep(0.001)
        await pilot.pause(0)  # the messages queued so far are handled: keys are taken at once
        marks["unlock_screen"] = time.time() - started
        if wait_for_open:  # a person takes seconds to type; the vault opens meanwhile
            while app.access.gateway is None or app.sub_title != "locked":
                await asyncio.sleep(0.001)
            while any(w.group == "vault-open" for w in app.workers):
                await asyncio.sleep(0.001)
            await pilot.pause()
        marks["vault_open"] = time.time() - started
        app.screen.query_one("#passphrase").value = sys.argv[2]
        entered = time.time()
        app.simulate_key("enter")
        while not drawn(app, "DashboardScreen", "DashboardTile Digits, DashboardTile .tile-count"):
            if time.time() - entered > 60:
                raise SystemExit("the dashboard was not drawn within a minute")
            await asyncio.sleep(0.001)
        marks["dashboard_drawn"] = time.time() - entered
        await pilot.pause(0)
        marks["dashboard"] = time.time() - started
        marks["enter_to_dashboard"] = time.time() - entered
    marks["import"] = imported - started
    marks["kdf"] = kdf_seconds
    print(json.dumps(marks))

asyncio.run(main())
"""


def build_vault(path: Path) -> None:
    """A vault with one manager and 10,000 sealed credentials, seeded in one transaction."""
    from pydantic import SecretStr

    from itexit.domain.credentials import Category, NewCredential
    from itexit.domain.roles import Scope
    from itexit.services.gateway import Gateway
    from itexit.services.location import VaultLocation
    from itexit.store.models import Credential, SecretVersion

    gw = Gateway.open(VaultLocation(path=path))
    session = gw.create("Benchmark Practice", "manager", PASSPHRASE).session
    ctx = session.ctx
    categories = list(Category)
    with ctx.transaction() as db:
        for i in range(CREDENTIALS):
            new = NewCredential(
                system=f"System {i:05d}",
                host=f"host{i}.example.net",
                category=categories[i % len(categories)],
                username=f"admin{i}",
                secret=SecretStr(f"secret-{uuid.uuid4()}"),
                known_to_departing=i % 3 == 0,
            )
            cred = Credential(
                id=str(uuid.uuid4()),
                system=new.system,
                host=new.host,
                category=new.category.value,
                known_to_departing=new.known_to_departing,
                rotation_due=new.known_to_departing,
                version=1,
            )
            secret = SecretVersion(
                id=str(uuid.uuid4()), credential_id=cred.id, stage="current", version=1
            )
            ctx.seal(cred, {"username": new.username, "notes": ""}, Scope.CRED)
            ctx.seal(secret, {"secret": new.secret.get_secret_value()}, Scope.CRED)
            db.add_all([cred, secret])
        ctx.record(db, "bench.seed", "benchmark", credentials=CREDENTIALS)
    gw.close()


def textual_import_seconds() -> float:
    code = "import time; t=time.perf_counter(); import textual.app; print(time.perf_counter()-t)"
    samples = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(3)
    ]
    return statistics.median(samples)


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="itexit-bench-"))
    os.environ["ITEXIT_HOME"] = str(home)
    vault = home / "startup.sqlite"
    started = time.perf_counter()
    build_vault(vault)
    print(
        f"startup: built a vault with {CREDENTIALS:,} credentials in "
        f"{time.perf_counter() - started:.1f} s ({vault.stat().st_size / 1e6:.1f} MB)"
    )
    straight = [child_run(vault, "straight") for _ in range(5)]
    typed = [child_run(vault, "typed") for _ in range(5)]

    def med(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    print(f"startup: process start -> unlock screen ready   {med(typed, 'unlock_screen'):.3f} s")
    print(f"startup: vault opened in the background by      {med(typed, 'vault_open'):.3f} s")
    enter_non_kdf = statistics.median(r["enter_to_dashboard"] - r["kdf"] for r in typed)
    drawn_non_kdf = statistics.median(r["dashboard_drawn"] - r["kdf"] for r in typed)
    print(f"startup: enter -> dashboard drawn, KDF excluded  {drawn_non_kdf:.3f} s")
    print(f"startup: enter -> dashboard ready, KDF excluded  {enter_non_kdf:.3f} s")
    print(f"startup: unlock KDF                              {med(typed, 'kdf'):.3f} s")
    interactive = med(typed, "unlock_screen") + enter_non_kdf
    print(
        f"startup: non-KDF time a person waits            {interactive:.3f} s  "
        "(first paint + enter->dashboard; target < 0.600 s)"
    )
    non_kdf = statistics.median(r["dashboard"] - r["kdf"] for r in straight)
    print(
        f"startup: straight through, no typing pause      {non_kdf:.3f} s  "
        "(process start -> dashboard, KDF excluded, passphrase entered at first paint)"
    )
    print(
        f"startup:   the same, KDF included               {med(straight, 'dashboard'):.3f} s  "
        "(the key is derived while the store loads)"
    )
    print(f"startup: itexit.app import                      {med(typed, 'import'):.3f} s")
    print(f"startup: textual.app import alone               {textual_import_seconds():.3f} s")


def child_run(vault: Path, mode: str) -> dict[str, float]:
    """One fresh process; its marks count from just before the interpreter was launched."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(vault), PASSPHRASE, mode, repr(time.time())],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=180,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    marks: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return marks


if __name__ == "__main__":
    main()
