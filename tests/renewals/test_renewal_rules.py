"""The pure date rules: cancel-by, next action, bands, status, departing e-mails, timeline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from itexit.domain.renewals import (
    Band,
    BillingCycle,
    NewRenewal,
    RenewalKind,
    RenewalState,
    RenewalStatus,
    RenewalSummary,
    add_months,
    band_for,
    cancel_by,
    departing_match,
    parse_cost,
    parse_date,
    parse_notice,
    problems,
    schedule,
    timeline,
)

TODAY = date(2026, 11, 23)


def plan(renewal: date, auto: bool, notice: int, **kw: object):  # type: ignore[no-untyped-def]
    return schedule(
        renewal,
        auto,
        notice,
        kw.get("cycle", BillingCycle.ANNUAL),  # type: ignore[arg-type]
        kw.get("state", RenewalState.ACTIVE),  # type: ignore[arg-type]
        kw.get("today", TODAY),  # type: ignore[arg-type]
    )


def test_cancel_by_is_the_renewal_date_less_the_notice_period() -> None:
    assert cancel_by(date(2027, 1, 31), 60) == date(2026, 12, 2)
    assert cancel_by(date(2027, 1, 31), 0) == date(2027, 1, 31)
    assert cancel_by(date(2027, 3, 1), 1) == date(2027, 2, 28)


@pytest.mark.parametrize(
    ("days", "band"),
    [
        (None, Band.NONE),
        (-1, Band.OVERDUE),
        (0, Band.DAYS_30),
        (30, Band.DAYS_30),
        (31, Band.DAYS_60),
        (60, Band.DAYS_60),
        (61, Band.DAYS_90),
        (90, Band.DAYS_90),
        (91, Band.LATER),
    ],
)
def test_bands_at_their_edges(days: int | None, band: Band) -> None:
    assert band_for(days) is band


def test_auto_renewing_item_before_its_cancel_by() -> None:
    p = plan(date(2027, 2, 9), True, 60)  # cancel by 2026-12-11
    assert p.cancel_by == date(2026, 12, 11)
    assert p.next_action_date == date(2026, 12, 11)
    assert p.next_action == "cancel by"
    assert p.days_left == 18
    assert p.band is Band.DAYS_30
    assert p.status is RenewalStatus.DUE


def test_far_off_item_is_ok() -> None:
    p = plan(date(2027, 6, 1), True, 30)
    assert p.status is RenewalStatus.OK
    assert p.band is Band.LATER


def test_missed_cancel_by_is_overdue_until_the_renewal_date() -> None:
    p = plan(date(2026, 12, 10), True, 30)  # cancel-by 2026-11-10 passed
    assert p.status is RenewalStatus.OVERDUE
    assert p.band is Band.OVERDUE
    assert p.days_left == -13
    assert "cancel-by passed" in p.next_action


def test_an_auto_renewing_item_past_its_date_rolls_to_the_next_term() -> None:
    p = plan(date(2026, 10, 15), True, 30)  # renewed on 15 Oct: next term ends 2027-10-15
    assert p.renewal_date == date(2027, 10, 15)
    assert p.cancel_by == date(2027, 9, 15)
    assert p.status is RenewalStatus.OK
    monthly = plan(date(2026, 1, 31), True, 7, cycle=BillingCycle.MONTHLY)
    assert monthly.renewal_date == date(2026, 11, 30)  # clamped month ends, not drifting
    assert monthly.cancel_by == date(2026, 11, 23)
    assert monthly.days_left == 0
    assert monthly.status is RenewalStatus.DUE


def test_not_auto_renewing_inside_its_lead_time_is_overdue_then_expired() -> None:
    inside = plan(date(2026, 12, 10), False, 30)
    assert inside.next_action.startswith("renew now")
    assert inside.status is RenewalStatus.OVERDUE
    expired = plan(date(2026, 11, 14), False, 30)
    assert expired.status is RenewalStatus.EXPIRED
    assert expired.next_action_date == date(2026, 11, 14)
    assert expired.days_left == -9
    one_off = plan(date(2026, 11, 14), True, 30, cycle=BillingCycle.ONE_OFF)
    assert one_off.status is RenewalStatus.EXPIRED  # nothing to roll to


def test_notice_given_and_retired_items() -> None:
    ending = plan(date(2026, 12, 31), True, 60, state=RenewalState.CANCELLING)
    assert ending.status is RenewalStatus.ENDING
    assert ending.next_action_date == date(2026, 12, 31)
    ended = plan(date(2026, 11, 1), True, 60, state=RenewalState.CANCELLING)
    assert ended.status is RenewalStatus.ENDED
    assert ended.next_action_date is None
    retired = plan(date(2026, 12, 31), True, 60, state=RenewalState.RETIRED)
    assert retired.status is RenewalStatus.RETIRED
    assert retired.band is Band.NONE


def test_the_day_itself_is_still_in_time() -> None:
    p = plan(date(2026, 12, 23), True, 30)  # cancel-by is today
    assert p.cancel_by == TODAY
    assert p.status is RenewalStatus.DUE
    assert plan(date(2026, 12, 23), True, 30, today=date(2026, 11, 24)).status is (
        RenewalStatus.OVERDUE
    )


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 12) == date(2027, 12, 15)


@pytest.mark.parametrize(
    ("emails", "people", "hit"),
    [
        (["gary@greenwayfp.example"], ["gary"], True),
        (["gholt@greenwayfp.example"], ["Gary Holt"], True),
        (["gary.holt@mail.example"], ["Gary Holt"], True),
        (["GARY@Greenwayfp.example"], ["gary@greenwayfp.example"], True),
        (["accounts@greenwayfp.example"], ["Gary Holt"], False),
        (["garyson@example.org"], ["Gary Holt"], False),
        (["", "billing@x.example"], ["gary@greenwayfp.example"], False),
        (["gary@greenwayfp.example"], [], False),
    ],
)
def test_departing_person_e_mails(emails: list[str], people: list[str], hit: bool) -> None:
    assert bool(departing_match(emails, people)) is hit


def test_parsing_what_a_person_types() -> None:
    assert parse_date(" 2027-03-31 ") == date(2027, 3, 31)
    with pytest.raises(ValueError, match="like 2027-03-31"):
        parse_date("31/03/2027")
    assert parse_cost("$1,200.5") == Decimal("1200.50")
    assert parse_cost("") is None
    with pytest.raises(ValueError, match="amount"):
        parse_cost("twelve")
    with pytest.raises(ValueError, match="positive"):
        parse_cost("-3")
    assert parse_notice("45") == 45
    with pytest.raises(ValueError, match="between 0 and 730"):
        parse_notice("900")
    with pytest.raises(ValueError, match="number of days"):
        parse_notice("soon")


def test_problems_names_each_bad_field() -> None:
    bad = NewRenewal(
        kind=RenewalKind.DOMAIN,
        vendor=" ",
        item="",
        renewal_date=date(2027, 1, 1),
        notice_days=-1,
        registrant_email="not-an-email",
    )
    assert set(problems(bad)) == {"vendor", "item", "notice_days", "registrant_email"}
    good = bad.model_copy(
        update={"vendor": "R", "item": "x.example", "notice_days": 0, "registrant_email": ""}
    )
    assert problems(good) == {}


def summary(renewal: date, auto: bool, cycle: BillingCycle, cost: str | None) -> RenewalSummary:
    p = plan(renewal, auto, 30, cycle=cycle)
    return RenewalSummary(
        id="x",
        kind=RenewalKind.SUBSCRIPTION,
        vendor="v",
        item="i",
        renewal_date=p.renewal_date,
        auto_renew=auto,
        notice_days=30,
        billing_cycle=cycle,
        state=RenewalState.ACTIVE,
        cancel_by=p.cancel_by,
        action_label="cancel by",
        next_action_date=p.next_action_date,
        next_action=p.next_action,
        days_left=p.days_left,
        band=p.band,
        status=p.status,
        departing_contact=False,
        cost=None if cost is None else Decimal(cost),
    )


def test_timeline_counts_and_costs_twelve_months() -> None:
    items = [
        summary(date(2026, 12, 5), True, BillingCycle.MONTHLY, "100"),
        summary(date(2027, 2, 1), True, BillingCycle.ANNUAL, "1200"),
        summary(date(2027, 2, 20), False, BillingCycle.ANNUAL, None),
        summary(date(2028, 1, 1), False, BillingCycle.ANNUAL, "5"),
    ]
    months = timeline(items, TODAY)
    assert len(months) == 12
    assert (months[0].year, months[0].month, months[0].count) == (2026, 11, 0)
    assert months[0].label == "Nov 26"
    assert months[1].count == 1 and months[1].cost == Decimal("100")
    feb = months[3]
    assert (feb.month, feb.count, feb.cost) == (2, 3, Decimal("1300"))
    assert sum(m.count for m in months) == 11 + 2  # monthly Dec..Oct, plus two in February


@pytest.mark.parametrize(
    ("auto", "label"), [(True, "cancel-by passed on"), (False, "renew now: was due")]
)
def test_a_missed_act_by_date_is_named_as_such_not_as_the_expiry(auto: bool, label: str) -> None:
    # the date shown beside the label is the act-by date, 2026-12-02, not the end of the term
    missed = plan(date(2027, 1, 31), auto, 60, today=date(2026, 12, 5))
    assert missed.status is RenewalStatus.OVERDUE
    assert missed.next_action_date == date(2026, 12, 2)
    assert missed.renewal_date == date(2027, 1, 31)
    assert missed.next_action == label
