"""The renewal service on SQLite and PostgreSQL: writes, roles, concurrency, reminders, demo."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from itexit.domain.errors import BadInput, NotFound, PermissionDenied, StaleEdit
from itexit.domain.reminders import ReminderArea
from itexit.domain.renewals import (
    BillingCycle,
    NewRenewal,
    RenewalKind,
    RenewalState,
    RenewalStatus,
)
from itexit.domain.roles import Role
from itexit.services.demo import renewals as renewal_demo
from itexit.services.renewals import service as renewal_area
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    HR_PASS,
    HR_USER,
    VIEWER,
    VIEWER_PASS,
    Vault,
    new_vault,
)

pytestmark = pytest.mark.usefixtures("frozen_now")  # today is 2026-11-23


def new(item: str = "EHR contract", **kw: object) -> NewRenewal:
    fields: dict[str, object] = {
        "kind": RenewalKind.CONTRACT,
        "vendor": "Meridian EHR",
        "item": item,
        "renewal_date": date(2027, 2, 9),
        "auto_renew": True,
        "notice_days": 60,
        "cost": Decimal("18600.00"),
        "owner": "Maria",
        "billing_email": "accounts@practice.example",
    }
    fields.update(kw)
    return NewRenewal.model_validate(fields)


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    v = new_vault(db_url)
    try:
        yield v
    finally:
        v.close()


def add_people(vault: Vault, *roles: Role) -> None:
    people = {
        Role.CONSULTANT: (CONSULTANT, CONSULTANT_PASS),
        Role.HR: (HR_USER, HR_PASS),
        Role.VIEWER: (VIEWER, VIEWER_PASS),
    }
    for role in roles:
        vault.manager.add_user(*people[role][:1], role, people[role][1])


def test_add_returns_the_derived_dates_and_audits(vault: Vault) -> None:
    item = vault.manager.renewals.add(new())
    assert item.cancel_by == date(2026, 12, 11)
    assert item.next_action_date == date(2026, 12, 11)
    assert item.status is RenewalStatus.DUE
    assert item.cost == Decimal("18600.00")
    assert item.version == 1
    events = vault.manager.recent_audit(5)
    assert events[0].action == "renewal.add"
    assert events[0].details["renewal_id"] == item.id
    assert "18600" not in json.dumps(events[0].details)
    assert "accounts@" not in json.dumps(events[0].details)


def test_list_sorts_by_next_action_and_filters(vault: Vault) -> None:
    s = vault.manager.renewals
    s.add(new("later", renewal_date=date(2027, 9, 1)))
    s.add(new("soonest", renewal_date=date(2026, 12, 20), notice_days=20))  # act by 11-30
    s.add(new("lapsed", renewal_date=date(2026, 11, 1), auto_renew=False))
    s.add(new("middle", renewal_date=date(2027, 2, 1), notice_days=30))  # act by 01-02
    names = [i.item for i in s.list()]
    assert names == ["lapsed", "soonest", "middle", "later"]
    assert [i.item for i in s.list(due_within=7)] == ["lapsed", "soonest"]
    assert [i.item for i in s.list(due_within=60)] == ["lapsed", "soonest", "middle"]
    with pytest.raises(BadInput):
        s.list(due_within=-1)


def test_bad_input_writes_nothing(vault: Vault) -> None:
    with pytest.raises(BadInput, match="vendor"):
        vault.manager.renewals.add(new(vendor=""))
    with pytest.raises(BadInput, match="e-mail"):
        vault.manager.renewals.add(new(billing_email="accounts at practice"))
    assert vault.scalar("SELECT count(*) FROM renewals") == 0
    assert vault.manager.renewals.list() == []


def test_edit_checks_the_version_and_names_who_changed_it(vault: Vault) -> None:
    add_people(vault, Role.CONSULTANT)
    item = vault.manager.renewals.add(new())
    consultant = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    edited = consultant.renewals.edit(
        item.id, new(notice_days=90, cost=Decimal("19000")), item.version
    )
    assert edited.version == item.version + 1
    assert edited.cancel_by == date(2026, 11, 11)
    assert edited.status is RenewalStatus.OVERDUE
    with pytest.raises(StaleEdit, match=f"Changed by {CONSULTANT} at .*reload"):
        vault.manager.renewals.edit(item.id, new(notice_days=30), item.version)
    assert vault.manager.renewals.get(item.id).notice_days == 90
    last = vault.manager.recent_audit(1)[0]
    assert last.action == "renewal.edit"
    assert last.details["changed"] == ["cost", "notice_days"]


def test_roles_decide_who_writes_and_who_reads_the_sealed_fields(vault: Vault) -> None:
    add_people(vault, Role.CONSULTANT, Role.HR, Role.VIEWER)
    vault.manager.renewals.add(new())
    for name, passphrase in ((VIEWER, VIEWER_PASS), (HR_USER, HR_PASS)):
        other = vault.unlock(name, passphrase)
        [item] = other.renewals.list()
        assert item.sealed
        assert item.cost is None and item.billing_email is None and item.notes is None
        assert item.cancel_by == date(2026, 12, 11)  # the dates are plaintext
        with pytest.raises(PermissionDenied):
            other.renewals.add(new("another"))
        with pytest.raises(PermissionDenied):
            other.renewals.set_state(item.id, RenewalState.RETIRED)
    consultant = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    [item] = consultant.renewals.list()
    assert not item.sealed and item.cost == Decimal("18600.00")


def test_state_changes_and_delete(vault: Vault) -> None:
    s = vault.manager.renewals
    monthly = s.add(
        new(
            "phones",
            renewal_date=date(2026, 9, 5),
            billing_cycle=BillingCycle.MONTHLY,
            notice_days=5,
        )
    )
    assert monthly.renewal_date == date(2026, 12, 5)  # rolled to the running term
    ending = s.set_state(monthly.id, RenewalState.CANCELLING)
    assert ending.status is RenewalStatus.ENDING
    assert ending.renewal_date == date(2026, 12, 5)  # ends with the running term
    retired = s.set_state(monthly.id, RenewalState.RETIRED, ending.version)
    assert retired.status is RenewalStatus.RETIRED
    assert s.list() == []
    assert [i.item for i in s.list(include_retired=True)] == ["phones"]
    with pytest.raises(StaleEdit):
        s.delete(monthly.id, monthly.version)
    s.delete("phones")
    with pytest.raises(NotFound):
        s.get(monthly.id)
    actions = [e.action for e in vault.manager.recent_audit(4)]
    assert actions == ["renewal.delete", "renewal.state", "renewal.state", "renewal.add"]


def test_find_by_short_id_or_unique_item(vault: Vault) -> None:
    s = vault.manager.renewals
    item = s.add(new())
    assert s.get(item.id[:8]).id == item.id
    assert s.get("EHR contract").id == item.id
    s.add(new(), even_if_listed=True)  # told it is another one
    with pytest.raises(BadInput, match="use its id"):
        s.get("EHR contract")
    with pytest.raises(NotFound):  # wildcards are characters, not patterns
        s.get("%%%%")
    with pytest.raises(NotFound):
        s.get(item.id[:3] + "_")


def test_departing_person_flagged_by_e_mail_or_by_hand(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "itexit.services.renewals.service.departing",
        lambda ctx: ["Gary Holt", "gary@greenwayfp.example"],
    )
    s = vault.manager.renewals
    domain = s.add(
        new(
            "greenwayfp.example",
            kind=RenewalKind.DOMAIN,
            registrant_email="gary@greenwayfp.example",
            billing_email="",
        )
    )
    assert domain.departing_contact
    assert "gary@greenwayfp.example" in domain.departing_reason
    plain = s.add(new("EHR"))
    assert not plain.departing_contact
    marked = s.add(new("phones", departing_contact=True))
    assert marked.departing_contact and marked.departing_marked
    add_people(vault, Role.VIEWER)
    # a viewer cannot read the e-mails but still sees the flag stored at write time
    viewer = vault.unlock(VIEWER, VIEWER_PASS)
    flags = {i.item: i.departing_contact for i in viewer.renewals.list()}
    assert flags == {"greenwayfp.example": True, "EHR": False, "phones": True}
    # the tile and the reminder say so
    tile = renewal_area.tiles(vault.manager.ctx, date(2026, 11, 23))[0]
    assert "tied to the leaver" in tile.caption


def test_reminders_and_tiles(vault: Vault) -> None:
    today = date(2026, 11, 23)
    ctx = vault.manager.ctx
    assert renewal_area.tiles(ctx, today)[0].severity == "idle"
    assert renewal_area.reminders(ctx, today) == []
    s = vault.manager.renewals
    s.add(new("due", renewal_date=date(2027, 1, 2), notice_days=30))  # cancel by 12-03
    s.add(new("missed", renewal_date=date(2026, 12, 10), notice_days=30))  # 11-10 passed
    s.add(new("lapsed", renewal_date=date(2026, 11, 20), auto_renew=False))
    s.add(new("far", renewal_date=date(2027, 8, 1)))
    found = renewal_area.reminders(ctx, today)
    assert all(r.area is ReminderArea.RENEWALS for r in found)
    by_title = {r.title: r for r in found}
    assert by_title["Meridian EHR: due: cancel by 2026-12-03"].overdue is False
    assert by_title["Meridian EHR: missed: cancel by 2026-11-10 (missed)"].overdue is True
    assert by_title["Meridian EHR: lapsed expired"].overdue is True
    assert by_title["Meridian EHR: missed renews 2026-12-10"].overdue is False
    assert not any("far" in t for t in by_title)
    [tile] = renewal_area.tiles(ctx, today)
    assert (tile.count, tile.severity) == (3, "alert")
    assert "2 past their date" in tile.caption
    # the session's remind gathers them
    assert {r.title for r in vault.manager.reminders(today)} >= set(by_title)


def test_demo_renewals(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("itexit.services.renewals.service.departing", lambda ctx: ["Gary Holt"])
    today = date(2026, 11, 23)
    renewal_demo.build_demo(vault.manager, today)
    items = vault.manager.renewals.list(today)
    assert 8 <= len(items) <= 10
    assert {i.kind for i in items} == set(RenewalKind)
    assert [i.item for i in items if i.status is RenewalStatus.EXPIRED] == [
        "Firewall support and updates"
    ]
    soon = [i for i in items if i.auto_renew and i.days_left is not None and 0 <= i.days_left <= 30]
    assert len(soon) >= 2
    flagged = [i.item for i in items if i.departing_contact]
    assert "greenwayfp.example" in flagged
    assert sum(m.count for m in vault.manager.renewals.timeline(today)) >= len(items)
