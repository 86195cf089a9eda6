"""Real vaults for the TUI tests: a fresh practice, or the demo practice, in the test's tmp dir.

Each is built once per session with the clock frozen and copied per test (see `worlds.py`)."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_textual_snapshot import node_to_report_path
from snapshot_pairs import SizeShots, group_siblings, snapshot_comparer
from svg_rows import difference
from syrupy import SnapshotAssertion
from tui_steps import DEMO_MANAGER_PASSPHRASE, MANAGER, MANAGER_PASSPHRASE, PRACTICE
from worlds import Worlds

from itexit.services.demo import build_demo
from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sizes_apart: shoot each size of this screen from its own app run"
    )


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    group_siblings(items)


@pytest.fixture(scope="session")
def size_shots() -> SizeShots:
    return SizeShots()


@pytest.fixture
def snap_compare(
    snapshot: SnapshotAssertion, request: pytest.FixtureRequest, size_shots: SizeShots
) -> Callable[..., bool]:
    """pytest-textual-snapshot's comparison, with every size of a screen shot in one app run
    (see `snapshot_pairs.py`)."""
    return snapshot_comparer(snapshot, request, size_shots)


@pytest.fixture(scope="session")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Worlds:
    return Worlds(tmp_path_factory.mktemp("worlds"))


@pytest.fixture
def location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> VaultLocation:
    """A vault file named relative to the test's directory, so screens show a stable path."""
    monkeypatch.chdir(tmp_path)
    return VaultLocation(path=Path("v.sqlite"))


@pytest.fixture
def gateway(location: VaultLocation, worlds: Worlds) -> Iterator[Gateway]:
    """An opened gateway on an empty database (no vault created yet), its schema copied from
    the one the migrations built once per session."""
    assert location.path is not None
    worlds.empty(location.path)
    opened = Gateway.open(location)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def practice(gateway: Gateway, worlds: Worlds) -> Gateway:
    """A new practice with one manager, created through the service the set-up screen uses."""

    def build(gateway: Gateway) -> None:
        gateway.create(PRACTICE, MANAGER, MANAGER_PASSPHRASE).session.lock()

    return worlds.restore(gateway, "practice", build)


@pytest.fixture
def demo(gateway: Gateway, worlds: Worlds) -> Gateway:
    """The demo practice: two managers, a consultant, HR, an auditor and a leaving consultant."""

    def build(gateway: Gateway) -> None:
        result = build_demo(gateway)
        assert result.users[0].name == MANAGER
        assert result.users[0].passphrase == DEMO_MANAGER_PASSPHRASE

    return worlds.restore(gateway, "demo", build)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """When a snapshot does not match, print which rows changed, so a log alone explains it."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when != "call" or not report.failed or "snap_compare" not in item.fixturenames:
        return
    saved = node_to_report_path(item)
    if saved.exists():
        _, expected, actual, *_ = pickle.loads(saved.read_bytes())
        report.sections.append(("snapshot rows that differ", difference(expected, actual)))
