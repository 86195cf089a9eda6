"""The vendor service on SQLite and PostgreSQL: roles, flags, version checks, audit, sealing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from itexit.domain.errors import BadInput, NotFound, PermissionDenied, StaleEdit
from itexit.domain.vendors import ContactFields, ContactRole, FlagKind, VendorFields
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    HR_PASS,
    HR_USER,
    VIEWER,
    VIEWER_PASS,
    Vault,
    add_credential,
    files_under,
    populated,
    sidecars,
)

GARY = ContactFields(
    name="Gary Thistle",
    role=ContactRole.AUTHORISED,
    email="gary@greenwayfp.example",
    phone="555-0142",
    departing=True,
)
MARIA = ContactFields(name="Maria Alvarez", role=ContactRole.ACCOUNT_OWNER, email="maria@x.example")


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    opened = populated(db_url, credentials=2)
    try:
        yield opened
    finally:
        opened.close()


def phones(**extra: str) -> VendorFields:
    return VendorFields(name="RingCentral", services=["Phone system", "Fax"], **extra)


def audit_actions(vault: Vault) -> list[tuple[str, str, str]]:
    return [
        (str(r[0]), str(r[1]), str(r[2]))
        for r in vault.rows("SELECT action, target, details FROM audit_events ORDER BY seq")
        if str(r[0]).startswith("vendor.")
    ]


def test_only_contact_flag_explained_and_cleared_by_a_second_contact(vault: Vault) -> None:
    vendors = vault.manager.vendors
    detail = vendors.add(phones(support_phone="555-0100"), [GARY])
    assert detail.flags == [FlagKind.ONLY_CONTACT]
    assert detail.flag_details[0].message == (
        "Only Gary Thistle is authorised to call RingCentral support: "
        "add a second contact, then remove Gary Thistle."
    )
    assert detail.contacts[0].is_departing
    detail = vendors.add_contact(detail.id, MARIA, detail.version)
    assert detail.flags == []
    assert vendors.list()[0].flags == []
    gary_id = detail.contacts[0].id
    detail = vendors.remove_contact(detail.id, gary_id, detail.version)
    assert [c.name for c in detail.contacts] == ["Maria Alvarez"]
    assert detail.contact_count == 1


def test_owner_and_billing_flags_match_by_name_or_email_in_any_case(vault: Vault) -> None:
    vendors = vault.manager.vendors
    vendors.add(VendorFields(name="Thistle IT"), [GARY])
    detail = vendors.add(
        VendorFields(name="Meridian EHR", services=["EHR"]),
        [
            ContactFields(name="GARY THISTLE", role=ContactRole.ACCOUNT_OWNER),
            ContactFields(name="G. T.", role=ContactRole.BILLING, email="Gary@GreenwayFP.example"),
            ContactFields(name="Maria Alvarez", role=ContactRole.TECHNICAL),
        ],
    )
    assert detail.flags == [FlagKind.ACCOUNT_OWNER, FlagKind.BILLING]
    assert "owns the Meridian EHR account" in detail.flag_details[0].message
    assert [c.is_departing for c in detail.contacts] == [True, True, False]
    # the explicit mark at Thistle IT is what makes the other two count: remove it and they clear
    thistle = vendors.get("thistle it")
    vendors.remove_contact(thistle.id, thistle.contacts[0].id, thistle.version)
    assert vendors.get("Meridian EHR").flags == []


def test_names_of_open_cases_count_as_departing(vault: Vault) -> None:
    from datetime import date

    from itexit.domain.checklist import CaseKind, NewCase

    vendors = vault.manager.vendors
    vendors.add(VendorFields(name="Lanternhost"), [GARY.model_copy(update={"departing": False})])
    assert vendors.list()[0].flags == []
    # the contact was entered before anyone was leaving; the case comes afterwards
    vault.manager.cases.create(
        NewCase(name="Gary Thistle", kind=CaseKind.IT_EMPLOYEE, termination_date=date.today())
    )
    assert vendors.get("Lanternhost").flags == [FlagKind.ONLY_CONTACT]
    assert vendors.list()[0].flags == [FlagKind.ONLY_CONTACT]  # worked out when read
    # the stored copy, all a reader without the key sees, catches up when refreshed
    assert vendors.refresh_flags() == 1
    assert vendors.list()[0].flags == [FlagKind.ONLY_CONTACT]
    assert vendors.refresh_flags() == 0
    assert [a[0] for a in audit_actions(vault)][-1] == "vendor.flags"


def test_recovery_flag_comes_from_linked_credentials(vault: Vault) -> None:
    manager = vault.manager
    cred_id = add_credential(manager, "Registrar")
    detail = manager.vendors.add(VendorFields(name="Lanternhost"), [MARIA])
    detail = manager.vendors.link_credential(detail.id, "registrar", detail.version)
    assert [c.system for c in detail.credentials] == ["Registrar"]
    assert detail.flags == []
    vault.sql("UPDATE credentials SET recovery_tied = :t WHERE id = :i", t=True, i=cred_id)
    detail = manager.vendors.get(detail.id)
    assert detail.flags == [FlagKind.RECOVERY]
    assert "Registrar" in detail.flag_details[0].message
    assert manager.vendors.list()[0].flags == [FlagKind.RECOVERY]
    with pytest.raises(BadInput, match="already linked"):
        manager.vendors.link_credential(detail.id, cred_id)
    detail = manager.vendors.unlink_credential(detail.id, cred_id, detail.version)
    assert detail.flags == [] and detail.credentials == []


def test_viewer_sees_names_and_flags_but_nothing_sealed(vault: Vault) -> None:
    vault.manager.vendors.add(
        phones(account_number="ACCT-555", support_email="help@rc.example"), [GARY]
    )
    viewer = vault.unlock(VIEWER, VIEWER_PASS)
    [summary] = viewer.vendors.list()
    assert summary.name == "RingCentral" and summary.services == ["Phone system", "Fax"]
    assert summary.flags == [FlagKind.ONLY_CONTACT] and summary.contact_count == 1
    detail = viewer.vendors.get("RingCentral")
    assert detail.sealed and detail.contacts == [] and detail.account_number == ""
    assert detail.flag_details[0].message.startswith("Only the departing person is authorised")
    with pytest.raises(PermissionDenied):
        viewer.vendors.add(VendorFields(name="Nope"))
    hr = vault.unlock(HR_USER, HR_PASS)
    assert hr.vendors.get("RingCentral").sealed
    with pytest.raises(PermissionDenied):
        hr.vendors.add_contact("RingCentral", MARIA)
    assert len(viewer.vendors.list()) == 1


def test_consultant_edits_with_a_version_check(vault: Vault) -> None:
    manager = vault.manager
    consultant = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    detail = manager.vendors.add(phones(notes="first"), [MARIA])
    edited = consultant.vendors.edit(
        detail.id,
        VendorFields(name="RingCentral Voice", services=["Phone system"], notes="second"),
        detail.version,
    )
    assert edited.name == "RingCentral Voice" and edited.notes == "second"
    assert edited.contacts[0].name == "Maria Alvarez"
    with pytest.raises(StaleEdit, match=f"Changed by {CONSULTANT} at .*reload"):
        manager.vendors.edit(detail.id, phones(), detail.version)
    with pytest.raises(StaleEdit):
        manager.vendors.add_contact(detail.id, GARY, detail.version)
    assert manager.vendors.get(detail.id).notes == "second"
    edit = next(a for a in audit_actions(vault) if a[0] == "vendor.edit")
    assert json.loads(edit[2])["fields"] == ["name", "notes", "services"]


def test_bad_input_is_one_sentence_and_writes_nothing(vault: Vault) -> None:
    vendors = vault.manager.vendors
    with pytest.raises(BadInput, match="needs a name"):
        vendors.add(VendorFields(name="   "))
    with pytest.raises(BadInput, match="not an email address"):
        vendors.add(VendorFields(name="X", support_email="nope"))
    with pytest.raises(BadInput, match="not an email address"):
        vendors.add(VendorFields(name="X"), [ContactFields(name="A", email="a@b")])
    assert vendors.list() == []
    vendors.add(VendorFields(name="Valley Fiber"))
    with pytest.raises(BadInput, match="already a vendor called"):
        vendors.add(VendorFields(name="valley fiber"))
    with pytest.raises(NotFound, match="no vendor"):
        vendors.get("Nobody")
    with pytest.raises(NotFound, match="no contact"):
        vendors.remove_contact("Valley Fiber", "abcdef12")
    with pytest.raises(BadInput, match="already listed as authorised contact at Valley Fiber"):
        vendors.add_contact("Valley Fiber", MARIA.model_copy(update={"role": "authorised"}))
        vendors.add_contact("Valley Fiber", MARIA.model_copy(update={"role": "authorised"}))
    assert [a[0] for a in audit_actions(vault)] == ["vendor.add", "vendor.contact.add"]


def test_audit_rows_hold_no_contact_details(vault: Vault) -> None:
    vendors = vault.manager.vendors
    detail = vendors.add(phones(account_number="ACCT-93817"), [GARY])
    vendors.remove_contact(detail.id, detail.contacts[0].id)
    details = " ".join(a[2] for a in audit_actions(vault))
    for private in ("Gary", "gary@", "555-0142", "ACCT-93817"):
        assert private not in details


def test_remove_vendor(vault: Vault) -> None:
    vendors = vault.manager.vendors
    detail = vendors.add(phones())
    with pytest.raises(StaleEdit):
        vendors.remove(detail.id, detail.version + 1)
    vendors.remove(detail.id, detail.version)
    assert vendors.list() == []


CANARIES = ("CANARY-VENDOR-ACCT-4471", "canary.contact@vendor-canary.example", "555-CANARY-88")


def test_contact_details_never_on_disk_in_plaintext(tmp_path: Path) -> None:
    path = tmp_path / "vault.sqlite"
    vault = populated(path, credentials=1)
    try:
        vendors = vault.manager.vendors
        detail = vendors.add(
            VendorFields(name="Cobalt Backup", account_number=CANARIES[0]),
            [ContactFields(name="Pat", email=CANARIES[1], phone=CANARIES[2])],
        )
        assert vendors.get(detail.id).contacts[0].email == CANARIES[1]
        vendors.edit(
            detail.id,
            VendorFields(name="Cobalt Backup", account_number=CANARIES[0], notes="x"),
            None,
        )
        files = [path, *sidecars(path), *files_under(tmp_path)]
        data = b"".join(p.read_bytes() for p in files if p.is_file())
        for canary in CANARIES:
            assert canary.encode() not in data
            assert canary.encode("utf-16-le") not in data
        # the scan works: a plaintext column is found
        assert b"Cobalt Backup" in data
    finally:
        vault.close()
