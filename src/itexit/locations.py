"""Where the app keeps its files: one place, platformdirs by default, environment overrides."""

from __future__ import annotations

from pathlib import Path

from itexit import settings

APP_NAME = "itexit"


def home() -> Path:
    """The app's data directory (`ITEXIT_HOME` overrides); created on first use, not on import."""
    override = settings.current().home
    if override is not None:
        return override
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def ensure_home() -> Path:
    path = home()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def default_vault_path() -> Path:
    return home() / "vault.sqlite"


def demo_vault_path() -> Path:
    """The made-up demo practice, kept apart from the practice's own vault."""
    return home() / "demo.sqlite"


def witness_path() -> Path:
    """Per-workstation record of the newest audit head seen for each vault."""
    return home() / "witness.json"


def backups_dir() -> Path:
    return home() / "backups"


def log_path() -> Path:
    return home() / "itexit.log"
