"""Every screen speaks a practice manager's words: no jargon, internal name or bad count in any
snapshot, and help is headed with the screen's name in words."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from svg_rows import rows

import itexit.screens
from itexit.screens.base import ItexitModal, ItexitScreen
from itexit.screens.help import HELP_TITLES, help_title
from jargon import jargon_in

SNAPSHOTS = sorted(
    p
    for folder in ("tui", "widgets")
    for p in (Path(__file__).parents[1] / folder / "__snapshots__").rglob("*.svg")
)


def screen_text(svg: Path) -> str:
    return "\n".join(line[9:] for line in rows(svg.read_text()) if line[3:8] == "text ")


def test_there_are_snapshots_to_read() -> None:
    assert len(SNAPSHOTS) > 100


@pytest.mark.parametrize("svg", SNAPSHOTS, ids=lambda p: p.stem)
def test_no_snapshot_holds_jargon(svg: Path) -> None:
    assert jargon_in(screen_text(svg)) == []


@pytest.mark.parametrize(
    "text",
    [
        "The vault now uses key epoch 2; 299 records were re-encrypted under it.",
        "The vault has new keys (key set 2); 10 records were locked again with them.",
        "signed copy scan.pdf (SHA-256 e490290a6ce7…)",
        "4 finding(s) recorded.",
        "Cannot reach x: [Errno -2] Name or service not known.",
        "x Reconcile",
        "Help · FirstRun",
        "A viewer cannot do that (cred.reveal)",
        "A hr",
        "Status: locked out",
        "Verifier: manual",
        "1 renewals: 1 overdue",
        "None of the 1 vendors depends on the leaver.",
        "1 of 1 vendors are still tied",
        "18 Nov 25 09:00",
        "weekly · synced 23 Nov 09:00",
    ],
)
def test_the_words_the_practice_complained_of_are_caught(text: str) -> None:
    assert jargon_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "1 renewal: 1 overdue",
        "1 of 4 vendors is still tied",
        "Next review due 18 Nov 2026 09:00 · 1 process · 1 address",
        "gary@greenwayfp.example · An HR officer cannot see or copy a password",
        "Status: old refused",
    ],
)
def test_plain_words_pass(text: str) -> None:
    assert jargon_in(text) == []


def _screen_classes() -> list[type]:
    for info in pkgutil.walk_packages(itexit.screens.__path__, "itexit.screens."):
        importlib.import_module(info.name)
    found: list[type] = []
    todo: list[type] = [ItexitScreen, ItexitModal]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if not sub.__name__.startswith("_"):
                found.append(sub)
    return found


def test_every_screen_has_help_headed_in_words() -> None:
    classes = _screen_classes()
    assert len(classes) > 50
    missing = [cls.__name__ for cls in classes if cls.__name__ not in HELP_TITLES]
    assert missing == [], "add each screen's name in words to screens/help.py HELP_TITLES"
    for cls in classes:
        title = help_title(cls.__new__(cls))
        assert cls.__name__ not in title and jargon_in(title) == [], title
