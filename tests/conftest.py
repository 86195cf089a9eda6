"""Shared fixtures: per-test isolation, the PostgreSQL server, database URLs, frozen time."""

from __future__ import annotations

import gc
import os
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from hypothesis import settings as hypothesis_settings

from pgserver import MISSING_BINARIES, PgServer, PgUnavailable
from servers.fixtures import *  # noqa: F403  (real loopback servers as fixtures)
from shared_css import share_parsed_css

# Keep the test modules pytest rewrites (for its assertion messages) in `__pycache__` even when
# the environment turns writing bytecode off: rewriting them all again costs every test process
# (each pytest-xdist worker too) several seconds of collection.
sys.dont_write_bytecode = False

# Never touch the real keyring of whoever runs the tests. Set at import time so it is
# in place before anything imports `keyring`.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

# Environment the app reads that must not leak in from the developer's shell.
_LEAKY_ENV = ("ITEXIT_VAULT", "ITEXIT_DB", "ITEXIT_USER", "ITEXIT_PASSPHRASE_FILE")

# Every app a test runs reuses the stylesheets parsed by the ones before it (see shared_css.py).
share_parsed_css()

FROZEN_AT = datetime(2026, 11, 23, 9, 0)  # local wall-clock time


def _pg_required() -> bool:
    return os.environ.get("ITEXIT_REQUIRE_PG", "").strip() not in ("", "0")


# The same examples on every run, so a suite that passed passes again; set
# HYPOTHESIS_PROFILE=explore to draw new ones when hunting for bugs.
hypothesis_settings.register_profile("repeatable", derandomize=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


# Fixtures of real servers on loopback. Under pytest-xdist (`-n 2 --dist loadgroup`) every test
# using one runs in the same worker, so each server starts once and no two workers race for ports.
# PostgreSQL is not among them: each worker starts its own throwaway cluster (see `pg_server`).
_SERVER_FIXTURES = frozenset(
    {
        "silent_server", "dovecot_server", "imap_user", "sshd_server", "ssh_login",
        "smtp_server", "smtp_user", "http_server", "http_user", "slapd_server", "ldap_user",
        "pg_login_server", "pg_role", "mariadb_server", "shell_sshd_server",
    }
)  # fmt: skip


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("servers"))


def _set_aside() -> None:
    """Leave every object alive now out of later garbage collections.

    Locking a vault runs a full collection, so no unreachable copy of a key outlives it; in
    this process that would otherwise walk every object the test framework, the libraries,
    and earlier tests hold, each time (tenths of a second per lock). What the test itself
    makes, its fixtures included, is still collected. Programs the tests run as subprocesses
    (the memory checks among them) are untouched.
    """
    gc.collect()
    gc.freeze()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _set_aside()


@pytest.fixture(autouse=True)
def _isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Give every test its own app home and a cheap KDF; drop settings from the outer env."""
    home = tmp_path / "itexit-home"
    home.mkdir()
    monkeypatch.setenv("ITEXIT_HOME", str(home))
    monkeypatch.setenv("ITEXIT_KDF_PROFILE", "test")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    for name in _LEAKY_ENV:
        monkeypatch.delenv(name, raising=False)
    # Files a test writes (passphrase files above all) are private, as a careful person's are:
    # a passphrase file others can read is warned about (tested with an explicit chmod).
    previous_umask = os.umask(0o077)
    yield home
    os.umask(previous_umask)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One real PostgreSQL server for the whole session (started on first use)."""
    try:
        server = PgServer.start()
    except PgUnavailable as exc:
        if _pg_required():
            pytest.fail(f"ITEXIT_REQUIRE_PG is set but PostgreSQL cannot run: {exc}")
        if str(exc) == MISSING_BINARIES:
            pytest.skip(
                "PostgreSQL binaries (initdb, pg_ctl) are not installed; "
                "set ITEXIT_REQUIRE_PG=1 to make this an error"
            )
        pytest.skip(f"{exc}; set ITEXIT_REQUIRE_PG=1 to make this an error")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to the newest schema once per server; tests get copies of it.

    Copying a template is a file copy inside the server, far quicker than running every
    migration again for each test. Nothing may stay connected to it, or the copy is refused.
    """
    from itexit.store.engine import make_engine
    from itexit.store.migrate import ensure_schema

    name = "itexit_template"
    engine = make_engine(pg_server.create_database(name))
    try:
        ensure_schema(engine, tmp_path_factory.mktemp("pg-template-backups"))
    finally:
        engine.dispose()
    return name


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLAlchemy URL of a new database; tests using it run on both backends.

    On SQLite the file does not exist yet. On PostgreSQL the database is a copy of the
    migrated template (opening it finds the schema current), unless the test is marked
    ``fresh_schema``, which gives it an empty one that the migrations build on open.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/vault.sqlite"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = f"itexit_test_{uuid.uuid4().hex[:16]}"
    if request.node.get_closest_marker("fresh_schema"):
        url = server.create_database(name)
    else:
        url = server.create_database(name, template=request.getfixturevalue("pg_template"))
    try:
        yield url
    finally:
        # Keep the session cluster small; FORCE also ends connections a test left open.
        try:
            server.drop_database(name)
        except Exception as exc:  # cleanup must not fail the test
            print(f"warning: could not drop test database {name}: {exc}")


class FrozenClock:
    """Time frozen (not ticking) at :data:`FROZEN_AT`; tests move it explicitly.

    Naive datetimes given to :meth:`move_to` are local wall-clock times, like
    :data:`FROZEN_AT` itself.
    """

    def __init__(self, traveller: time_machine.Coordinates) -> None:
        self._traveller = traveller

    @staticmethod
    def _local(when: datetime) -> datetime:
        return when.astimezone() if when.tzinfo is None else when

    def now(self) -> datetime:
        """The current (frozen) local time, naive."""
        return datetime.now()

    def move_to(self, when: datetime) -> None:
        self._traveller.move_to(self._local(when), tick=False)

    def shift(self, delta: timedelta | float) -> None:
        self._traveller.shift(delta)

    def advance(self, **kwargs: float) -> None:
        """``clock.advance(days=3, hours=2)``."""
        self.shift(timedelta(**kwargs))


@pytest.fixture
def frozen_now() -> Iterator[FrozenClock]:
    """Freeze time at 2026-11-23 09:00 local time for the test."""
    with time_machine.travel(FrozenClock._local(FROZEN_AT), tick=False) as traveller:
        yield FrozenClock(traveller)


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Every derivation started, whichever Argon2 runs it: the native build, argon2-cffi's
    context on fewer threads, or its standard call. Each entry names the route and the type."""
    import argon2.low_level

    from itexit.vault import argon2_native

    calls: list[dict[str, object]] = []
    real_hash, real_core = argon2.low_level.hash_secret_raw, argon2.low_level.core
    real_native = argon2_native.NativeArgon2.derive

    def counting_hash(**kwargs: object) -> bytes:
        calls.append({"route": "standard", **kwargs})
        return real_hash(**kwargs)  # type: ignore[arg-type]

    def counting_core(context: object, type_: int) -> int:
        calls.append({"route": "threads", "type": argon2.low_level.Type(type_)})
        return real_core(context, type_)

    def counting_native(
        self: argon2_native.NativeArgon2, secret: bytes, salt: bytes, **kwargs: int
    ) -> bytes | None:
        calls.append({"route": "native", "type": argon2.low_level.Type.ID, **kwargs})
        return real_native(self, secret, salt, **kwargs)

    argon2_native.available()  # its one-time check of the build is not a derivation
    # `kdf` imports argon2-cffi's functions when it calls them, so these are the ones it gets.
    monkeypatch.setattr(argon2.low_level, "hash_secret_raw", counting_hash)
    monkeypatch.setattr(argon2.low_level, "core", counting_core)
    monkeypatch.setattr(argon2_native.NativeArgon2, "derive", counting_native)
    return calls
