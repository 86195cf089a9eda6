"""Test worlds: vault files built once per session and copied per test."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation


class Worlds:
    """Vault files built once per session and copied into each test that asks for the same one.

    A world is kept only when it was built with the clock frozen (``frozen_now``): then every
    test asking for it would build the very same vault, so a copy of the file (and of the app
    home, which holds the workstation's witness of the audit log) is that vault. With the clock
    running, each test builds its own, as the dates in it depend on the moment.
    """

    def __init__(self, root: Path) -> None:
        self._root = root

    def empty(self, vault: Path) -> None:
        """Put at ``vault`` a database holding the newest schema and nothing else.

        It is what opening a gateway on a new file makes (running every migration), made once per
        session and copied: opening a gateway on the copy finds its schema current.
        """
        saved = self._root / "empty.sqlite"
        if not saved.exists():
            building = self._root / "empty-building"
            building.mkdir()
            Gateway.open(VaultLocation(path=building / "vault.sqlite")).close()
            self._backup(building / "vault.sqlite", saved)
        shutil.copyfile(saved, vault)

    def restore(self, gateway: Gateway, name: str, build: Callable[[Gateway], object]) -> Gateway:
        """Give ``gateway``'s empty database the world ``name``, building it on first use."""
        instant = datetime.now()
        time.sleep(0.001)
        if datetime.now() != instant:  # the clock runs: nothing to share
            build(gateway)
            return gateway
        saved = self._root / f"{name}@{instant.isoformat()}"
        vault = gateway.location.path
        assert vault is not None
        if not saved.exists():
            build(gateway)
            gateway.close()
            self._save(vault, saved)
            return gateway
        gateway.close()  # it reconnects on next use, to the copied file
        for leftover in (vault, vault.with_name(vault.name + "-wal")):
            leftover.unlink(missing_ok=True)
        vault.with_name(vault.name + "-shm").unlink(missing_ok=True)
        shutil.copyfile(saved / "vault.sqlite", vault)
        shutil.copytree(saved / "home", os.environ["ITEXIT_HOME"], dirs_exist_ok=True)
        return gateway

    @staticmethod
    def _save(vault: Path, saved: Path) -> None:
        partial = saved.with_name(saved.name + ".partial")
        partial.mkdir()
        Worlds._backup(vault, partial / "vault.sqlite")
        shutil.copytree(os.environ["ITEXIT_HOME"], partial / "home")
        partial.rename(saved)

    @staticmethod
    def _backup(vault: Path, copy: Path) -> None:
        source = sqlite3.connect(vault)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # one consistent file, the write-ahead log included
        finally:
            target.close()
            source.close()
