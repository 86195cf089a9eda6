"""No pydantic plugin installed in the environment sees the models (they carry secrets)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PLUGIN = """
import os
from pathlib import Path


class Spy:
    def new_schema_validator(self, schema, schema_type, schema_type_path, schema_kind,
                             config, plugin_settings):
        Path(os.environ["SPY_LOG"]).write_text(f"saw {schema_type.__name__}")
        return None, None, None


spy = Spy()
"""


def _run(tmp_path: Path, code: str) -> str:
    """Run `code` with a pydantic plugin installed (a package declaring the entry point);
    answer what the plugin saw."""
    site = tmp_path / "site"
    (site / "spy_plugin-1.0.dist-info").mkdir(parents=True)
    (site / "spy_plugin.py").write_text(PLUGIN, encoding="utf-8")
    info = site / "spy_plugin-1.0.dist-info"
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: spy-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pydantic]\nspy = spy_plugin:spy\n")
    log = tmp_path / "spy.log"
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    env |= {"PYTHONPATH": os.pathsep.join([str(site), *sys.path]), "SPY_LOG": str(log)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)
    return log.read_text() if log.exists() else ""


def test_a_plain_pydantic_model_is_seen_by_the_installed_plugin(tmp_path: Path) -> None:
    """The control: the plugin set up here is one pydantic really loads."""
    code = (
        "from pydantic import BaseModel\n"
        "class Secret(BaseModel):\n"
        "    value: str\n"
        "Secret(value='s3cret')\n"
    )
    assert _run(tmp_path, code) == "saw Secret"


def test_itexits_models_are_never_shown_to_a_plugin(tmp_path: Path) -> None:
    code = (
        "from itexit.domain.credentials import CredentialSummary\n"
        "from itexit.domain.base import Model\n"
        "class Secret(Model):\n"
        "    value: str\n"
        "Secret(value='s3cret')\n"
        "import pydantic.plugin._loader as loader\n"
        "assert not list(loader.get_plugins())\n"
    )
    assert _run(tmp_path, code) == ""
