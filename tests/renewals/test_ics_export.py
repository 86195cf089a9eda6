"""The renewals calendar: valid iCalendar, one event per date, alarms, stable UIDs, no details."""

from __future__ import annotations

import os
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from icalendar import Calendar

from itexit.domain.errors import BadInput, PermissionDenied
from itexit.domain.renewals import NewRenewal, RenewalKind, RenewalState
from itexit.domain.roles import Role
from vaulthelpers import VIEWER, VIEWER_PASS, Vault, new_vault

pytestmark = pytest.mark.usefixtures("frozen_now")

COST = Decimal("4321.09")
EMAIL = "ics-canary-billing@practice.example"
NOTES = "ics canary note: account 99-ZEBRA"


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    v = new_vault(tmp_path / "vault.sqlite")
    s = v.manager.renewals
    s.add(
        NewRenewal(
            kind=RenewalKind.CONTRACT,
            vendor="Meridian EHR",
            item="EHR contract",
            renewal_date=date(2027, 2, 9),
            auto_renew=True,
            notice_days=60,
            cost=COST,
            billing_email=EMAIL,
            notes=NOTES,
        )
    )
    s.add(
        NewRenewal(
            kind=RenewalKind.DOMAIN,
            vendor="Registrar",
            item="greenwayfp.example",
            renewal_date=date(2027, 1, 7),
            notice_days=30,
        )
    )
    ended = s.add(
        NewRenewal(
            kind=RenewalKind.WARRANTY,
            vendor="Dellwood",
            item="Old server",
            renewal_date=date(2027, 3, 1),
        )
    )
    s.set_state(ended.id, RenewalState.RETIRED)
    return v


def read(path: Path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def test_one_event_per_cancel_by_and_renewal_date_with_alarms(vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "renewals.ics"
    assert vault.manager.renewals.export_ics(path) == 4
    calendar = read(path)
    assert str(calendar["version"]) == "2.0"
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {
        "Cancel by: Meridian EHR: EHR contract",
        "Renews: Meridian EHR: EHR contract",
        "Renew by: Registrar: greenwayfp.example",
        "Expires: Registrar: greenwayfp.example",
    }
    cancel = events["Cancel by: Meridian EHR: EHR contract"]
    assert cancel.decoded("dtstart") == date(2026, 12, 11)
    assert cancel.decoded("dtend") == date(2026, 12, 12)
    assert events["Expires: Registrar: greenwayfp.example"].decoded("dtstart") == date(2027, 1, 7)
    triggers = sorted(a.decoded("trigger") for a in cancel.walk("VALARM"))
    assert triggers == [timedelta(days=-14), timedelta(days=-3)]
    assert all(str(a["action"]) == "DISPLAY" for a in cancel.walk("VALARM"))


def test_uids_are_stable_and_details_stay_out(vault: Vault, tmp_path: Path) -> None:
    first, second = tmp_path / "a.ics", tmp_path / "b.ics"
    vault.manager.renewals.export_ics(first)
    vault.manager.renewals.export_ics(second)
    uids = lambda p: sorted(str(e["uid"]) for e in read(p).walk("VEVENT"))  # noqa: E731
    assert uids(first) == uids(second)
    assert len(set(uids(first))) == 4
    text = first.read_bytes()
    for secret in (str(COST).encode(), EMAIL.encode(), b"99-ZEBRA"):
        assert secret not in text
    assert oct(first.stat().st_mode & 0o777) == "0o644"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_details_only_when_asked_and_only_for_who_can_read_them(
    vault: Vault, tmp_path: Path
) -> None:
    path = tmp_path / "full.ics"
    vault.manager.renewals.export_ics(path, include_details=True)
    text = "".join(str(e["description"]) for e in read(path).walk("VEVENT"))
    assert f"Cost: {COST}" in text and EMAIL in text and NOTES in text
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    vault.manager.add_user(VIEWER, Role.VIEWER, VIEWER_PASS)
    viewer = vault.unlock(VIEWER, VIEWER_PASS)
    with pytest.raises(PermissionDenied):
        viewer.renewals.export_ics(tmp_path / "viewer.ics", include_details=True)
    assert viewer.renewals.export_ics(tmp_path / "viewer.ics") == 4
    assert vault.manager.recent_audit(1)[0].action == "renewal.export_ics"


def test_write_is_atomic_and_a_bad_place_is_one_sentence(vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "cal.ics"
    path.write_text("previous calendar")
    vault.manager.renewals.export_ics(path)
    assert path.read_bytes().startswith(b"BEGIN:VCALENDAR")
    with pytest.raises(BadInput, match="Cannot write the calendar"):
        vault.manager.renewals.export_ics(tmp_path / "missing-dir" / "cal.ics")
    os.chmod(tmp_path, 0o500)
    try:
        if os.access(tmp_path, os.W_OK):  # running as root: permissions do not stop us
            return
        with pytest.raises(BadInput):
            vault.manager.renewals.export_ics(path)
        assert path.read_bytes().startswith(b"BEGIN:VCALENDAR")
    finally:
        os.chmod(tmp_path, 0o700)
