"""Which vault to open: a SQLite file or a database URL, chosen by flag, environment or default."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from itexit import locations, settings


@dataclass(frozen=True)
class VaultLocation:
    """A SQLite file path or a SQLAlchemy URL (PostgreSQL for a shared vault)."""

    path: Path | None = None
    url: str | None = None

    @classmethod
    def resolve(cls, vault: str | None = None, db: str | None = None) -> VaultLocation:
        """Flags first, then `ITEXIT_DB` / `ITEXIT_VAULT`, then the default file in the data dir."""
        if db:
            return cls(url=db)
        if vault:
            return cls(path=Path(vault).expanduser())
        chosen = settings.current()
        if chosen.db:
            return cls(url=chosen.db)
        if chosen.vault is not None:
            return cls(path=chosen.vault)
        return cls(path=locations.default_vault_path())

    @classmethod
    def demo(cls) -> VaultLocation:
        """Where the app builds the demo practice: never the practice's own vault."""
        return cls(path=locations.demo_vault_path())

    @property
    def sqlalchemy_url(self) -> str:
        if self.url:
            return self.url
        assert self.path is not None
        from sqlalchemy.engine import URL

        return URL.create("sqlite", database=str(self.path)).render_as_string(hide_password=False)

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")

    def file_exists(self) -> bool | None:
        """For a file vault, whether it exists (cheap, no imports); None for a server URL."""
        if self.path is not None:
            return self.path.exists() and self.path.stat().st_size > 0
        if self.url and self.url.startswith("sqlite:///"):
            p = Path(self.url.removeprefix("sqlite:///"))
            return p.exists() and p.stat().st_size > 0
        return None

    def describe(self) -> str:
        if self.path is not None:
            return str(self.path)
        assert self.url is not None
        head, _, tail = self.url.rpartition("@")
        return f"{head.split('://')[0]}://…@{tail}" if head else self.url
