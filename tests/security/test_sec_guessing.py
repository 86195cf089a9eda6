"""Guessing passphrases: an unknown name costs the same derivation as a known one, and repeated
failures for one name make the next attempt wait, saying how long."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from itexit.domain.errors import AuthenticationFailed
from itexit.domain.roles import Role
from itexit.vault import kdf, keys
from vaulthelpers import CONSULTANT, CONSULTANT_PASS, MANAGER, MANAGER_PASS, Vault, new_vault


@pytest.fixture
def vault(tmp_path: Path) -> Any:
    v = new_vault(tmp_path / "v.sqlite")
    yield v
    v.close()


def test_an_unknown_name_costs_the_same_derivation_as_a_known_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # people whose passphrases cost more than the floor, as calibrated on a real machine
    costly = kdf.KdfParams(kdf.FLOOR_MEMORY_KIB + 8192, 3, 2, b"\0" * 16)
    monkeypatch.setattr(kdf, "profile_params", lambda profile=None: costly.with_new_salt())
    vault = new_vault(tmp_path / "costly.sqlite")
    derived: list[tuple[int, int, int]] = []
    real = kdf.derive

    def counting(passphrase: str, params: kdf.KdfParams) -> bytes:
        derived.append((params.memory_kib, params.time_cost, params.parallelism))
        return real(passphrase, params)

    monkeypatch.setattr(kdf, "derive", counting)
    monkeypatch.setattr(keys, "derive", counting)
    with pytest.raises(AuthenticationFailed) as known:
        vault.unlock(MANAGER, "not the passphrase at all 1")
    with pytest.raises(AuthenticationFailed) as unknown:
        vault.unlock("nobody-here", "not the passphrase at all 1")
    assert str(known.value) == str(unknown.value)
    assert derived == [(costly.memory_kib, 3, 2)] * 2
    vault.close()


def test_repeated_failures_make_the_next_attempt_wait(vault: Vault, frozen_now: Any) -> None:
    vault.manager.add_user(CONSULTANT, Role.CONSULTANT, CONSULTANT_PASS)
    for _ in range(5):  # five mistakes cost nothing more
        with pytest.raises(AuthenticationFailed, match="do not unlock"):
            vault.unlock(CONSULTANT, "wrong guess number one 11")
    with pytest.raises(AuthenticationFailed, match=r"wait 2 seconds, then try again") as waited:
        vault.unlock(CONSULTANT, CONSULTANT_PASS)  # even the right one, during the wait
    assert CONSULTANT_PASS not in str(waited.value)
    frozen_now.advance(seconds=3)
    with pytest.raises(AuthenticationFailed, match="do not unlock"):
        vault.unlock(CONSULTANT, "wrong guess number two 22")
    with pytest.raises(AuthenticationFailed, match=r"wait 4 seconds"):
        vault.unlock(CONSULTANT, CONSULTANT_PASS)
    # another person is not held up by someone guessing at this name
    assert vault.unlock(MANAGER, MANAGER_PASS).identity.name == MANAGER
    frozen_now.advance(minutes=10)
    assert vault.unlock(CONSULTANT, CONSULTANT_PASS).identity.name == CONSULTANT
    # a success starts the count again
    for _ in range(5):
        with pytest.raises(AuthenticationFailed, match="do not unlock"):
            vault.unlock(CONSULTANT, "wrong guess number three 33")


def test_the_wait_is_capped_and_names_nobody_who_does_not_exist(
    vault: Vault, frozen_now: Any
) -> None:
    for _ in range(20):
        frozen_now.advance(minutes=6)  # past any wait: 20 guesses in a row, each counted
        with pytest.raises(AuthenticationFailed):
            vault.unlock("mallory", "guess guess guess guess 44")
    with pytest.raises(AuthenticationFailed, match=r"wait 300 seconds") as waited:
        vault.unlock("mallory", "guess guess guess guess 44")
    assert "Too many wrong passphrases for mallory" in str(waited.value)
    home = Path(__import__("os").environ["ITEXIT_HOME"])
    assert oct((home / "unlock-failures.json").stat().st_mode & 0o777) == "0o600"
