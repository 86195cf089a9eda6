"""Add or edit a renewal: every field checked as it is typed, the cancel-by date shown live."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from itexit.domain.renewals import (
    BillingCycle,
    NewRenewal,
    RenewalKind,
    RenewalState,
    RenewalSummary,
    check_email,
    parse_cost,
    parse_date,
    parse_notice,
    schedule,
)
from itexit.domain.wording import count
from itexit.screens.already_listed import AlreadyListedModal
from itexit.screens.base import DIALOG
from itexit.screens.form import FormModal
from itexit.widgets.tick import TickBox

KIND_LABELS = {
    RenewalKind.CONTRACT: "Contract",
    RenewalKind.LICENCE: "Licence",
    RenewalKind.DOMAIN: "Domain",
    RenewalKind.CERTIFICATE: "TLS certificate",
    RenewalKind.SUBSCRIPTION: "Subscription",
    RenewalKind.WARRANTY: "Warranty",
}
CYCLE_LABELS = {
    BillingCycle.MONTHLY: "Monthly",
    BillingCycle.QUARTERLY: "Quarterly",
    BillingCycle.ANNUAL: "Annual",
    BillingCycle.BIENNIAL: "Every 2 years",
    BillingCycle.TRIENNIAL: "Every 3 years",
    BillingCycle.ONE_OFF: "One-off",
}
STATE_LABELS = {
    RenewalState.ACTIVE: "Active",
    RenewalState.CANCELLING: "Notice given (ends on its date)",
    RenewalState.RETIRED: "Retired (hide it)",
}


@dataclass(frozen=True)
class RenewalEdit:
    """What the form returns: the fields, the state, and the version it was read at."""

    new: NewRenewal
    state: RenewalState
    existing: RenewalSummary | None
    even_if_listed: bool = False
    """The person was asked about a likely duplicate and said to add it anyway."""


def _required(what: str) -> Callable[[str], str]:
    def check(text: str) -> str:
        if not text.strip():
            raise ValueError(f"Give the {what}.")
        return text.strip()

    return check


class RenewalFormModal(FormModal[RenewalEdit]):
    """Save stays disabled until every field reads; each wrong field says why beneath it."""

    CSS_PATH = "renewal_form.tcss"
    AUTO_FOCUS = "#renewal-vendor"
    DIALOG_ID = "renewal-form"
    SAVE_DISABLED = True
    HELP = (
        "Record what renews and when. For what renews by itself, the notice period gives the "
        "cancel-by date; for what lapses, it is the lead time you need to renew. Costs, the "
        "owner, e-mails and notes are encrypted; a registrant or billing e-mail of the "
        "departing person is flagged."
    )

    FIELDS: dict[str, tuple[str, Callable[[str], Any]]] = {
        "vendor": ("Vendor", _required("vendor (who bills or registers it)")),
        "item": ("Item", _required("item that renews")),
        "date": ("Renewal date", lambda t: parse_date(t, "renewal date")),
        "notice": ("Notice (days)", parse_notice),
        "cost": ("Cost", parse_cost),
        "owner": ("Owner", str.strip),
        "registrant": ("Registrant e-mail", lambda t: check_email(t, "registrant e-mail")),
        "billing": ("Billing e-mail", lambda t: check_email(t, "billing e-mail")),
        "target": ("Check (domain/host)", str.strip),
        "notes": ("Notes", str),
    }

    def __init__(
        self,
        existing: RenewalSummary | None,
        today: date,
        duplicates: Callable[[NewRenewal], list[str]] | None = None,
    ) -> None:
        """`duplicates` names the renewals already listed that a new one probably repeats."""
        super().__init__()
        self._existing = existing
        self._today = today
        self._duplicates = duplicates

    def _initial(self) -> dict[str, str]:
        item = self._existing
        if item is None:
            return {"notice": "30"}
        return {
            "vendor": item.vendor,
            "item": item.item,
            "date": item.renewal_date.isoformat(),
            "notice": str(item.notice_days),
            "cost": "" if item.cost is None else f"{item.cost:.2f}",
            "owner": item.owner or "",
            "registrant": item.registrant_email or "",
            "billing": item.billing_email or "",
            "target": item.check_target,
            "notes": item.notes or "",
        }

    def heading(self) -> str:
        item = self._existing
        return "Add a renewal" if item is None else f"Edit {item.vendor}: {item.item}"

    def fields(self) -> ComposeResult:
        item = self._existing
        values = self._initial()
        with Horizontal(classes="form-row"):
            yield Label("Kind", classes="field-label")
            yield Select(
                [(label, kind) for kind, label in KIND_LABELS.items()],
                value=item.kind if item else RenewalKind.CONTRACT,
                allow_blank=False,
                compact=True,
                id="renewal-kind",
            )
        for key, (label, _check) in self.FIELDS.items():
            with Horizontal(classes="form-row"):
                yield Label(label, classes="field-label")
                yield Input(
                    value=values.get(key, ""),
                    placeholder=_PLACEHOLDERS.get(key, ""),
                    id=f"renewal-{key}",
                    compact=True,
                )
            yield Static("", id=f"renewal-{key}-message", classes="field-message")
            if key == "notice":
                with Horizontal(classes="form-row"):
                    yield Label("Billing cycle", classes="field-label")
                    yield Select(
                        [(label, cycle) for cycle, label in CYCLE_LABELS.items()],
                        value=item.billing_cycle if item else BillingCycle.ANNUAL,
                        allow_blank=False,
                        compact=True,
                        id="renewal-cycle",
                    )
        with Horizontal(classes="form-row checks"):
            yield TickBox(
                "Renews by itself",
                value=item.auto_renew if item else False,
                id="renewal-auto",
                compact=True,
            )
            yield TickBox(
                "Tied to the departing person",
                value=item.departing_marked if item else False,
                id="renewal-departing",
                compact=True,
            )
        if item is not None:
            with Horizontal(classes="form-row"):
                yield Label("State", classes="field-label")
                yield Select(
                    [(label, state) for state, label in STATE_LABELS.items()],
                    value=item.state,
                    allow_blank=False,
                    compact=True,
                    id="renewal-state",
                )
        yield Static("", id="renewal-preview", classes="hint")

    def on_mount(self) -> None:
        self._refresh()

    # --- validation ---------------------------------------------------------------------------

    def _parsed(self) -> tuple[dict[str, Any], dict[str, str]]:
        values: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for key, (_label, check) in self.FIELDS.items():
            text = self.query_one(f"#renewal-{key}", Input).value
            try:
                values[key] = check(text)
            except ValueError as exc:
                problems[key] = str(exc)
        return values, problems

    def _select(self, selector: str) -> Any:
        return self.query_one(selector, Select).value

    def _build(self, values: dict[str, Any]) -> NewRenewal:
        return NewRenewal(
            kind=self._select("#renewal-kind"),
            vendor=values["vendor"],
            item=values["item"],
            renewal_date=values["date"],
            auto_renew=self.query_one("#renewal-auto", Checkbox).value,
            notice_days=values["notice"],
            cost=values["cost"],
            billing_cycle=self._select("#renewal-cycle"),
            owner=values["owner"],
            registrant_email=values["registrant"],
            billing_email=values["billing"],
            notes=values["notes"],
            check_target=values["target"],
            departing_contact=self.query_one("#renewal-departing", Checkbox).value,
        )

    def _state(self) -> RenewalState:
        if self._existing is None:
            return RenewalState.ACTIVE
        value = self._select("#renewal-state")
        return value if isinstance(value, RenewalState) else RenewalState.ACTIVE

    def _refresh(self, touched: str | None = None) -> None:
        values, problems = self._parsed()
        for key in self.FIELDS:
            message = self.query_one(f"#renewal-{key}-message", Static)
            field = self.query_one(f"#renewal-{key}", Input)
            shown = key in problems and (touched == key or bool(field.value.strip()))
            message.update(problems[key] if shown else "")
            message.display = shown
            field.set_class(shown, "-invalid")
        preview = self.query_one("#renewal-preview", Static)
        if "date" in values and "notice" in values:
            auto = self.query_one("#renewal-auto", Checkbox).value
            plan = schedule(
                values["date"],
                auto,
                values["notice"],
                self._select("#renewal-cycle"),
                self._state(),
                self._today,
            )
            verb = "Cancel by" if auto else "Renew by"
            days = (plan.cancel_by - self._today).days
            when = (
                "today"
                if days == 0
                else f"in {count(days, 'day')}"
                if days > 0
                else f"{count(-days, 'day')} ago"
            )
            preview.update(f"{verb} {plan.cancel_by.isoformat()} ({when}).")
        else:
            preview.update("")
        self.query_one("#save", Button).disabled = bool(problems)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("renewal-")
        self._refresh(key)

    @on(Checkbox.Changed)
    @on(Select.Changed)
    def _other_changed(self) -> None:
        self._refresh()

    @on(Input.Submitted)
    def _save(self) -> None:
        values, problems = self._parsed()
        if problems:
            first = next(iter(problems))
            self._refresh(first)
            self.query_one(f"#renewal-{first}-message", Static).display = True
            self.query_one(f"#renewal-{first}-message", Static).update(problems[first])
            self.query_one(f"#renewal-{first}", Input).focus()
            return
        new = self._build(values)
        if self._existing is not None or self._duplicates is None:
            self.dismiss(RenewalEdit(new, self._state(), self._existing))
            return
        # reading every renewal waits on the vault: off the screen's thread
        self.in_background(
            partial(self._duplicates, new), partial(self._checked, new), group="renewal-listed"
        )

    def _checked(self, new: NewRenewal, listed: list[str]) -> None:
        if not listed:
            self.dismiss(RenewalEdit(new, self._state(), None))
            return
        self._ask_if_listed(new, listed)

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def _ask_if_listed(self, new: NewRenewal, listed: list[str]) -> None:
        if await self.app.push_screen_wait(AlreadyListedModal(listed)):
            self.dismiss(RenewalEdit(new, self._state(), None, even_if_listed=True))


_PLACEHOLDERS = {
    "vendor": "Who bills or registers it",
    "item": "e.g. EHR hosting contract, practice.com",
    "date": "YYYY-MM-DD (renewal or expiry)",
    "notice": "days before the date",
    "cost": "per term, e.g. 1200.00",
    "owner": "who at the practice looks after it",
    "registrant": "the e-mail it is registered to",
    "billing": "the e-mail the invoices go to",
    "target": "practice.com or portal.practice.com:443",
    "notes": "account number, how to give notice…",
}
