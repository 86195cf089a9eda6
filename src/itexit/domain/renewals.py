"""Renewals: what renews, when someone must act, and how urgent that is (pure date rules).

An auto-renewing item renews by itself unless it is cancelled before its notice period starts,
so its action date is the **cancel-by** date (renewal date minus notice days). An item that does
not renew by itself lapses on its renewal (expiry) date, so its action date is the **renew-by**
date: the same subtraction, read as the lead time needed to renew it (a domain transfer, a
certificate re-issue, a contract to renegotiate). Both are stored as `cancel_by` on the summary
and labelled by `action_label`.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from pydantic import ConfigDict, Field

from itexit.domain.base import Model

MAX_NOTICE_DAYS = 730
REMINDER_WINDOW_DAYS = 30
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RenewalKind(StrEnum):
    CONTRACT = "contract"
    LICENCE = "licence"
    DOMAIN = "domain"
    CERTIFICATE = "certificate"
    SUBSCRIPTION = "subscription"
    WARRANTY = "warranty"


class BillingCycle(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"
    BIENNIAL = "biennial"
    TRIENNIAL = "triennial"
    ONE_OFF = "one_off"


CYCLE_MONTHS: dict[BillingCycle, int] = {
    BillingCycle.MONTHLY: 1,
    BillingCycle.QUARTERLY: 3,
    BillingCycle.ANNUAL: 12,
    BillingCycle.BIENNIAL: 24,
    BillingCycle.TRIENNIAL: 36,
}


class RenewalState(StrEnum):
    """What the practice decided: keep it, give notice (it ends on its date), or retire it."""

    ACTIVE = "active"
    CANCELLING = "cancelling"
    RETIRED = "retired"


class RenewalStatus(StrEnum):
    """Where an item stands today, derived from its dates and state."""

    OK = "ok"
    DUE = "due"
    OVERDUE = "overdue"
    EXPIRED = "expired"
    ENDING = "ending"
    ENDED = "ended"
    RETIRED = "retired"


class Band(StrEnum):
    """How soon the next action falls: the colour of its row."""

    OVERDUE = "overdue"
    DAYS_30 = "30"
    DAYS_60 = "60"
    DAYS_90 = "90"
    LATER = "later"
    NONE = "none"


class CheckStatus(StrEnum):
    NEVER = "never"
    OK = "ok"
    CHANGED = "changed"
    WARNING = "warning"
    FAILED = "failed"


class Frozen(Model):
    model_config = ConfigDict(frozen=True)


class NewRenewal(Frozen):
    """What a person (or a renewal-notice e-mail) gives to record a renewal."""

    kind: RenewalKind
    vendor: str
    item: str
    renewal_date: date
    auto_renew: bool = False
    notice_days: int = 30
    cost: Decimal | None = None
    billing_cycle: BillingCycle = BillingCycle.ANNUAL
    owner: str = ""
    registrant_email: str = ""
    billing_email: str = ""
    notes: str = ""
    check_target: str = ""
    """A domain name (RDAP) or host[:port] (TLS) read live by `renewal check`."""
    departing_contact: bool = False
    """Set by hand when the item is tied to the departing person in a way no e-mail shows."""


class RenewalSummary(Frozen):
    """A renewal as listed: plaintext facts, derived dates, and the sealed details if readable."""

    id: str
    kind: RenewalKind
    vendor: str
    item: str
    renewal_date: date
    auto_renew: bool
    notice_days: int
    billing_cycle: BillingCycle
    state: RenewalState
    cancel_by: date
    action_label: str
    next_action_date: date | None
    next_action: str
    days_left: int | None
    band: Band
    status: RenewalStatus
    departing_contact: bool
    departing_reason: str = ""
    departing_marked: bool = False
    """The explicit flag a person set (as opposed to an e-mail that matched)."""
    check_target: str = ""
    checked_at: datetime | None = None
    check_status: CheckStatus = CheckStatus.NEVER
    check_message: str = ""
    sealed: bool = False
    """True when the reader's role does not hold the key to cost, owner, e-mails and notes."""
    cost: Decimal | None = None
    owner: str | None = None
    registrant_email: str | None = None
    billing_email: str | None = None
    notes: str | None = None
    version: int = 1
    updated_by: str = ""
    updated_at: datetime | None = None


class CheckResult(Frozen):
    """What one live check of a renewal found, and what it changed."""

    id: str
    item: str
    target: str
    status: CheckStatus
    message: str
    old_date: date | None = None
    new_date: date | None = None
    source: dict[str, str] = Field(default_factory=dict)


class MonthLoad(Frozen):
    """One month of the timeline: how many renewals fall in it and what they cost."""

    year: int
    month: int
    count: int
    cost: Decimal | None

    @property
    def label(self) -> str:
        return f"{calendar.month_abbr[self.month]} {self.year % 100:02d}"


# --- the date rules -----------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def current_term_end(
    renewal_date: date, auto_renew: bool, cycle: BillingCycle, today: date
) -> date:
    """An auto-renewing item whose date has passed renewed: its next date is one cycle on."""
    step = CYCLE_MONTHS.get(cycle)
    if not auto_renew or step is None:
        return renewal_date
    end, terms = renewal_date, 0
    while end < today:
        terms += 1
        end = add_months(renewal_date, step * terms)
    return end


def cancel_by(renewal_date: date, notice_days: int) -> date:
    """The last day to give notice (auto-renewing) or to start renewing (not auto-renewing)."""
    return renewal_date - timedelta(days=max(0, notice_days))


def action_label(auto_renew: bool, state: RenewalState = RenewalState.ACTIVE) -> str:
    if state is RenewalState.CANCELLING:
        return "ends on"
    return "cancel by" if auto_renew else "renew by"


def band_for(days_left: int | None) -> Band:
    if days_left is None:
        return Band.NONE
    if days_left < 0:
        return Band.OVERDUE
    if days_left <= 30:
        return Band.DAYS_30
    if days_left <= 60:
        return Band.DAYS_60
    if days_left <= 90:
        return Band.DAYS_90
    return Band.LATER


class Schedule(Frozen):
    """The derived dates of one renewal on one day."""

    renewal_date: date
    cancel_by: date
    next_action_date: date | None
    next_action: str
    days_left: int | None
    band: Band
    status: RenewalStatus


def schedule(
    renewal_date: date,
    auto_renew: bool,
    notice_days: int,
    cycle: BillingCycle,
    state: RenewalState,
    today: date,
) -> Schedule:
    """Cancel-by, next action, band and status of a renewal as of `today`.

    Overdue means the action date has passed and nothing was done: an auto-renewing item whose
    cancel-by passed is now committed to another term (raised until its renewal date, then it
    rolls to the next term); an item that does not auto-renew is overdue once inside its lead
    time and expired after its date.
    """
    rolls = auto_renew and state is RenewalState.ACTIVE
    term_end = current_term_end(renewal_date, rolls, cycle, today)
    act_by = cancel_by(term_end, notice_days)
    if state is RenewalState.RETIRED:
        return Schedule(
            renewal_date=term_end,
            cancel_by=act_by,
            next_action_date=None,
            next_action="retired",
            days_left=None,
            band=Band.NONE,
            status=RenewalStatus.RETIRED,
        )
    if state is RenewalState.CANCELLING:
        days = (term_end - today).days
        ended = days < 0
        return Schedule(
            renewal_date=term_end,
            cancel_by=act_by,
            next_action_date=None if ended else term_end,
            next_action="ended" if ended else "ends (notice given)",
            days_left=None if ended else days,
            band=Band.NONE if ended else band_for(days),
            status=RenewalStatus.ENDED if ended else RenewalStatus.ENDING,
        )
    if today <= act_by:
        days = (act_by - today).days
        return Schedule(
            renewal_date=term_end,
            cancel_by=act_by,
            next_action_date=act_by,
            next_action=action_label(auto_renew),
            days_left=days,
            band=band_for(days),
            status=RenewalStatus.DUE if days <= REMINDER_WINDOW_DAYS else RenewalStatus.OK,
        )
    if today <= term_end:
        # inside the notice period: the cancel-by (or renew-by) date has been missed
        return Schedule(
            renewal_date=term_end,
            cancel_by=act_by,
            next_action_date=act_by,
            next_action=("cancel-by passed on" if auto_renew else "renew now: was due"),
            days_left=(act_by - today).days,
            band=Band.OVERDUE,
            status=RenewalStatus.OVERDUE,
        )
    return Schedule(
        renewal_date=term_end,
        cancel_by=act_by,
        next_action_date=term_end,
        next_action="expired",
        days_left=(term_end - today).days,
        band=Band.OVERDUE,
        status=RenewalStatus.EXPIRED,
    )


# --- the departing person -----------------------------------------------------------------------


def _tokens(name: str) -> set[str]:
    """E-mail local parts a person's name commonly becomes (gary, holt, gholt, gary.holt…)."""
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]
    if not words:
        return set()
    found = set(words)
    if len(words) >= 2:
        first, last = words[0], words[-1]
        found |= {
            first + last,
            f"{first}.{last}",
            f"{first}_{last}",
            f"{first}-{last}",
            first[0] + last,
            f"{first[0]}.{last}",
            first + last[0],
        }
    return {t for t in found if len(t) >= 3}


def departing_match(emails: list[str], departing: list[str]) -> str:
    """The reason an e-mail belongs to a departing person ('' when none does).

    `departing` holds names and/or addresses of the people on open cases; an address matches
    exactly (case-insensitive), a name matches the e-mail's local part.
    """
    for email in emails:
        address = email.strip().lower()
        if "@" not in address:
            continue
        local = address.split("@", 1)[0]
        for person in departing:
            who = person.strip().lower()
            if not who:
                continue
            if "@" in who:
                if who == address:
                    return f"{email.strip()} is the departing person's address"
            elif local in _tokens(who):
                return f"{email.strip()} looks like {person.strip()}'s address"
    return ""


# --- parsing what a person types ----------------------------------------------------------------


def parse_date(text: str, what: str = "date") -> date:
    """YYYY-MM-DD, or a clear sentence saying what is wrong."""
    value = text.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"The {what} must be a date like 2027-03-31, not {value!r}.") from None


def parse_notice(text: str | int) -> int:
    try:
        days = int(str(text).strip() or "0")
    except ValueError:
        raise ValueError(f"The notice period is a number of days, not {text!r}.") from None
    if not 0 <= days <= MAX_NOTICE_DAYS:
        raise ValueError(f"The notice period must be between 0 and {MAX_NOTICE_DAYS} days.")
    return days


def parse_cost(text: str) -> Decimal | None:
    value = text.strip().replace(",", "").lstrip("$€£").strip()
    if not value:
        return None
    try:
        cost = Decimal(value)
    except InvalidOperation:
        raise ValueError(
            f"The cost must be an amount like 1200.00, not {text.strip()!r}."
        ) from None
    if not cost.is_finite() or cost < 0 or cost >= Decimal("1e12"):
        raise ValueError("The cost must be a positive amount.")
    return cost.quantize(Decimal("0.01"))


def check_email(text: str, what: str) -> str:
    value = text.strip()
    if value and not _EMAIL.match(value):
        raise ValueError(f"The {what} {value!r} is not an e-mail address.")
    return value


def problems(new: NewRenewal) -> dict[str, str]:
    """Every field that is wrong, with one sentence each (empty when the renewal is valid)."""
    found: dict[str, str] = {}
    if not new.vendor.strip():
        found["vendor"] = "Name the vendor (who bills or registers it)."
    if not new.item.strip():
        found["item"] = "Say what renews (the contract, licence, domain or certificate)."
    if not 0 <= new.notice_days <= MAX_NOTICE_DAYS:
        found["notice_days"] = f"The notice period must be between 0 and {MAX_NOTICE_DAYS} days."
    if new.cost is not None and (not new.cost.is_finite() or new.cost < 0):
        found["cost"] = "The cost must be a positive amount."
    for name in ("registrant_email", "billing_email"):
        try:
            check_email(getattr(new, name), name.replace("_", " ").replace("email", "e-mail"))
        except ValueError as exc:
            found[name] = str(exc)
    if new.renewal_date.year < 1990 or new.renewal_date.year > 2200:
        found["renewal_date"] = "The renewal date is out of range."
    return found


def timeline(items: list[RenewalSummary], today: date, months: int = 12) -> list[MonthLoad]:
    """Renewal dates and their cost per month over the next `months` months (this one first).

    Auto-renewing items recur by their billing cycle inside the window; the cost is the sum of
    readable costs (None when none of that month's items has a readable cost).
    """
    start = date(today.year, today.month, 1)
    end = add_months(start, months)
    counts: dict[tuple[int, int], int] = {}
    costs: dict[tuple[int, int], Decimal] = {}
    for item in items:
        if item.state is RenewalState.RETIRED:
            continue
        step = CYCLE_MONTHS.get(item.billing_cycle) if item.auto_renew else None
        occurrence, terms = item.renewal_date, 0
        while occurrence < end:
            if occurrence >= start:
                key = (occurrence.year, occurrence.month)
                counts[key] = counts.get(key, 0) + 1
                if item.cost is not None:
                    costs[key] = costs.get(key, Decimal(0)) + item.cost
            if step is None or item.state is RenewalState.CANCELLING:
                break
            terms += 1
            occurrence = add_months(item.renewal_date, step * terms)
    result = []
    for offset in range(months):
        month = add_months(start, offset)
        key = (month.year, month.month)
        result.append(
            MonthLoad(
                year=month.year, month=month.month, count=counts.get(key, 0), cost=costs.get(key)
            )
        )
    return result
