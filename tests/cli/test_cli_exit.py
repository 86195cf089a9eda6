"""How a command ends: output flushed and complete, exit handlers run, failures to write
reported, threads awaited, and the cycle collector back on once the vault is open."""

from __future__ import annotations

import gc
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def python(code: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def cred_list(vault: dict[str, str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "itexit",
        "--vault",
        vault["vault"],
        "--user",
        "maria",
        "--passphrase-file",
        vault["pp"],
        "cred",
        "list",
        "--json",
    ]


def env_of(vault: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **{k: v for k, v in vault.items() if k.startswith("ITEXIT_")}}


def test_piped_output_arrives_whole(demo_vault: dict[str, str]) -> None:
    """Output to a pipe is block-buffered: all of it is flushed before the process leaves."""
    done = subprocess.run(
        cred_list(demo_vault), capture_output=True, text=True, env=env_of(demo_vault), timeout=120
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) >= 10 and all("system" in row for row in rows)
    # standard error holds at most the note that the demo's listed passwords wait
    assert re.fullmatch(r"(\d+ passwords? listed .* `itexit cred receive`\.\n)?", done.stderr)


def test_output_that_cannot_be_written_is_reported(demo_vault: dict[str, str]) -> None:
    """A full disk loses the listing: the command says so and exits 74, not 0."""
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            cred_list(demo_vault), stdout=full, stderr=subprocess.PIPE, text=True,
            env=env_of(demo_vault), timeout=120,
        )  # fmt: skip
    assert done.returncode == 74
    assert done.stderr == "itexit: The output could not be written (No space left on device).\n"
    assert "Traceback" not in done.stderr


def test_a_short_output_lost_at_the_end_is_reported_once(demo_vault: dict[str, str]) -> None:
    """Output small enough to sit in the buffer until the process leaves fails there."""
    command = [*cred_list(demo_vault)[:-3], "user", "list", "--json"]
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            command, stdout=full, stderr=subprocess.PIPE, text=True, env=env_of(demo_vault),
            timeout=120,
        )  # fmt: skip
    assert done.returncode == 74
    assert done.stderr == "itexit: The output could not be written (No space left on device).\n"


def test_a_reader_that_leaves_early_ends_the_command_quietly(demo_vault: dict[str, str]) -> None:
    process = subprocess.Popen(
        cred_list(demo_vault),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env_of(demo_vault),
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before the command has printed anything
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 1
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr


def test_exit_handlers_run_and_the_code_is_kept() -> None:
    done = python(
        """
        import atexit
        from itexit.cli import leave
        atexit.register(lambda: print("handler ran"))
        print("before", end=" ")
        leave(3)
        """
    )
    assert done.returncode == 3
    assert done.stdout == "before handler ran\n"


def test_a_running_thread_is_waited_for() -> None:
    """Only daemon threads are cut short; a thread still writing is awaited."""
    done = python(
        """
        import threading, time
        from itexit.cli import leave
        def late():
            time.sleep(0.3)
            print("thread finished")
        threading.Thread(target=late).start()
        leave(0)
        """
    )
    assert done.returncode == 0
    assert done.stdout == "thread finished\n"


def test_the_collector_is_back_once_the_vault_is_open(
    demo_vault: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from itexit.cli import main
    from itexit.cli.base import pause_collector

    monkeypatch.setenv("ITEXIT_HOME", demo_vault["ITEXIT_HOME"])
    monkeypatch.setenv("ITEXIT_KDF_PROFILE", "test")
    seen: list[bool] = []
    from itexit.services.credentials import service as credentials

    real = credentials.CredentialService.list

    def listing(self: credentials.CredentialService, *args: object) -> object:
        seen.append(gc.isenabled())
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(credentials.CredentialService, "list", listing)
    frozen_before = gc.get_freeze_count()
    pause_collector()
    try:
        assert not gc.isenabled()
        code = main(cred_list(demo_vault)[3:])
    finally:
        gc.enable()
    assert code == 0
    assert seen == [True]  # on again before the command did its work
    assert gc.get_freeze_count() > frozen_before  # what loaded is set aside for good
    gc.unfreeze()
    assert json.loads(capsys.readouterr().out)


def test_the_app_is_never_run_without_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    import itexit.cli as cli
    from itexit.cli.base import pause_collector

    seen: list[bool] = []
    monkeypatch.setattr(cli, "cmd_open", lambda _cli: seen.append(gc.isenabled()) or 0)
    pause_collector()
    try:
        assert cli.main([]) == 0
    finally:
        gc.enable()
    assert seen == [True]
    gc.unfreeze()


def test_the_console_script_leaves_through_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """`itexit` and `python -m itexit` start at `itexit.launch.run`, which ends in `cli.run`."""
    root = Path(__file__).parents[2]
    assert 'itexit = "itexit.launch:run"' in (root / "pyproject.toml").read_text()
    assert "from itexit.launch import run" in (root / "src/itexit/__main__.py").read_text()
    import itexit.cli
    from itexit import launch
    from itexit.settings import Settings

    def reached(settings: Settings | None = None) -> None:
        assert isinstance(settings, Settings)  # read once here, handed to the command line
        raise SystemExit(7)

    monkeypatch.setattr(itexit.cli, "run", reached)
    monkeypatch.setattr("sys.argv", ["itexit", "--help"])
    with pytest.raises(SystemExit) as left:
        launch.run()
    assert left.value.code == 7
