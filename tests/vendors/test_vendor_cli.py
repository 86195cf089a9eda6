"""`itexit vendor` as scripts use it: add, contacts added, edited by id prefix, removed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from itexit.cli import main
from itexit.cli.vendors import ROLE_CHOICES
from itexit.domain.vendors import ContactRole
from vaulthelpers import MANAGER, MANAGER_PASS, new_vault


@pytest.fixture
def cli(tmp_path: Path) -> list[str]:
    path = tmp_path / "vault.sqlite"
    new_vault(path).close()
    pp = tmp_path / "pp"
    pp.write_text(MANAGER_PASS + "\n")
    pp.chmod(0o600)
    return ["--vault", str(path), "--user", MANAGER, "--passphrase-file", str(pp)]


def show(cli: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main([*cli, "vendor", "show", "Bellwether Voice", "--json"]) == 0
    shown: dict[str, object] = json.loads(capsys.readouterr().out)
    return shown


def test_a_contact_is_edited_by_id_prefix_and_the_flags_follow(
    cli: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*cli, "vendor", "add", "Bellwether Voice", "--services", "Phones, Fax"]) == 0
    contact = ["vendor", "contact", "add", "Bellwether Voice"]
    assert main([*cli, *contact, "--name", "Gary T.", "--role", "authorised"]) == 0
    assert main([*cli, *contact, "--name", "Maria A.", "--role", "billing"]) == 0
    contacts = show(cli, capsys)["contacts"]
    assert isinstance(contacts, list)
    gary = next(c for c in contacts if c["name"] == "Gary T.")

    edit = ["vendor", "contact", "edit", "Bellwether Voice"]
    assert main([*cli, *edit, gary["id"][:6], "--role", "account_owner", "--departing"]) == 0
    shown = show(cli, capsys)
    edited = next(c for c in shown["contacts"] if c["id"] == gary["id"])  # type: ignore[attr-defined]
    assert edited["role"] == "account_owner" and edited["departing"] is True
    assert edited["name"] == "Gary T."  # untouched fields stay
    assert "account_owner" in shown["flags"]  # type: ignore[operator]

    assert main([*cli, *edit, gary["id"][:6], "--not-departing"]) == 0
    assert show(cli, capsys)["flags"] == []

    assert main([*cli, *edit, gary["id"][:6]]) == 2
    assert "Say what to change" in capsys.readouterr().err
    assert main([*cli, *edit, "zzzzzz", "--phone", "1"]) == 2
    assert "has no contact 'zzzzzz'" in capsys.readouterr().err

    assert main([*cli, "vendor", "contact", "remove", "Bellwether Voice", gary["id"][:6]]) == 0
    remaining = show(cli, capsys)["contacts"]
    assert [c["name"] for c in remaining] == ["Maria A."]  # type: ignore[attr-defined]


def test_the_role_choices_are_the_domain_roles() -> None:
    assert set(ROLE_CHOICES) == {role.value for role in ContactRole}
