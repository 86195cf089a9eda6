"""The exit statement as HR prepares, prints and records it; who may see what."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from statement_helpers import DEPARTING, LAST_DAY, Practice

from itexit.domain.errors import BadInput, NotFound, PermissionDenied, StaleEdit
from itexit.domain.statements import (
    REQUIRED_CLAUSES,
    NewListedPassword,
    NewSigning,
    PropertyState,
    StatementEdit,
    StatementStatus,
)

SCAN = b"%PDF-1.4 scanned signed copy of the exit statement"


def signing(**overrides: object) -> NewSigning:
    values: dict[str, object] = {
        "signed_on": date(2026, 11, 23),
        "witness": "Wendy Marsh",
        "copy_filename": "/home/hana/scans/gary-signed.pdf",
        "copy_bytes": SCAN,
    }
    values.update(overrides)
    return NewSigning.model_validate(values)


def test_prepare_fills_every_clause_with_the_practice_person_and_date(practice: Practice) -> None:
    statement = practice.hr.statements.prepare(DEPARTING.lower())
    assert statement.status is StatementStatus.DRAFTED
    assert [c.key for c in statement.clauses] == list(REQUIRED_CLAUSES)
    text = statement.text()
    assert "Harbour Family Practice" in text and "{" not in text
    assert "20 November 2026" in next(c.text for c in statement.clauses if c.key == "access")
    assert "HIPAA" in statement.clauses[0].text
    # preparing again returns the same statement, not a second one
    assert practice.hr.statements.prepare(practice.case_id).id == statement.id


def test_property_list_item_by_item(practice: Practice) -> None:
    hr = practice.hr.statements
    hr.prepare(practice.case_id)
    hr.add_property(practice.case_id, "Laptop (asset 0142)")
    hr.add_property(practice.case_id, "Door keys", returned=True)
    with pytest.raises(BadInput, match="already on the property list"):
        hr.add_property(practice.case_id, "laptop (ASSET 0142)")
    with pytest.raises(BadInput, match="Name the item"):
        hr.add_property(practice.case_id, "   ")
    statement = hr.set_property(practice.case_id, "laptop (asset 0142)", returned=True)
    states = {item.name: (item.state, item.returned_on) for item in statement.property_items}
    assert states == {
        "Laptop (asset 0142)": (PropertyState.RETURNED, date(2026, 11, 23)),
        "Door keys": (PropertyState.RETURNED, date(2026, 11, 23)),
    }
    statement = hr.set_property(practice.case_id, "Door keys", returned=False)
    assert [i.name for i in statement.outstanding] == ["Door keys"]
    with pytest.raises(NotFound, match="no item 'Badge'"):
        hr.set_property(practice.case_id, "Badge", returned=True)
    statement = hr.remove_property(practice.case_id, "Door keys")
    assert [i.name for i in statement.property_items] == ["Laptop (asset 0142)"]


def test_editing_after_printing_needs_a_new_print(practice: Practice, tmp_path: Path) -> None:
    hr = practice.hr.statements
    hr.prepare(practice.case_id)
    hr.print_pdf(practice.case_id, tmp_path / "one.pdf")
    assert hr.get(practice.case_id).status is StatementStatus.PRINTED
    # property can still change on the day without a reprint
    assert hr.add_property(practice.case_id, "Badge").status is StatementStatus.PRINTED
    statement = hr.edit(practice.case_id, StatementEdit(practice_text="Keys go to the office."))
    assert statement.status is StatementStatus.DRAFTED and statement.printed is None
    with pytest.raises(BadInput, match="Print the statement before"):
        hr.record_signing(practice.case_id, signing())


def test_signing_keeps_the_printed_text_and_makes_it_read_only(
    practice: Practice, tmp_path: Path
) -> None:
    hr = practice.hr.statements
    hr.prepare(practice.case_id)
    hr.edit(practice.case_id, StatementEdit(job_title="IT administrator"))
    printed = hr.get(practice.case_id)
    hr.print_pdf(practice.case_id, tmp_path / "statement.pdf")
    statement = hr.record_signing(practice.case_id, signing())
    assert statement.status is StatementStatus.SIGNED and statement.read_only
    assert statement.signing is not None
    assert statement.signing.signatory == DEPARTING
    assert statement.signing.witness == "Wendy Marsh"
    assert statement.signing.signed_copy.filename == "gary-signed.pdf"  # no workstation path
    import hashlib

    assert statement.signing.signed_copy.sha256 == hashlib.sha256(SCAN).hexdigest()
    assert statement.signing.text_sha256 == printed.text_sha256()
    # the case's date moves later: the signed text does not
    practice.manager.cases.set_termination_date(practice.case_id, date(2026, 12, 4))
    again = hr.get(practice.case_id)
    assert again.termination_date == LAST_DAY
    assert again.text_sha256() == printed.text_sha256()
    for change in (
        lambda: hr.add_property(practice.case_id, "Phone"),
        lambda: hr.edit(practice.case_id, StatementEdit(practice_text="x")),
        lambda: hr.record_signing(practice.case_id, signing()),
        lambda: hr.add_password(
            practice.case_id, NewListedPassword(system="NAS", secret=SecretStr("pw"))
        ),
    ):
        with pytest.raises(BadInput, match="signed on 2026-11-23; it can no longer be changed"):
            change()
    ref, data = hr.signed_copy(practice.case_id)
    assert data == SCAN and ref.sha256 == statement.signing.signed_copy.sha256
    listing = hr.list()
    assert [(s.case_name, s.status, s.signed_on) for s in listing] == [
        (DEPARTING, StatementStatus.SIGNED, date(2026, 11, 23))
    ]


def test_signing_refuses_bad_input_and_writes_nothing(practice: Practice, tmp_path: Path) -> None:
    hr = practice.hr.statements
    hr.prepare(practice.case_id)
    hr.print_pdf(practice.case_id, tmp_path / "s.pdf")
    before = hr.get(practice.case_id)
    with pytest.raises(BadInput, match="Name the witness"):
        hr.record_signing(practice.case_id, signing(witness="  "))
    with pytest.raises(BadInput, match="in the future"):
        hr.record_signing(practice.case_id, signing(signed_on=date(2026, 11, 24)))
    with pytest.raises(BadInput, match="is empty"):
        hr.record_signing(practice.case_id, signing(copy_bytes=b""))
    printed_on = before.printed.printed_at.astimezone().date() if before.printed else None
    assert printed_on is not None
    with pytest.raises(BadInput, match="cannot have been signed before that"):
        hr.record_signing(practice.case_id, signing(signed_on=printed_on - timedelta(days=1)))
    after = hr.get(practice.case_id)
    assert after.version == before.version and after.status is StatementStatus.PRINTED


def test_a_stale_edit_names_who_changed_it(practice: Practice) -> None:
    hr = practice.hr.statements
    seen = hr.prepare(practice.case_id)
    practice.manager.statements.add_property(practice.case_id, "Badge")
    with pytest.raises(StaleEdit, match=r"Changed by alice at 2026-11-23 \d\d:\d\d; reload"):
        hr.add_property(practice.case_id, "Laptop", expected_version=seen.version)
    assert [i.name for i in hr.get(practice.case_id).property_items] == ["Badge"]


def test_consultant_and_viewer_see_only_that_it_exists_and_its_status(
    practice: Practice, tmp_path: Path
) -> None:
    practice.hr.statements.prepare(practice.case_id)
    practice.hr.statements.add_property(practice.case_id, "Laptop")
    for other in (practice.consultant, practice.viewer):
        listing = other.statements.list()
        assert [(s.case_name, s.status) for s in listing] == [(DEPARTING, StatementStatus.DRAFTED)]
        assert listing[0].signed_on is None and listing[0].outstanding is None
        status = other.statements.status(practice.case_id)
        assert status is not None and status.status is StatementStatus.DRAFTED
        with pytest.raises(PermissionDenied):
            other.statements.get(practice.case_id)
        with pytest.raises(PermissionDenied):
            other.statements.add_property(practice.case_id, "Phone")
        with pytest.raises(PermissionDenied):
            other.statements.print_pdf(practice.case_id, tmp_path / "x.pdf")
        with pytest.raises(PermissionDenied):
            other.statements.signed_copy(practice.case_id)
    # even bypassing the role check, a consultant holds no hr key to open the document
    with pytest.raises(PermissionDenied, match="cannot open the HR records"):
        practice.consultant.ctx.keys.reveal(("hr", practice.consultant.ctx.epoch))
    assert not (tmp_path / "x.pdf").exists()


def test_hr_cannot_read_credentials(practice: Practice) -> None:
    with pytest.raises(PermissionDenied):
        practice.hr.credentials.reveal("System0")
    with pytest.raises(PermissionDenied, match="cannot open the credentials and mailbox records"):
        practice.hr.ctx.keys.reveal(("cred", practice.hr.ctx.epoch))


def test_unknown_or_missing_case_is_one_sentence(practice: Practice) -> None:
    with pytest.raises(NotFound, match="There is no case 'Nobody'"):
        practice.hr.statements.prepare("Nobody")
    with pytest.raises(NotFound, match="No exit statement has been prepared for Gary Thistle"):
        practice.hr.statements.get(practice.case_id)
    assert practice.consultant.statements.status(practice.case_id) is None


def test_every_change_is_audited_without_personal_details(
    practice: Practice, tmp_path: Path
) -> None:
    hr = practice.hr.statements
    hr.prepare(practice.case_id)
    hr.edit(practice.case_id, StatementEdit(job_title="Chief tinkerer"))
    hr.add_property(practice.case_id, "Laptop with sticker")
    hr.print_pdf(practice.case_id, tmp_path / "s.pdf")
    hr.record_signing(practice.case_id, signing())
    events = practice.manager.recent_audit(limit=20)
    actions = [e.action for e in events]
    for action in (
        "statement.prepare",
        "statement.edit",
        "statement.property_items.add",
        "statement.print",
        "statement.sign",
    ):
        assert action in actions
    details = " ".join(str(e.model_dump()) for e in events)
    assert "Chief tinkerer" not in details and "sticker" not in details
    assert "Wendy" not in details
    assert practice.manager.verify_audit().ok


def test_property_returned_after_signing_closes_its_exposure_and_keeps_the_signed_text(
    practice: Practice, tmp_path: Path
) -> None:
    from itexit.domain.statements import LateReturn
    from itexit.io.statement_pdf import render_statement

    hr = practice.hr.statements
    hr.prepare(practice.case_id)
    hr.add_property(practice.case_id, "Laptop (asset 0142)")
    hr.add_property(practice.case_id, "Pager")
    hr.print_pdf(practice.case_id, tmp_path / "s.pdf")
    signed = hr.record_signing(practice.case_id, signing())

    def open_property() -> list[str]:
        return [
            e.subject
            for e in practice.manager.exposures.open_for_case(practice.case_id)
            if e.subject_ref.startswith("property:")
        ]

    assert open_property() == ["Laptop (asset 0142)", "Pager"]
    # the unsigned path stays closed after signing
    with pytest.raises(BadInput, match="it can no longer be changed"):
        hr.set_property(practice.case_id, "Pager", returned=True)
    with pytest.raises(BadInput, match="in the future"):
        hr.return_after_signing(
            practice.case_id, "Pager", LateReturn(returned_on=date(2026, 11, 24))
        )
    with pytest.raises(BadInput, match="signed on 23 November 2026"):
        hr.return_after_signing(
            practice.case_id, "Pager", LateReturn(returned_on=date(2026, 11, 22))
        )
    with pytest.raises(PermissionDenied):
        practice.consultant.statements.return_after_signing(
            practice.case_id, "Pager", LateReturn(returned_on=date(2026, 11, 23))
        )
    with pytest.raises(NotFound, match="no item 'Badge'"):
        hr.return_after_signing(
            practice.case_id, "Badge", LateReturn(returned_on=date(2026, 11, 23))
        )
    assert hr.get(practice.case_id).version == signed.version  # nothing written

    statement = hr.return_after_signing(
        practice.case_id,
        "laptop (asset 0142)",
        LateReturn(returned_on=date(2026, 11, 23), received_by="Anna Berg"),
    )
    laptop = next(i for i in statement.property_items if i.name.startswith("Laptop"))
    assert laptop.state is PropertyState.RETURNED and laptop.after_signing
    assert (laptop.returned_on, laptop.received_by) == (date(2026, 11, 23), "Anna Berg")
    assert laptop.signed_state is PropertyState.OUTSTANDING
    assert [i.name for i in statement.outstanding] == ["Pager"]
    assert statement.status is StatementStatus.SIGNED and statement.signing == signed.signing
    assert statement.text_sha256() == signed.text_sha256()
    # the PDF of the signed statement still lists the laptop as it was signed
    assert render_statement(statement)[0] == render_statement(signed)[0]
    assert open_property() == ["Pager"]
    with pytest.raises(BadInput, match="already marked returned"):
        hr.return_after_signing(
            practice.case_id, "Laptop (asset 0142)", LateReturn(returned_on=date(2026, 11, 23))
        )
    pager = next(
        i
        for i in hr.return_after_signing(
            practice.case_id, "Pager", LateReturn(returned_on=date(2026, 11, 23))
        ).property_items
        if i.name == "Pager"
    )
    assert pager.received_by == practice.hr.ctx.actor.name
    assert open_property() == []
    events = practice.manager.recent_audit(limit=5)
    late = [e for e in events if e.action == "statement.property_items.returned_after_signing"]
    assert len(late) == 2 and "Anna" not in str(late[0].model_dump())
    assert practice.manager.verify_audit().ok
