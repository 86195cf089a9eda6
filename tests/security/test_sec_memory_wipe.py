"""Secrets in memory: after lock, no copy of the passphrase or of a revealed secret is left in
the process's memory, from the command line and from the app (scanned through /proc/self/mem).

The process under test never receives either secret in its own code or arguments: it gets a
prefix and a hash of each (`probe`), reads the passphrase from a file or a typed field, and
decrypts the secret from the vault.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

from tests.security.test_sec_memory import SCANNER

PROBES = """
import sys
PROBES = [(bytes.fromhex(p), bytes.fromhex(d), int(n)) for p, d, n in
          (arg.split(":") for arg in sys.argv[1:3])]
def report(stage):
    found = [copies([one]) for one in PROBES]
    print(stage, "PASSPHRASE", found[0], "SECRET", found[1], flush=True)
"""


def _probe_arg(value: str) -> str:
    raw = value.encode()
    return f"{raw[:8].hex()}:{hashlib.sha256(raw).hexdigest()}:{len(raw)}"


def _vault(tmp_path: Path) -> tuple[str, str, dict[str, str]]:
    """A vault with one credential; its passphrase and secret are made fresh for each run."""
    passphrase = "Wipe-me " + secrets.token_hex(12) + " plum ladder"
    secret = "Zx" + secrets.token_urlsafe(24) + "!q"
    env = {**os.environ, "ITEXIT_KDF_PROFILE": "test", "ITEXIT_HOME": str(tmp_path)}
    setup = (
        "import sys\nfrom pathlib import Path\n"
        "from itexit.domain.credentials import NewCredential\n"
        "from itexit.services.gateway import Gateway\n"
        "from itexit.services.location import VaultLocation\n"
        "gw = Gateway.open(VaultLocation(path=Path(sys.argv[1])))\n"
        "s = gw.create('Plum Practice', 'alice', sys.argv[2]).session\n"
        "s.credentials.add(NewCredential(system='EHR', username='u', secret=sys.argv[3]))\n"
        "s.lock()\n"
    )
    subprocess.run(
        [sys.executable, "-c", setup, str(tmp_path / "v.sqlite"), passphrase, secret],
        check=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    (tmp_path / "pass").write_text(passphrase + "\n")
    (tmp_path / "pass").chmod(0o600)
    return passphrase, secret, env


CLI = """
import atexit
from itexit.vault.memory import wipe
atexit.register(lambda: report("AFTER"))
sys.argv = ["itexit", "--vault", sys.argv[3], "--user", "alice", "--passphrase-file",
            sys.argv[4], "cred", "show", "EHR", "--field", "password"]
from itexit.launch import run
run()
"""


def test_the_command_line_leaves_no_copy_of_the_passphrase_or_the_secret(
    tmp_path: Path,
) -> None:
    """`cred show --field password` unlocks with a passphrase file, prints the secret and exits:
    at exit neither the passphrase nor the secret is anywhere in its memory."""
    passphrase, secret, env = _vault(tmp_path)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            SCANNER + PROBES + CLI,
            _probe_arg(passphrase),
            _probe_arg(secret),
            str(tmp_path / "v.sqlite"),
            str(tmp_path / "pass"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.stdout.startswith(secret + "\n"), done.stderr[-3000:]  # the secret was shown
    assert "AFTER PASSPHRASE 0 SECRET 0" in done.stdout, done.stdout


APP = """
import asyncio, gc
from pathlib import Path
from itexit.app import ItexitApp
from itexit.screens.credentials.screen import CredentialsScreen
from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation
from itexit.vault.memory import wipe
sys.path.insert(0, sys.argv[5])
from tests.tui.tui_steps import settle

async def main():
    gateway = Gateway.open(VaultLocation(path=Path(sys.argv[3])))
    app = ItexitApp(gateway.location, gateway=gateway)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.screen.query_one("#user").value = "alice"
        app.screen.query_one("#passphrase").focus()
        typed = bytearray(Path(sys.argv[4]).read_bytes().rstrip(b"\\n"))
        for code in typed:  # typed key by key, as a person would
            await pilot.press(chr(code) if chr(code) != " " else "space")
        wipe(typed)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CredentialsScreen), screen
        screen.table.focus()
        await pilot.press("s")
        await settle(pilot)
        report("REVEALED")
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert app.session is None, "the app did not lock"
        del screen
        gc.collect()
        report("LOCKED")

asyncio.run(main())
"""


def test_the_app_leaves_no_copy_of_the_passphrase_or_the_secret_once_locked(
    tmp_path: Path,
) -> None:
    """The real app, headless: the passphrase is typed key by key, the secret revealed on the
    credentials screen, then the vault locked; the process's memory is scanned while the
    secret shows (it is found) and after lock."""
    passphrase, secret, env = _vault(tmp_path)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            SCANNER + PROBES + APP,
            _probe_arg(passphrase),
            _probe_arg(secret),
            str(tmp_path / "v.sqlite"),
            str(tmp_path / "pass"),
            str(Path(__file__).parents[2]),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert "LOCKED" in done.stdout, done.stdout + done.stderr[-3000:]
    revealed = done.stdout.split("REVEALED", 1)[1].split()
    assert int(revealed[3]) >= 1, done.stdout  # the scan finds the secret while it shows
    assert "LOCKED PASSPHRASE 0 SECRET 0" in done.stdout, done.stdout


async def test_the_unlock_field_overwrites_only_what_it_made() -> None:
    """Values typed key by key are zeroed as they are replaced and when taken; a value the
    program set (which other code may hold) is left whole, and the field is emptied."""
    from textual.app import App, ComposeResult

    from itexit.screens.unlock import PassphraseInput

    class Form(App[None]):
        def compose(self) -> ComposeResult:
            yield PassphraseInput(password=True, id="p")

    shared = "".join(["kept ", "elsewhere"])
    async with Form().run_test() as pilot:
        field = pilot.app.query_one(PassphraseInput)
        field.focus()
        await pilot.press(*"typed")
        earlier = field.value
        await pilot.press("x")
        assert earlier == "\0" * 5  # the value replaced by the next key was overwritten
        typed = field.value
        taken = field.take()
        assert bytes(taken) == b"typedx" and typed == "\0" * 6 and field.value == ""
        field.value = shared
        assert bytes(field.take()) == b"kept elsewhere"
        assert shared == "kept elsewhere" and field.value == ""


def test_a_passphrase_file_that_is_not_text_gets_a_sentence(tmp_path: Path) -> None:
    _, _, env = _vault(tmp_path)
    bad = tmp_path / "bad"
    bad.write_bytes(b"\xff\xfe not text\n")
    bad.chmod(0o600)
    done = subprocess.run(
        [sys.executable, "-m", "itexit", "--vault", str(tmp_path / "v.sqlite"), "--user", "alice",
         "--passphrase-file", str(bad), "cred", "list"],
        capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode != 0
    assert f"The passphrase file {bad} is not UTF-8 text: save it as UTF-8." in done.stderr
    assert "Traceback" not in done.stderr
