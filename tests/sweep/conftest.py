"""Hosts with planted leftovers for the sweep tests, and a vault that knows the departing person."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from servers.certs import TestCA
from servers.common import serve, started
from servers.dovecot import DOVECOT_MISSING, DovecotUnavailable
from servers.sieveserver import SIEVE_MISSING, SieveServer
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


@pytest.fixture(scope="session")
def sieve_server(tls_ca: TestCA) -> Iterator[SieveServer]:
    """Dovecot with ManageSieve and a master (admin) user, for the session."""
    yield from serve(
        started(
            lambda: SieveServer.start(tls_ca),
            DovecotUnavailable,
            [DOVECOT_MISSING, SIEVE_MISSING],
            "Dovecot (ManageSieve)",
        )
    )
