"""The practice every exit-statement test starts from."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from statement_helpers import Practice, build_practice


@pytest.fixture
def practice(db_url: str, frozen_now: object) -> Iterator[Practice]:
    """On SQLite and PostgreSQL, with the clock frozen at 2026-11-23 09:00."""
    built = build_practice(db_url)
    try:
        yield built
    finally:
        built.vault.close()
