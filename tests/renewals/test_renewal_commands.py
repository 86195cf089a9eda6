"""`itexit renewal …`, `itexit export ics` and `itexit remind` run in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from icalendar import Calendar
from renewal_servers import RdapRegistry, rdap_domain

from itexit.cli import main
from itexit.io.rdap import BASE_URL_ENV
from vaulthelpers import MANAGER, MANAGER_PASS, new_vault

pytestmark = pytest.mark.usefixtures("frozen_now")  # 2026-11-23


@pytest.fixture
def itexit(tmp_path: Path, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    vault = new_vault(tmp_path / "vault.sqlite")
    vault.close()
    passphrase = tmp_path / "pass.txt"
    passphrase.write_text(MANAGER_PASS + "\n")
    passphrase.chmod(0o600)
    base = ["--vault", str(tmp_path / "vault.sqlite"), "--user", MANAGER]
    base += ["--passphrase-file", str(passphrase)]

    def run(*args: str) -> tuple[int, str, str]:
        code = main([*base, *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_add_list_edit_and_json(itexit) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = itexit(
        "renewal", "add", "--kind", "contract", "--vendor", "Meridian EHR",
        "--item", "EHR contract", "--date", "2027-02-09", "--auto-renew",
        "--notice-days", "60", "--cost", "18,600", "--billing-email", "ap@practice.example",
    )  # fmt: skip
    assert code == 0, out
    assert "cancel by 2026-12-11" in out
    code, out, _ = itexit(
        "renewal", "add", "--kind", "domain", "--vendor", "Registrar",
        "--item", "practice.example", "--date", "2027-08-01",
    )  # fmt: skip
    assert code == 0
    code, out, _ = itexit("renewal", "list", "--json")
    rows = json.loads(out)
    assert [r["item"] for r in rows] == ["EHR contract", "practice.example"]
    assert rows[0]["cost"] == "18600.00"
    assert rows[0]["next_action_date"] == "2026-12-11"
    code, out, _ = itexit("renewal", "list", "--due-within", "30")
    assert code == 0
    assert "EHR contract" in out and "practice.example" not in out
    code, out, _ = itexit("renewal", "edit", rows[0]["id"][:8], "--notice-days", "30")
    assert code == 0 and "cancel by 2027-01-10" in out
    code, out, _ = itexit("renewal", "show", "EHR contract", "--json")
    shown = json.loads(out)
    assert shown["notice_days"] == 30 and shown["billing_email"] == "ap@practice.example"
    code, _, err = itexit("renewal", "edit", "EHR contract", "--cost", "1", "--expect-version", "1")
    assert code == 2 and "reload" in err


def test_bad_input_is_one_sentence_and_exit_2(itexit) -> None:  # type: ignore[no-untyped-def]
    code, _, err = itexit(
        "renewal", "add", "--kind", "domain", "--vendor", "R", "--item", "x.example",
        "--date", "31/12/2027",
    )  # fmt: skip
    assert code == 2
    assert (
        err.strip() == "itexit: The renewal date must be a date like 2027-03-31, not '31/12/2027'."
    )
    code, _, err = itexit("renewal", "show", "nothing-here")
    assert code == 2 and "There is no renewal" in err


def test_remind_exits_1_for_an_overdue_renewal(itexit) -> None:  # type: ignore[no-untyped-def]
    itexit(
        "renewal", "add", "--kind", "licence", "--vendor", "Microsoft", "--item", "M365",
        "--date", "2026-12-20", "--auto-renew", "--notice-days", "14",
    )  # fmt: skip
    code, out, _ = itexit("remind", "--json")
    assert [r["title"] for r in json.loads(out)["due"]] == [
        "Microsoft: M365: cancel by 2026-12-06",
        "Microsoft: M365 renews 2026-12-20",
    ]
    itexit(
        "renewal", "add", "--kind", "contract", "--vendor", "Northgate", "--item", "Firewall",
        "--date", "2026-11-14",
    )  # fmt: skip
    code, out, _ = itexit("remind")
    assert code == 1
    assert "OVERDUE" in out and "Northgate: Firewall expired" in out


def test_export_ics_and_check(  # type: ignore[no-untyped-def]
    itexit, tmp_path: Path, rdap_registry: RdapRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    itexit(
        "renewal", "add", "--kind", "domain", "--vendor", "Registrar", "--item", "practice.com",
        "--date", "2026-12-30", "--notice-days", "30", "--cost", "24",
    )  # fmt: skip
    target = tmp_path / "renewals.ics"
    code, out, _ = itexit("export", "ics", str(target))
    assert code == 0 and "Wrote 2 events" in out
    assert len(Calendar.from_ical(target.read_bytes()).walk("VEVENT")) == 2
    assert b"24.00" not in target.read_bytes()
    monkeypatch.setenv(BASE_URL_ENV, rdap_registry.base_url)
    rdap_registry.domain("practice.com", body=rdap_domain("practice.com", "2028-01-15T00:00:00Z"))
    code, out, err = itexit("renewal", "check")
    assert code == 0
    assert out.startswith("changed") and "was 2026-12-30" in out
    assert "1/1" in err  # the text progress bar
    code, out, _ = itexit("renewal", "list", "--json")
    assert json.loads(out)[0]["renewal_date"] == "2028-01-15"
    rdap_registry.answers.clear()
    code, out, _ = itexit("renewal", "check", "--json")
    assert code == 1
    assert json.loads(out)[0]["status"] == "failed"
