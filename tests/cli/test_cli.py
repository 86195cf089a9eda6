"""The command line as scripts use it: real processes and vaults, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

MARIA = "maria-lantern-orchard-42"


def run(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "itexit", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def as_maria(vault: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in vault.items() if k.startswith("ITEXIT_")}
    return run(
        "--vault",
        vault["vault"],
        "--user",
        "maria",
        "--passphrase-file",
        vault["pp"],
        *args,
        env_extra=env,
    )


def test_user_list_json(demo_vault: dict[str, str]) -> None:
    done = as_maria(demo_vault, "user", "list", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {r["name"] for r in rows} >= {"maria", "omar", "priya", "hannah", "victor", "gary"}
    assert {r["role"] for r in rows} == {"manager", "consultant", "hr", "viewer"}


def test_wrong_passphrase_exits_3_with_one_sentence(
    demo_vault: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    bad.write_text("not the passphrase at all\n")
    bad.chmod(0o600)
    env = {k: v for k, v in demo_vault.items() if k.startswith("ITEXIT_")}
    done = run(
        "--vault",
        demo_vault["vault"],
        "--user",
        "maria",
        "--passphrase-file",
        str(bad),
        "user",
        "list",
        env_extra=env,
    )
    assert done.returncode == 3
    assert done.stderr.strip().count("\n") == 0
    assert "Traceback" not in done.stderr
    assert "not the passphrase" not in done.stderr + done.stdout


def test_bad_usage_exits_2(demo_vault: dict[str, str]) -> None:
    assert as_maria(demo_vault, "user", "add", "x y", "--role", "manager").returncode == 2
    done = run("user", "frobnicate")
    assert done.returncode == 2


def test_demo_refuses_to_overwrite_without_force(demo_vault: dict[str, str]) -> None:
    env = {k: v for k, v in demo_vault.items() if k.startswith("ITEXIT_")}
    done = run("--vault", demo_vault["vault"], "demo", env_extra=env)
    assert done.returncode == 2
    assert "--force" in done.stderr


def test_missing_passphrase_without_a_tty_is_bad_usage(demo_vault: dict[str, str]) -> None:
    env = {k: v for k, v in demo_vault.items() if k.startswith("ITEXIT_")}
    done = run("--vault", demo_vault["vault"], "--user", "maria", "user", "list", env_extra=env)
    assert done.returncode == 2
    assert "passphrase" in done.stderr


def test_init_then_add_remove_and_audit(tmp_path: Path) -> None:
    env = {"ITEXIT_HOME": str(tmp_path / "home"), "ITEXIT_KDF_PROFILE": "test"}
    vault = str(tmp_path / "v.sqlite")
    pp = tmp_path / "pp"
    pp.write_text("correct horse battery staple 42\n")
    new = tmp_path / "new"
    new.write_text("second manager strong passphrase 77\n")
    new.chmod(0o600)
    kit = tmp_path / "kit.txt"
    base = ["--vault", vault, "--user", "ann", "--passphrase-file", str(pp)]
    done = run(
        *base, "init", "--practice", "Lakeside Clinic", "--recovery-kit", str(kit), env_extra=env
    )
    assert done.returncode == 0, done.stderr
    assert kit.stat().st_mode & 0o777 == 0o600
    assert "ITX1-" in kit.read_text()
    assert (
        run(
            *base,
            "user",
            "add",
            "bo",
            "--role",
            "manager",
            "--new-passphrase-file",
            str(new),
            env_extra=env,
        ).returncode
        == 0
    )
    assert (
        run(
            *base,
            "user",
            "add",
            "cy",
            "--role",
            "consultant",
            "--new-passphrase-file",
            str(new),
            env_extra=env,
        ).returncode
        == 0
    )
    removed = run(*base, "user", "remove", "cy", env_extra=env)
    assert removed.returncode == 0, removed.stderr
    assert "The vault's keys were changed" in removed.stdout and "key set" not in removed.stdout
    verified = run("--vault", vault, "audit", "verify", env_extra=env)
    assert verified.returncode == 0, verified.stderr
    checkpoint = run(*base, "audit", "checkpoint", env_extra=env)
    head = json.loads(checkpoint.stdout)
    assert head["epoch"] == 2 and head["seq"] >= 5 and len(head["signature"]) == 128

    # recovery kit resets ann's passphrase
    reset = tmp_path / "reset"
    reset.write_text("recovered manager passphrase 31\n")
    reset.chmod(0o600)
    done = run(
        "--vault",
        vault,
        "user",
        "passwd",
        "ann",
        "--recovery-kit-file",
        str(kit),
        "--new-passphrase-file",
        str(reset),
        env_extra=env,
    )
    assert done.returncode == 0, done.stderr
    assert run(*base, "user", "list", env_extra=env).returncode == 3
    assert (
        run(
            "--vault",
            vault,
            "--user",
            "ann",
            "--passphrase-file",
            str(reset),
            "user",
            "list",
            env_extra=env,
        ).returncode
        == 0
    )

    # tamper with one audit row: verify exits 1 and names it
    conn = sqlite3.connect(vault)
    conn.execute("UPDATE audit_events SET target = 'someone else' WHERE seq = 2")
    conn.commit()
    conn.close()
    broken = run("--vault", vault, "audit", "verify", env_extra=env)
    assert broken.returncode == 1
    assert "entry 2" in broken.stderr


def test_core_does_not_load_textual() -> None:
    code = (
        "import sys\n"
        "import itexit.cli, itexit.services.gateway, itexit.services.session\n"
        "import itexit.domain.models\n"
        "import itexit.services.users.service, itexit.services.dashboard, itexit.services.demo\n"
        "import itexit.changers, itexit.services.credentials.changing, itexit.services.watch\n"
        "assert 'textual' not in sys.modules, 'textual was imported by the core'\n"
        "assert 'sqlalchemy' in sys.modules\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_cli_entry_does_not_import_sqlalchemy_before_it_must() -> None:
    code = "import sys, itexit.cli\nprint('sqlalchemy' in sys.modules, 'textual' in sys.modules)\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "False"]


def test_remind_gathers_every_area_and_exits_1_while_something_is_overdue(
    demo_vault: dict[str, str],
) -> None:
    done = as_maria(demo_vault, "remind", "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["exposures"], "the demo's leaver can still get in"
    rows = report["due"]
    areas = {r["area"] for r in rows}
    assert {"checklist", "renewals", "mailbox"} <= areas
    assert any(r["overdue"] and r["critical"] for r in rows), (
        "the demo has an overdue critical task"
    )
    first_not_overdue = next((i for i, r in enumerate(rows) if not r["overdue"]), len(rows))
    assert all(not r["overdue"] for r in rows[first_not_overdue:]), "overdue items come first"
    text = as_maria(demo_vault, "remind")
    assert text.returncode == 1
    assert "OVERDUE" in text.stdout


def test_every_area_command_answers_help() -> None:
    commands = ("case", "task", "template", "statement", "cred", "import", "vendor")
    for command in (*commands, "renewal", "export", "mailbox", "remind"):
        done = run(command, "--help")
        assert done.returncode == 0, (command, done.stderr)
        assert "usage: itexit" in done.stdout


def test_each_area_registers_exactly_the_commands_it_is_listed_for() -> None:
    import argparse

    from itexit.cli import AREAS, area_modules, command_typed

    for name, commands in AREAS.items():
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers(dest="command")
        (module,) = area_modules(commands[0])
        assert module.__name__ == f"itexit.cli.{name}"
        module.register(sub)
        assert set(sub.choices) == set(commands), name
    assert len(area_modules(None)) == len(AREAS) == len(area_modules("user"))
    argv = ["--vault", "v.sqlite", "--user", "maria", "cred", "list", "--search", "x"]
    assert command_typed(argv) == "cred"
    assert command_typed(["--help"]) is None
