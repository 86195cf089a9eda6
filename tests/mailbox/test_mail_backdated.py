"""Headers read by another program, imported as an export is; and a review logged after it was
done, dated then: it covers the mail dated up to then, and the record keeps when it was logged.
On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from itexit.domain.credentials import Category
from itexit.domain.errors import BadInput, PermissionDenied
from itexit.domain.mailbox import ActionKind, MessageHeaders, NewAction, NewMailbox
from itexit.domain.roles import Role
from itexit.services.mailbox import IMPORT_FOLDER
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    VIEWER,
    VIEWER_PASS,
    Vault,
    add_credential,
    new_vault,
)

NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    v = new_vault(db_url)
    add_credential(v.manager, "Mail", category=Category.EMAIL)
    v.manager.mailboxes.add(
        NewMailbox(address="gary@clinic.example", name="gary", left_on=date.today() - 10 * DAY)
    )
    yield v
    v.close()


def headers(days_ago: list[int]) -> list[MessageHeaders]:
    """One message per entry, sent that many days ago, oldest first."""
    return [
        MessageHeaders(
            sender="Billing <billing@phoneco.example>",
            to="gary@clinic.example",
            subject=f"Invoice {n}",
            date=NOW - ago * DAY,
            message_id=f"<invoice-{n}@phoneco.example>",
        )
        for n, ago in enumerate(sorted(days_ago, reverse=True))
    ]


def test_headers_are_imported_as_an_export_is_and_only_once(vault: Vault) -> None:
    svc = vault.manager.mailboxes
    first = svc.import_headers("gary", headers([9, 8, 7]))
    assert (first.added, first.skipped) == (3, 0) and first.by_class == {"billing": 3}
    again = svc.import_headers("gary", headers([9, 8, 7, 6]))
    assert (again.added, again.skipped) == (1, 3)
    rows = svc.messages("gary", limit=10)
    assert len(rows) == 4 and {r.folder for r in rows} == {IMPORT_FOLDER}
    imports = [
        json.loads(details)
        for action, details in vault.rows("SELECT action, details FROM audit_events")
        if action == "mailbox.import"
    ]
    assert [(d["added"], d.get("duplicates", 0)) for d in imports] == [(3, 0), (1, 3)]


def test_headers_need_the_right_to_review(vault: Vault) -> None:
    vault.manager.add_user(CONSULTANT, Role.CONSULTANT, CONSULTANT_PASS)
    vault.manager.add_user(VIEWER, Role.VIEWER, VIEWER_PASS)
    consultant = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    assert consultant.mailboxes.import_headers("gary", headers([3])).added == 1
    auditor = vault.unlock(VIEWER, VIEWER_PASS)
    with pytest.raises(PermissionDenied):
        auditor.mailboxes.import_headers("gary", headers([2]))
    assert vault.manager.mailboxes.get("gary").messages == 1


def test_a_review_dated_earlier_covers_the_mail_dated_up_to_then(vault: Vault) -> None:
    svc = vault.manager.mailboxes
    svc.import_headers("gary", headers([9, 8, 6, 5, 4, 1]))
    first = svc.record_review("gary", "Two invoices.", at=NOW - 7 * DAY)
    assert first.messages_reviewed == 2 and first.at == NOW - 7 * DAY
    second = svc.record_review("gary", "Three more.", at=NOW - 3 * DAY)
    assert second.messages_reviewed == 3
    assert svc.status("gary").new_messages == 1
    assert svc.status("gary").last_review == NOW - 3 * DAY
    now = svc.record_review("gary", "The last one.")
    assert now.messages_reviewed == 1 and now.at > NOW - DAY
    logged = [
        json.loads(details)
        for action, details in vault.rows("SELECT action, details FROM audit_events")
        if action == "mailbox.review"
    ]
    assert [d["messages_reviewed"] for d in logged] == [2, 3, 1]
    # the record says when it was done as well as (by its own time) when it was logged
    assert [d.get("reviewed_at") for d in logged] == [
        (NOW - 7 * DAY).isoformat(),
        (NOW - 3 * DAY).isoformat(),
        None,
    ]


@pytest.mark.parametrize(
    ("at", "match"),
    [
        (NOW + DAY, "later than now"),
        (NOW - 5 * DAY, "date this one after it"),  # the last review was 4 days ago
        (NOW - 4 * DAY, "date this one after it"),
    ],
)
def test_a_review_dated_in_the_future_or_before_the_last_is_refused(
    vault: Vault, at: datetime, match: str
) -> None:
    svc = vault.manager.mailboxes
    svc.import_headers("gary", headers([6, 2]))
    svc.record_review("gary", "One invoice.", at=NOW - 4 * DAY)
    with pytest.raises(BadInput, match=match):
        svc.record_review("gary", "Nothing new.", at=at)
    assert len(svc.reviews("gary")) == 1
    assert svc.status("gary").new_messages == 1


def test_a_review_dated_earlier_takes_no_actions(vault: Vault) -> None:
    svc = vault.manager.mailboxes
    svc.import_headers("gary", headers([6]))
    message = svc.messages("gary", limit=1)[0]
    action = NewAction(message_id=message.id, kind=ActionKind.NOTED, note="Paid already.")
    with pytest.raises(BadInput, match="Log the actions first"):
        svc.record_review("gary", "Invoice.", [action], at=NOW - DAY)
    assert svc.reviews("gary") == []
    assert svc.actions("gary") == []
