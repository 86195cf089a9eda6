"""Unlocking with a key derivation started before the store is loaded (`services.prederive`).

The early derivation may save time; it must never change who gets in. The gateway uses its key
only when it was made with the user's stored settings, a wrong passphrase is refused and
audited as before, and the early read of the file writes nothing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

from itexit.domain.errors import AuthenticationFailed, RollbackDetected
from itexit.services import prederive
from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation
from itexit.store.peek import user_kdf_params
from itexit.vault import kdf
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    MANAGER,
    MANAGER_PASS,
    Vault,
    counting_derive,
)

WRONG_PASS = "correct horse battery staple 43"


def test_an_early_derivation_unlocks_with_one_derivation(
    file_vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counting_derive(monkeypatch)
    early = prederive.start(file_vault.location, CONSULTANT, CONSULTANT_PASS)
    assert early is not None
    session = file_vault.gw.unlock(CONSULTANT, CONSULTANT_PASS, early)
    assert session.identity.name == CONSULTANT
    assert len(calls) == 1, "the gateway derived again instead of taking the early key"


def test_a_wrong_passphrase_derived_early_is_refused_and_audited(file_vault: Vault) -> None:
    early = prederive.start(file_vault.location, CONSULTANT, WRONG_PASS)
    assert early is not None
    with pytest.raises(AuthenticationFailed):
        file_vault.gw.unlock(CONSULTANT, WRONG_PASS, early)
    failures = file_vault.rows(
        "SELECT target FROM audit_events WHERE action = 'auth.failed' ORDER BY seq"
    )
    assert len(failures) == 1, "a refused early unlock was not audited once"


def test_an_early_key_for_other_settings_is_not_used(
    file_vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings changed between the early read and the unlock (or forged): derive afresh."""
    path = file_vault.path
    assert path is not None
    stored = user_kdf_params(path, CONSULTANT)
    assert stored is not None
    other = kdf.KdfParams(*stored).with_new_salt()
    early = kdf.Prederivation(CONSULTANT_PASS, other)
    calls = counting_derive(monkeypatch)
    session = file_vault.gw.unlock(CONSULTANT, CONSULTANT_PASS, early)
    assert session.identity.name == CONSULTANT
    assert calls == [kdf.KdfParams(*stored)]


def test_an_early_key_for_another_user_does_not_open_this_one(file_vault: Vault) -> None:
    """The manager's passphrase derived with the consultant's settings opens nothing."""
    early = prederive.start(file_vault.location, CONSULTANT, MANAGER_PASS)
    assert early is not None
    with pytest.raises(AuthenticationFailed):
        file_vault.gw.unlock(CONSULTANT, MANAGER_PASS, early)
    assert file_vault.gw.unlock(MANAGER, MANAGER_PASS).identity.name == MANAGER


def test_settings_below_the_floor_are_not_derived_early() -> None:
    weak = kdf.KdfParams(1024, 1, 1, b"\x00" * kdf.SALT_BYTES)
    early = kdf.Prederivation("anything", weak)
    assert early.key_for(weak) is None


def test_the_early_read_writes_nothing_and_knows_only_active_users(
    file_vault: Vault, tmp_path: Path
) -> None:
    path = file_vault.path
    assert path is not None
    file_vault.close()
    before = {p.name: p.stat().st_mtime_ns for p in path.parent.iterdir() if p.is_file()}
    content = path.read_bytes()
    assert user_kdf_params(path, CONSULTANT) is not None
    assert user_kdf_params(path, f"  {CONSULTANT} ") is not None
    assert user_kdf_params(path, "nobody") is None
    assert {p.name: p.stat().st_mtime_ns for p in path.parent.iterdir() if p.is_file()} == before
    assert path.read_bytes() == content
    conn = sqlite3.connect(path)
    conn.execute("UPDATE users SET status = 'removed' WHERE name = ?", (CONSULTANT,))
    conn.commit()
    conn.close()
    assert user_kdf_params(path, CONSULTANT) is None


@pytest.mark.parametrize(
    "content",
    [b"", b"not a database at all", b"SQLite format 3\x00" + b"\x00" * 200],
    ids=["empty", "text", "damaged"],
)
def test_no_early_start_for_a_file_that_is_not_a_vault(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "odd.sqlite"
    path.write_bytes(content)
    assert prederive.start(VaultLocation(path=path), MANAGER, MANAGER_PASS) is None
    assert path.read_bytes() == content
    assert prederive.start(VaultLocation(path=tmp_path / "missing.sqlite"), MANAGER, "x") is None


def test_no_early_start_for_a_server_vault() -> None:
    location = VaultLocation(url="postgresql+psycopg://u@127.0.0.1:1/none")
    assert prederive.start(location, MANAGER, MANAGER_PASS) is None


# --- the command line ---------------------------------------------------------------------------


def test_a_script_unlock_starts_deriving_before_the_command_runs(
    file_vault: Vault,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from itexit.cli import main
    from itexit.services.gateway import Gateway

    path = file_vault.path
    assert path is not None
    file_vault.close()
    secret = tmp_path / "passphrase"
    secret.write_text(CONSULTANT_PASS + "\n", encoding="utf-8")
    events: list[str] = []
    real_start, real_unlock = prederive.start, Gateway.unlock

    def recorded_start(*args: object) -> prederive.Early:
        events.append("derivation started")
        return real_start(*args)  # type: ignore[arg-type]

    def recorded_unlock(gateway: Gateway, *args: object) -> object:
        events.append("gateway unlocks")
        return real_unlock(gateway, *args)  # type: ignore[arg-type]

    from itexit.cli.base import Cli

    real_cli_unlock = Cli.unlock

    def recorded_cli_unlock(cli: Cli) -> object:
        events.append("command asks to unlock")
        return real_cli_unlock(cli)

    monkeypatch.setattr(prederive, "start", recorded_start)
    monkeypatch.setattr(Gateway, "unlock", recorded_unlock)
    monkeypatch.setattr(Cli, "unlock", recorded_cli_unlock)
    calls = counting_derive(monkeypatch)
    argv = ["--vault", str(path), "--user", CONSULTANT, "--passphrase-file", str(secret)]
    assert main([*argv, "cred", "list", "--json"]) == 0
    assert events == ["derivation started", "command asks to unlock", "gateway unlocks"]
    assert len(calls) == 1
    capsys.readouterr()

    secret.write_text(WRONG_PASS + "\n", encoding="utf-8")
    assert main([*argv, "cred", "list", "--json"]) == 3
    assert "do not unlock" in capsys.readouterr().err

    missing = [
        "--vault",
        str(path),
        "--user",
        CONSULTANT,
        "--passphrase-file",
        str(tmp_path / "none"),
    ]
    assert main([*missing, "cred", "list"]) == 2
    assert "Cannot read the passphrase file" in capsys.readouterr().err


# --- reads made before the passphrase arrives (`Gateway.prepare_unlock`) ---------------------


def _unlock_reads(gateway: Gateway, name: str, passphrase: str) -> dict[str, CacheStats]:
    """Unlock through `gateway`; for each table the unlock read, was its statement compiled?"""
    seen: dict[str, CacheStats] = {}

    def record(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        for table in ("users", "key_slots"):
            if statement.lstrip().upper().startswith("SELECT") and f"FROM {table} " in statement:
                seen.setdefault(table, context.cache_hit)

    event.listen(gateway.store.engine, "after_cursor_execute", record)
    try:
        gateway.unlock(name, passphrase)
    finally:
        event.remove(gateway.store.engine, "after_cursor_execute", record)
    return seen


def test_preparing_an_unlock_compiles_its_reads_and_writes_nothing(file_vault: Vault) -> None:
    path = file_vault.path
    assert path is not None
    events_before = file_vault.scalar("SELECT count(*) FROM audit_events")
    cold = Gateway.open(file_vault.location)
    try:  # a gateway that was not prepared compiles the unlock's reads as it unlocks
        assert set(_unlock_reads(cold, CONSULTANT, CONSULTANT_PASS).values()) == {
            CacheStats.CACHE_MISS
        }
    finally:
        cold.close()
    events_after_cold = file_vault.scalar("SELECT count(*) FROM audit_events")
    assert events_after_cold == events_before + 1  # that unlock was audited
    files = {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in path.parent.iterdir() if p.is_file()
    }
    prepared = Gateway.open(file_vault.location)
    try:
        prepared.prepare_unlock()
        after = {
            p.name: (p.read_bytes(), p.stat().st_mtime_ns)
            for p in path.parent.iterdir()
            if p.is_file()
        }
        assert after == files, "preparing an unlock changed a file"
        assert file_vault.scalar("SELECT count(*) FROM audit_events") == events_after_cold
        reads = _unlock_reads(prepared, CONSULTANT, CONSULTANT_PASS)
        assert reads == {"users": CacheStats.CACHE_HIT, "key_slots": CacheStats.CACHE_HIT}
    finally:
        prepared.close()


def test_preparing_a_replaced_vault_says_nothing_and_the_unlock_still_refuses(
    file_vault: Vault,
) -> None:
    head = file_vault.manager.verify_audit().head_seq
    file_vault.sql("DELETE FROM audit_events WHERE seq > :s", s=head - 2)
    gateway = Gateway.open(file_vault.location)
    try:
        gateway.prepare_unlock()  # the check is the unlock's to report, with its message
        with pytest.raises(RollbackDetected):
            gateway.unlock(MANAGER, MANAGER_PASS)
    finally:
        gateway.close()


# --- before the command line loads (`itexit.launch`) --------------------------------------------


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
def test_the_launch_reads_the_global_options_as_the_parser_does(
    argv: list[str], options: dict[str, str], command: str | None
) -> None:
    from itexit.cli import build_parser
    from itexit.launch import global_options

    assert global_options(argv) == (options, command)
    if command is not None:  # what the parser makes of the same line agrees
        parsed, _rest = build_parser().parse_known_args(argv)
        assert {key: getattr(parsed, key) for key in options} == options
        assert parsed.command == command


def _script_line(file_vault: Vault, tmp_path: Path, passphrase: str) -> list[str]:
    path = file_vault.path
    assert path is not None
    file_vault.close()
    secret = tmp_path / "passphrase"
    secret.write_text(passphrase + "\n", encoding="utf-8")
    return ["--vault", str(path), "--user", CONSULTANT, "--passphrase-file", str(secret)]


def test_a_derivation_started_at_launch_is_the_one_the_command_unlocks_with(
    file_vault: Vault,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from itexit.cli import main
    from itexit.launch import start_early

    argv = [*_script_line(file_vault, tmp_path, CONSULTANT_PASS), "cred", "list", "--json"]
    calls = counting_derive(monkeypatch)
    start_early(argv)
    assert len(calls) == 1  # under way before the command line is built
    assert main(argv) == 0
    assert len(calls) == 1, "the command derived again instead of taking the launch's key"
    assert '"system"' in capsys.readouterr().out


def test_a_launch_derivation_for_another_line_is_dropped(
    file_vault: Vault,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Started for one passphrase, then the command runs with another: the command's own
    derivation decides, and the launch's key is never used."""
    from itexit.cli import main
    from itexit.launch import start_early

    argv = _script_line(file_vault, tmp_path, CONSULTANT_PASS)
    calls = counting_derive(monkeypatch)
    start_early([*argv[:-1], str(tmp_path / "other"), "cred", "list"])
    assert calls == []  # that file does not exist: nothing started
    (tmp_path / "wrong").write_text(WRONG_PASS + "\n", encoding="utf-8")
    start_early([*argv[:-1], str(tmp_path / "wrong"), "cred", "list"])
    assert len(calls) == 1
    assert main([*argv, "cred", "list", "--json"]) == 0
    assert len(calls) == 2
    assert prederive.claim(file_vault.location, CONSULTANT, WRONG_PASS) is None  # once only
    capsys.readouterr()


@pytest.mark.parametrize(
    "tail",
    [["init", "--practice", "P"], ["--help"], []],
    ids=["init", "help", "the-app"],
)
def test_nothing_starts_at_launch_for_a_line_that_unlocks_nothing_yet(
    file_vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tail: list[str]
) -> None:
    from itexit.launch import start_early

    calls = counting_derive(monkeypatch)
    start_early([*_script_line(file_vault, tmp_path, CONSULTANT_PASS), *tail])
    assert calls == []


def test_the_launch_starts_the_derivation_before_loading_the_command_line(
    file_vault: Vault, tmp_path: Path
) -> None:
    import subprocess
    import sys

    argv = [*_script_line(file_vault, tmp_path, CONSULTANT_PASS), "cred", "list"]
    code = (
        "import sys\n"
        "from itexit.launch import start_early\n"
        f"start_early({argv!r})\n"
        "from itexit.services import prederive\n"
        "print(prederive._begun is not None,"
        " sorted(m for m in sys.modules if m in ('argparse', 'itexit.cli', 'sqlalchemy')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.split(maxsplit=1) == ["True", "[]\n"]
