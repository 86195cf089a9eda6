"""Hosts with planted leftovers for the sweep tests, and a vault that knows the departing person."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from servers.common import serve, started
from servers.sshd import NOT_ROOT, SSHD_MISSING, SshdUnavailable
from servers.sweephosts import Accounts, SweepSshd
from vaulthelpers import Vault, new_vault


@pytest.fixture
def sweep_accounts() -> Iterator[Accounts]:
    """The admin (uid 0) and the departing person's real Linux accounts, fresh for each test
    (closing findings locks the person's account); needs root."""
    accounts = started(Accounts.make, SshdUnavailable, [SSHD_MISSING, NOT_ROOT], "sshd")
    try:
        yield accounts
    finally:
        accounts.remove()


@pytest.fixture
def ssh_host(sweep_accounts: Accounts) -> Iterator[SweepSshd]:
    """A fresh sshd with nothing planted yet."""
    yield from serve(
        started(
            lambda: SweepSshd.start(sweep_accounts),
            SshdUnavailable,
            [SSHD_MISSING, NOT_ROOT],
            "sshd",
        )
    )


@pytest.fixture
def second_host(sweep_accounts: Accounts) -> Iterator[SweepSshd]:
    yield from serve(
        started(
            lambda: SweepSshd.start(sweep_accounts),
            SshdUnavailable,
            [SSHD_MISSING, NOT_ROOT],
            "sshd",
        )
    )


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    v = new_vault(tmp_path / "vault.sqlite")
    yield v
    v.close()
