"""Reads made before a passphrase arrives (`Gateway.prepare_unlock`) decide nothing and write
nothing; the command word is found past the global options as the parser finds it.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

from itexit.domain.errors import RollbackDetected
from itexit.services.gateway import Gateway
from vaulthelpers import CONSULTANT, CONSULTANT_PASS, MANAGER, MANAGER_PASS, Vault

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


# --- the command word (`itexit.cli.command_typed`) ------------------------------------------


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
