"""A monitored mailbox changed after it was added (server, login, dates, cadence), audited; and
its departure date taken from the case whose departing person has the address."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from itexit.cli import main
from itexit.domain.checklist import CaseKind, NewCase
from itexit.domain.credentials import Category
from itexit.domain.errors import BadInput, PermissionDenied, StaleEdit
from itexit.domain.mailbox import NewMailbox, Tls
from itexit.domain.mailbox_edit import MailboxChanges
from itexit.domain.roles import Role
from vaulthelpers import (
    MANAGER,
    MANAGER_PASS,
    VIEWER,
    VIEWER_PASS,
    Vault,
    add_credential,
    new_vault,
)

LEFT = date(2026, 11, 20)


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    v = new_vault(tmp_path / "v.sqlite")
    v.manager.cases.create(
        NewCase(
            name="Gary Thistle",
            kind=CaseKind.IT_EMPLOYEE,
            termination_date=LEFT,
            emails=["Gary@GreenwayFP.example"],
        )
    )
    return v


def test_the_departure_date_comes_from_the_case_of_the_address(vault: Vault) -> None:
    found = vault.manager.mailboxes.departure_of(" gary@greenwayfp.example")
    assert found is not None
    assert (found.case_name, found.termination_date) == ("Gary Thistle", LEFT)
    assert vault.manager.mailboxes.departure_of("someone@else.example") is None


def test_server_login_dates_and_cadence_are_changed_and_audited(vault: Vault) -> None:
    boxes = vault.manager.mailboxes
    box = boxes.add(NewMailbox(address="gary@greenwayfp.example", name="gary", left_on=LEFT))
    assert box.imap_host == "" and box.credential_id is None
    cred = add_credential(vault.manager, "Gary mailbox", category=Category.EMAIL)
    changes = MailboxChanges(
        imap_host="imap.greenwayfp.example",
        tls=Tls.STARTTLS,
        credential_id="Gary mailbox",
        left_on=LEFT,
        keep_until=date(2028, 1, 31),
        daily_weeks=8,
    )
    after = boxes.edit("gary", changes, box.version)
    assert (after.imap_host, after.imap_port, after.tls) == (
        "imap.greenwayfp.example",
        143,
        Tls.STARTTLS,
    )
    assert after.credential_id == cred and after.credential_system == "Gary mailbox"
    assert after.daily_weeks == 8 and after.version == box.version + 1
    event = vault.manager.recent_audit(1)[0]
    assert event.action == "mailbox.edit" and event.target == "gary"
    assert event.details["server"] == "imap.greenwayfp.example"
    assert event.details["login"] == "Gary mailbox" and event.details["daily_weeks"] == 8
    assert "keep_until" in event.details and "left_on" not in event.details
    # the same edit twice from the old version is refused, nothing overwritten
    with pytest.raises(StaleEdit):
        boxes.edit("gary", changes.model_copy(update={"daily_weeks": 2}), box.version)
    # the rules of adding hold
    with pytest.raises(BadInput, match="a year after"):
        boxes.edit("gary", changes.model_copy(update={"keep_until": date(2027, 1, 1)}))
    with pytest.raises(BadInput, match="in the clear"):
        boxes.edit("gary", changes.model_copy(update={"tls": Tls.NONE}))
    # nothing changed: nothing audited
    count = len(vault.manager.recent_audit(500))
    boxes.edit("gary", changes)
    assert len(vault.manager.recent_audit(500)) == count


def test_a_viewer_cannot_change_a_mailbox(vault: Vault) -> None:
    vault.manager.mailboxes.add(NewMailbox(address="gary@greenwayfp.example", left_on=LEFT))
    vault.manager.add_user(VIEWER, Role.VIEWER, VIEWER_PASS)
    viewer = vault.unlock(VIEWER, VIEWER_PASS)
    changes = MailboxChanges(left_on=LEFT, keep_until=date(2027, 12, 31), daily_weeks=1)
    with pytest.raises(PermissionDenied):
        viewer.mailboxes.edit("gary@greenwayfp.example", changes)


def test_the_command_line_adds_with_the_case_date_and_edits(
    vault: Vault, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_credential(vault.manager, "Mail login", category=Category.EMAIL)
    vault.close()
    passphrase = tmp_path / "pp"
    passphrase.write_text(MANAGER_PASS + "\n")
    passphrase.chmod(0o600)
    base = ["--vault", str(tmp_path / "v.sqlite"), "--user", MANAGER]
    base += ["--passphrase-file", str(passphrase)]
    assert main([*base, "mailbox", "add", "nobody@else.example"]) == 2
    assert "--left-on" in capsys.readouterr().err
    assert main([*base, "mailbox", "add", "gary@greenwayfp.example", "--name", "gary"]) == 0
    out = capsys.readouterr().out
    assert "from the case of Gary Thistle" in out and "20 Nov 2026" in out
    code = main(
        [*base, "mailbox", "edit", "gary", "--host", "imap.greenwayfp.example",
         "--credential", "Mail login", "--daily-weeks", "6"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "imap.greenwayfp.example:993 (ssl)" in out and "login Mail login" in out
    assert "6 weeks" in out
    assert main([*base, "mailbox", "edit", "gary", "--keep-until", "2027-01-01"]) == 2
    assert "a year after" in capsys.readouterr().err
