"""The demo practice as a vault file, built once per module by the real command line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

MARIA = "maria-lantern-orchard-42"


@pytest.fixture(scope="module")
def demo_vault(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """`vault` and `pp` (maria's passphrase file), with the environment the CLI needs."""
    home = tmp_path_factory.mktemp("home")
    vault = home / "demo.sqlite"
    pp = home / "maria.pp"
    pp.write_text(MARIA + "\n")
    pp.chmod(0o600)  # a passphrase file others can read is warned about
    env = {"ITEXIT_HOME": str(home), "ITEXIT_KDF_PROFILE": "test"}
    done = subprocess.run(
        [sys.executable, "-m", "itexit", "--vault", str(vault), "demo"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "maria" in done.stdout and MARIA in done.stdout
    return {"vault": str(vault), "pp": str(pp), **env}
