"""The `ITEXIT_*` variables: read in one place, at the entry point, into one settings object."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from itexit import locations, settings
from itexit.cli import main
from itexit.domain.errors import BadInput
from itexit.settings import Settings
from itexit.vault import keyring_cache

PASSPHRASE = "correct horse battery staple 42"
SRC = Path(__file__).resolve().parents[2] / "src" / "itexit"


def test_every_variable_is_read_into_its_field(tmp_path: Path) -> None:
    env = {
        "ITEXIT_HOME": str(tmp_path),
        "ITEXIT_VAULT": "~/practice.sqlite",
        "ITEXIT_DB": "postgresql+psycopg://itexit@db/itexit",
        "ITEXIT_USER": "ann",
        "ITEXIT_PASSPHRASE_FILE": "/run/pp",
        "ITEXIT_KEYRING": "1",
        "ITEXIT_KDF_PROFILE": "test",
        "ITEXIT_RDAP_BASE_URL": "http://127.0.0.1:9/rdap",
        "ITEXIT_OSC52": " Yes ",
        "HOME_UNRELATED": "x",
    }
    got = Settings.from_environment(env)
    assert got == Settings(
        home=tmp_path,
        vault=Path("~/practice.sqlite").expanduser(),
        db="postgresql+psycopg://itexit@db/itexit",
        user="ann",
        passphrase_file="/run/pp",
        keyring=True,
        kdf_profile="test",
        rdap_base_url="http://127.0.0.1:9/rdap",
        osc52=True,
    )
    # empty counts as unset; nothing set is the defaults
    assert Settings.from_environment({"ITEXIT_USER": "", "ITEXIT_KEYRING": ""}) == Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.user = "mallory"  # type: ignore[misc]


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_a_switch_neither_on_nor_off_is_refused_in_one_sentence(
    value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(BadInput, match=r"ITEXIT_KEYRING is set to .*set it to 1"):
        Settings.from_environment({"ITEXIT_KEYRING": value})
    monkeypatch.setenv("ITEXIT_OSC52", value)
    assert main(["user", "list"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("itexit: ITEXIT_OSC52 is set to") and "Traceback" not in err


def test_the_entry_points_settings_are_what_every_module_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The settings given to `main` win over the environment for the whole command, and are
    dropped when it returns."""
    monkeypatch.setenv("ITEXIT_KEYRING", "0")
    pp = tmp_path / "pp"
    pp.write_text(PASSPHRASE + "\n")
    pp.chmod(0o600)
    chosen = Settings(
        home=tmp_path / "elsewhere",
        vault=tmp_path / "given.sqlite",
        user="ann",
        passphrase_file=str(pp),
        kdf_profile="test",
    )
    assert main(["init", "--practice", "Lakeside Clinic"], settings=chosen) == 0
    assert "ann is its first manager" in capsys.readouterr().out
    assert (tmp_path / "given.sqlite").exists()
    assert main(["user", "list", "--json"], settings=chosen) == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)] == ["ann"]
    # the environment names no vault and no user: without the settings the command asks
    assert main(["user", "list"]) == 2
    assert "Give --user or ITEXIT_USER" in capsys.readouterr().err
    # in effect only while a command runs; afterwards modules read the environment again
    with settings.in_effect(Settings(keyring=True, home=tmp_path / "x")):
        assert keyring_cache.enabled() and locations.home() == tmp_path / "x"
    assert not keyring_cache.enabled()
    monkeypatch.setenv("ITEXIT_KEYRING", "on")
    assert keyring_cache.enabled()


def test_no_module_reads_an_itexit_variable_from_the_environment_itself() -> None:
    readers = re.compile(r"(environ|getenv)[^\n]*ITEXIT_|ITEXIT_[A-Z_]*\"?\s*\)?\s*in\s+os\.")
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.name != "settings.py" and readers.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    # the check itself finds such a read
    assert readers.search('name = os.environ.get("ITEXIT_USER")')
