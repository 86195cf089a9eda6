"""Every size of a screen snapshot from one app run.

A screen test is written once and parametrized over ``size`` (80x24, 120x36, ...); each size is
its own test with its own SVG file. Building the world, starting the app and walking to the
screen is most of a test's time, and it is the same walk at every size. So the first test of a
set runs the app once at the first listed size, takes its screenshot, resizes the terminal to
each further size (as a person resizing their window does), lets the screen settle and takes
those too; the tests of the other sizes compare against the shots already taken.

The shots are always taken in the listed order, starting at the first size, whichever of the
tests runs first, so a test gives the same picture when run alone or with its siblings.
Siblings are kept on one pytest-xdist worker (see ``group_siblings``); a sibling that runs
elsewhere simply runs the app itself.

A screen whose picture after a resize is not the one it draws when started at that size (a
chart or form laid out once, a scroll position kept) is marked ``sizes_apart``: each of its
sizes then starts its own app, as before.
"""

from __future__ import annotations

import inspect
import pickle
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
from _pytest.mark.structures import ParameterSet
from pytest_textual_snapshot import (
    PseudoApp,
    PseudoConsole,
    SVGImageExtension,
    node_to_report_path,
)
from rich.console import Console
from syrupy import SnapshotAssertion
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input
from tui_steps import settle

Size = tuple[int, int]
RunBefore = Callable[[Pilot[Any]], Awaitable[None] | None]

SIZE_ARGUMENT = "size"
APART = "sizes_apart"


def sizes_of(item: pytest.Item) -> list[Size]:
    """The sizes a test is parametrized over, in the order listed; empty when it is not."""
    for mark in item.iter_markers("parametrize"):
        names = mark.args[0]
        if isinstance(names, str):
            names = [name.strip() for name in names.split(",")]
        if list(names) != [SIZE_ARGUMENT]:
            continue
        values = mark.args[1] if len(mark.args) > 1 else mark.kwargs["argvalues"]
        return [
            tuple(value.values[0]) if isinstance(value, ParameterSet) else tuple(value)
            for value in values
        ]
    return []


def sibling_key(item: pytest.Item) -> tuple[str, str, tuple[tuple[str, str], ...]] | None:
    """What a test shares with the same test at its other sizes: file, function, other
    parameters. None for a test not parametrized over sizes."""
    callspec = getattr(item, "callspec", None)
    if (
        item.get_closest_marker(APART) is not None
        or callspec is None
        or SIZE_ARGUMENT not in callspec.params
        or len(sizes_of(item)) < 2
    ):
        return None
    others = tuple(
        sorted((name, repr(value)) for name, value in callspec.params.items() if name != "size")
    )
    return (str(item.path), getattr(item, "originalname", item.name), others)


def group_siblings(items: Iterable[pytest.Item]) -> None:
    """Send the sizes of one screen test to the same pytest-xdist worker (``--dist loadgroup``),
    so that one app run serves them all."""
    for item in items:
        if "snap_compare" not in getattr(item, "fixturenames", ()):
            continue
        key = sibling_key(item)
        if key is not None and item.get_closest_marker("xdist_group") is None:
            path, function, others = key
            name = f"screens-{Path(path).stem}.{function}" + "".join(f"-{v}" for _, v in others)
            item.add_marker(pytest.mark.xdist_group(name))


async def _shot(pilot: Pilot[Any], title: str) -> str:
    """The screen once animations are over, as pytest-textual-snapshot takes it (titled with
    the app's title from before it ran), with text cursors held still and shown: a blinking
    one would be caught on or off depending on how long the steps took."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    return pilot.app.export_screenshot(title=title, simplify=True)


def screenshots(
    app: App[Any], sizes: Sequence[Size], press: Iterable[str], run_before: RunBefore | None
) -> dict[Size, str]:
    """Run ``app`` once at ``sizes[0]``, then resize it to each further size; an SVG per size."""
    keys = tuple(press)
    title = app.title

    async def auto_pilot(pilot: Pilot[Any]) -> None:
        if run_before is not None:
            result = run_before(pilot)
            if inspect.isawaitable(result):
                await result
        await pilot.pause()
        await pilot.press(*keys)
        shots: dict[Size, str] = {}
        for index, size in enumerate(sizes):
            if index:
                await pilot.resize_terminal(*size)
                await settle(pilot)
            shots[size] = await _shot(pilot, title)
        pilot.app.exit(shots)

    shots = app.run(headless=True, auto_pilot=auto_pilot, size=sizes[0])
    assert isinstance(shots, dict), "the app ended before every size was shot"
    return shots


class SizeShots:
    """Shots taken for a test's siblings, kept until each sibling asks for its own."""

    def __init__(self) -> None:
        self._waiting: dict[tuple[object, Size], str] = {}

    def take(
        self,
        item: pytest.Item,
        app: App[Any],
        size: Size,
        press: Iterable[str],
        run_before: RunBefore | None,
    ) -> str:
        key = sibling_key(item)
        sizes = sizes_of(item)
        if key is None or size not in sizes:
            return screenshots(app, [size], press, run_before)[size]
        waiting = self._waiting.pop((key, size), None)
        if waiting is not None:
            return waiting
        shots = screenshots(app, sizes, press, run_before)
        for other, svg in shots.items():
            if other != size:
                self._waiting[(key, other)] = svg
        return shots[size]


def snapshot_comparer(
    snapshot: SnapshotAssertion, request: pytest.FixtureRequest, shots: SizeShots
) -> Callable[..., bool]:
    """``snap_compare`` as pytest-textual-snapshot gives it, the shot coming from ``shots``."""
    svg_snapshot = snapshot.use_extension(SVGImageExtension)

    def compare(
        app: App[Any],
        press: Iterable[str] = (),
        terminal_size: Size = (80, 24),
        run_before: RunBefore | None = None,
    ) -> bool:
        node = request.node
        actual = shots.take(node, app, tuple(terminal_size), press, run_before)
        result = svg_snapshot == actual
        # what the plugin's failure report (and this suite's row diff) reads back
        index = (
            svg_snapshot._custom_index
            and svg_snapshot._execution_name_index.get(svg_snapshot._custom_index)
        ) or svg_snapshot.num_executions - 1
        executed = svg_snapshot.executions.get(index)
        exists = bool(executed and executed.final_data is not None)
        console = Console(legacy_windows=False, force_terminal=True)
        full_path, line_number, name = node.reportinfo()
        data = (
            result,
            str(svg_snapshot),
            actual,
            PseudoApp(PseudoConsole(console.legacy_windows, console.size)),
            full_path,
            line_number,
            name,
            inspect.getdoc(node.function) or "",
            "",
            exists,
        )
        node_to_report_path(node).write_bytes(pickle.dumps(data))
        return result

    return compare
