"""The command word is found past the global options as the parser finds it
(`itexit.cli.command_typed`: only that command's area is loaded)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("argv", "options", "command"),
    [
        (["--vault", "v.sqlite", "--user", "ann", "cred", "list"],
         {"vault": "v.sqlite", "user": "ann"}, "cred"),
        (["--passphrase-file=pp", "--db=postgresql://h/x", "vendor", "list", "--json"],
         {"passphrase_file": "pp", "db": "postgresql://h/x"}, "vendor"),
        (["--user", "ann", "--user", "bob", "cred", "list"], {"user": "bob"}, "cred"),
        (["--user", "ann", "--help"], {"user": "ann"}, None),
        (["--pass", "pp", "cred"], {}, None),  # an abbreviation: the parser decides
        (["--user"], {}, None),
        (["--user", "ann"], {"user": "ann"}, None),  # no command: the app opens
        ([], {}, None),
    ],
)  # fmt: skip
def test_the_command_word_is_read_past_the_global_options_as_the_parser_does(
    argv: list[str], options: dict[str, str], command: str | None
) -> None:
    from itexit.cli import build_parser
    from itexit.io.command_line import global_options

    assert global_options(argv) == (options, command)
    if command is not None:  # what the parser makes of the same line agrees
        parsed, _rest = build_parser().parse_known_args(argv)
        assert {key: getattr(parsed, key) for key in options} == options
        assert parsed.command == command


@pytest.mark.parametrize(
    ("argv", "alone"),
    [
        ([], True),
        (["--user", "ann", "--vault=v.sqlite"], True),
        (["--user"], False),  # the parser says the value is missing
        (["--user", "ann", "--help"], False),
        (["-h"], False),
        (["cred", "list"], False),
    ],
)
def test_a_line_of_global_options_alone_opens_the_app(argv: list[str], alone: bool) -> None:
    from itexit.io.command_line import only_global_options

    assert only_global_options(argv) is alone


def test_opening_the_app_loads_no_area_commands_and_no_models() -> None:
    """The app's first screen waits for the command line to be read: the areas' commands (and
    the domain models their choices come from) load only for a command or for help."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import itexit.cli as cli\n"
        "cli.cmd_open = lambda _cli: 0  # the app itself is not started\n"
        "code = cli.main(['--user', 'ann'])\n"
        "areas = [m for m in sys.modules if m.removeprefix('itexit.cli.') in cli.AREAS]\n"
        "print(code, areas, 'pydantic' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["0", "[]", "False"]


def test_help_still_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    from itexit.cli import AREAS, main

    with pytest.raises(SystemExit):
        main(["--help"])
    listed = capsys.readouterr().out
    for commands in AREAS.values():
        for command in commands:
            assert command in listed
