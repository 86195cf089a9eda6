"""The demo practice as a vault file, built once per session by the real command line and
copied for each module (the tests of a module share their copy, and may change it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MARIA = "maria-lantern-orchard-42"


@pytest.fixture(scope="session")
def _demo_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home holding `demo.sqlite`, made by `itexit demo` once for the session."""
    home = tmp_path_factory.mktemp("demo-home")
    vault = home / "demo.sqlite"
    done = subprocess.run(
        [sys.executable, "-m", "itexit", "--vault", str(vault), "demo"],
        capture_output=True,
        text=True,
        env={**os.environ, "ITEXIT_HOME": str(home), "ITEXIT_KDF_PROFILE": "test"},
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "maria" in done.stdout and MARIA in done.stdout
    assert not vault.with_name("demo.sqlite-wal").exists()  # one self-contained file to copy
    return home


@pytest.fixture(scope="module")
def demo_vault(tmp_path_factory: pytest.TempPathFactory, _demo_built: Path) -> dict[str, str]:
    """`vault` and `pp` (maria's passphrase file), with the environment the CLI needs."""
    home = tmp_path_factory.mktemp("home")
    shutil.copytree(_demo_built, home, dirs_exist_ok=True)
    vault = home / "demo.sqlite"
    pp = home / "maria.pp"
    pp.write_text(MARIA + "\n")
    pp.chmod(0o600)  # a passphrase file others can read is warned about
    env = {"ITEXIT_HOME": str(home), "ITEXIT_KDF_PROFILE": "test"}
    return {"vault": str(vault), "pp": str(pp), **env}
