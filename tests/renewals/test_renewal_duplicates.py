"""A renewal or a mailbox that is probably listed already: refused on the command line unless
`--new`, asked about in the app, never silently added twice."""

from __future__ import annotations

from datetime import date

import pytest

from itexit.cli import main
from itexit.domain.duplicates import mailbox_duplicates, renewal_duplicates
from itexit.domain.errors import Blocked
from itexit.domain.mailbox import NewMailbox
from itexit.domain.renewals import NewRenewal, RenewalKind
from vaulthelpers import MANAGER, MANAGER_PASS, Vault, new_vault

DOMAIN = NewRenewal(
    kind=RenewalKind.DOMAIN,
    vendor="Lanternhost Domains",
    item="greenwayfp.example",
    renewal_date=date(2027, 3, 1),
)


@pytest.fixture
def vault(tmp_path: object) -> Vault:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    return new_vault(tmp_path / "v.sqlite")


def test_the_same_item_or_vendor_and_date_is_refused_unless_told(vault: Vault) -> None:
    renewals = vault.manager.renewals
    first = renewals.add(DOMAIN)
    again = DOMAIN.model_copy(update={"item": "  GreenwayFP.example ", "vendor": "Other"})
    with pytest.raises(Blocked, match=r"looks like Lanternhost Domains: greenwayfp.example"):
        renewals.add(again)
    contract = DOMAIN.model_copy(update={"kind": RenewalKind.CONTRACT, "item": "Support"})
    support = renewals.add(contract)
    with pytest.raises(Blocked, match="add --new"):  # same item, same vendor
        renewals.add(contract.model_copy(update={"renewal_date": date(2028, 1, 1)}))
    elsewhere = contract.model_copy(update={"vendor": "Cobalt", "renewal_date": date(2027, 5, 1)})
    assert renewals.duplicates(elsewhere) == []  # the same words from another vendor
    same_day = contract.model_copy(update={"vendor": "Cobalt"})
    assert [r.id for r in renewals.duplicates(same_day)] == [support.id]
    renewals.add(same_day, even_if_listed=True)
    assert first.id != support.id
    assert len(renewals.list()) == 3


def test_a_mailbox_at_the_same_address_is_refused_unless_told(vault: Vault) -> None:
    boxes = vault.manager.mailboxes
    boxes.add(NewMailbox(address="gary@greenwayfp.example", left_on=date(2026, 11, 20)))
    again = NewMailbox(address=" Gary@GreenwayFP.example", name="gary2", left_on=date(2026, 11, 20))
    with pytest.raises(Blocked, match=r"gary@greenwayfp\.example"):
        boxes.add(again)
    assert len(boxes.list_mailboxes()) == 1
    boxes.add(again, even_if_listed=True)
    assert len(boxes.list_mailboxes()) == 2


def test_pure_rules_ignore_retired_and_match_domains() -> None:
    assert renewal_duplicates(DOMAIN, []) == []
    assert mailbox_duplicates("a@b.example", []) == []


def _cli(tmp_path: object) -> tuple[list[str], object]:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    vault = new_vault(tmp_path / "cli.sqlite")
    vault.close()
    passphrase = tmp_path / "pass.txt"
    passphrase.write_text(MANAGER_PASS + "\n")
    passphrase.chmod(0o600)
    return [
        "--vault",
        str(tmp_path / "cli.sqlite"),
        "--user",
        MANAGER,
        "--passphrase-file",
        str(passphrase),
    ], None


def test_the_command_line_refuses_a_likely_duplicate_with_exit_1_unless_new(
    tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    base, _ = _cli(tmp_path)
    add = [*base, "renewal", "add", "--kind", "domain", "--vendor", "Registrar",
           "--item", "practice.example", "--date", "2027-08-01"]  # fmt: skip
    assert main(add) == 0
    capsys.readouterr()
    assert main(add) == 1
    err = capsys.readouterr().err
    assert "looks like Registrar: practice.example" in err and "--new" in err
    assert err.count("\n") == 1
    assert main([*add, "--new"]) == 0
    mailbox = [*base, "mailbox", "add", "gary@clinic.example", "--left-on", "2026-11-20"]
    assert main(mailbox) == 0
    capsys.readouterr()
    again = [*base, "mailbox", "add", "GARY@clinic.example", "--name", "g2"]
    assert main([*again, "--left-on", "2026-11-20"]) == 1
    assert "gary@clinic.example" in capsys.readouterr().err
    assert main([*mailbox, "--name", "g2", "--new"]) == 0
