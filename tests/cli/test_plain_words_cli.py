"""The command line speaks a practice manager's words: its help, its human output and the way
each exposure says it is closed."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import pytest

from itexit.cli import build_parser
from jargon import jargon_in


def _listed_help(parser: argparse.ArgumentParser, out: list[str]) -> list[str]:
    """The help of `parser` and of every command it lists (a former name kept working but no
    longer listed is left out, as `--help` leaves it out)."""
    out.append(parser.format_help())
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            listed = {choice.dest for choice in action._choices_actions}
            for name, sub in action.choices.items():
                if name in listed:
                    _listed_help(sub, out)
    return out


def test_every_command_s_help_is_in_plain_words() -> None:
    helps = _listed_help(build_parser(), [])
    assert len(helps) > 80
    assert jargon_in("\n".join(helps)) == []


def as_maria(vault: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **{k: v for k, v in vault.items() if k.startswith("ITEXIT_")}}
    unlock = ["--vault", vault["vault"], "--user", "maria", "--passphrase-file", vault["pp"]]
    return subprocess.run(
        [sys.executable, "-m", "itexit", *unlock, *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


@pytest.mark.parametrize(
    "command",
    [
        ("user", "list"),
        ("cred", "list"),
        ("cred", "list", "--status", "old-refused"),
        ("exposure", "list"),
        ("remind",),
        ("vendor", "list"),
        ("renewal", "list"),
        ("case", "list"),
        ("mailbox", "list"),
        ("audit", "verify"),
    ],
    ids=" ".join,
)
def test_human_output_is_in_plain_words(demo_vault: dict[str, str], command: tuple[str]) -> None:
    done = as_maria(demo_vault, *command)
    assert done.returncode in (0, 1), done.stderr
    assert done.stdout.strip()
    assert jargon_in(done.stdout + done.stderr) == []


def test_a_credential_whose_old_secret_was_refused_reads_so(demo_vault: dict[str, str]) -> None:
    listed = json.loads(as_maria(demo_vault, "cred", "list", "--json").stdout)
    refused = [c for c in listed if c["status"] == "locked_out"]  # the stored value stays
    assert refused
    shown = as_maria(demo_vault, "cred", "show", refused[0]["id"])
    assert shown.returncode == 0, shown.stderr
    assert "status: old refused" in shown.stdout
    assert "old refused at:" in shown.stdout and "checked: by " in shown.stdout
    assert jargon_in(shown.stdout) == []


def test_a_late_bound_task_names_the_work_that_closes_it(demo_vault: dict[str, str]) -> None:
    items = json.loads(as_maria(demo_vault, "exposure", "list", "--json").stdout)
    late = [e for e in items if e["kind"] == "critical_task"]
    remove = next(e for e in late if "Remove Gary Thistle" in e["subject"])
    # `task done` would be refused while the account is open: the hint is the real work
    assert remove["closes_with"] == "itexit user remove gary" and remove["app"] == "F3 users"
