"""The pure rules: which services are tied to the departing person, and input cleaning."""

from __future__ import annotations

import pytest

from itexit.domain.vendors import (
    ContactFields,
    ContactRole,
    Departing,
    FlagKind,
    VendorFields,
    clean_contact,
    clean_fields,
    split_services,
    tie_flags,
)

GARY = ContactFields(name="Gary Thistle", role=ContactRole.AUTHORISED, email="gary@gfp.example")
MARIA = ContactFields(name="Maria Alvarez", role=ContactRole.AUTHORISED)
LEAVING = Departing(["Gary Thistle"])


def kinds(contacts: list[ContactFields], departing: Departing = LEAVING) -> list[FlagKind]:
    return [f.kind for f in tie_flags("Acme", contacts, departing)]


def test_no_contacts_and_nobody_leaving_raise_nothing() -> None:
    assert kinds([]) == []
    assert kinds([GARY], Departing()) == []


def test_only_contact_needs_every_contact_to_be_leaving() -> None:
    assert kinds([GARY]) == [FlagKind.ONLY_CONTACT]
    assert kinds([GARY, MARIA]) == []


def test_a_flag_ends_with_one_full_stop_after_an_initial() -> None:
    initial = GARY.model_copy(update={"name": "Gary T."})
    (flag,) = tie_flags("Acme", [initial], Departing(["Gary T."]))
    assert flag.message.endswith("then remove Gary T.")
    (flag,) = tie_flags("Acme", [GARY], LEAVING)
    assert flag.message.endswith("then remove Gary Thistle.")


def test_owner_and_billing_each_flagged_when_no_one_else_holds_the_role() -> None:
    owner = GARY.model_copy(update={"role": ContactRole.ACCOUNT_OWNER})
    billing = GARY.model_copy(update={"role": ContactRole.BILLING})
    other_owner = MARIA.model_copy(update={"role": ContactRole.ACCOUNT_OWNER})
    assert kinds([owner, MARIA]) == [FlagKind.ACCOUNT_OWNER]
    assert kinds([owner, other_owner]) == []
    assert kinds([owner, billing]) == [
        FlagKind.ONLY_CONTACT,
        FlagKind.ACCOUNT_OWNER,
        FlagKind.BILLING,
    ]
    flags = tie_flags("Acme", [owner, billing], LEAVING)
    assert flags[0].message == (
        "Only Gary Thistle is authorised to call Acme support: "
        "add a second contact, then remove Gary Thistle."
    )


def test_matching_by_name_email_or_mark_ignores_case_and_spacing() -> None:
    by_email = Departing(emails=["GARY@gfp.example"])
    assert by_email.matches(ContactFields(name="G", email="gary@GFP.example "))
    assert Departing(["gary   thistle"]).matches(ContactFields(name="GARY Thistle"))
    assert Departing().matches(ContactFields(name="Anyone", departing=True))
    assert not LEAVING.matches(ContactFields(name="Gary Thistleton"))


def test_recovery_systems_are_named() -> None:
    flags = tie_flags("Acme", [MARIA], LEAVING, ["Registrar", "DNS"])
    assert [f.kind for f in flags] == [FlagKind.RECOVERY]
    assert "Registrar, DNS" in flags[0].message


def test_cleaning() -> None:
    cleaned = clean_fields(
        VendorFields(name="  Valley   Fiber ", services=["Internet", " internet ", "", "Phone"])
    )
    assert cleaned.name == "Valley Fiber" and cleaned.services == ["Internet", "Phone"]
    with pytest.raises(ValueError, match="needs a name"):
        clean_fields(VendorFields(name=" "))
    with pytest.raises(ValueError, match="at most 200"):
        clean_fields(VendorFields(name="x" * 201))
    with pytest.raises(ValueError, match="needs a name"):
        clean_contact(ContactFields(name=""))
    assert clean_contact(ContactFields(name=" Pat  Lee ", email=" p@x.example ")).email == (
        "p@x.example"
    )
    assert split_services("EHR, e-prescribing; portal,,") == ["EHR", "e-prescribing", "portal"]
