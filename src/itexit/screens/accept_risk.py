"""Accept the risk of one open exposure: why, and until when (practice managers)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static

from itexit.domain.errors import BadInput, ItexitError
from itexit.domain.exposures import Exposure
from itexit.screens.form import FormModal, labelled, refusal_line

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

SUGGESTED_DAYS = 30
"""How far ahead the date in the hint lies."""


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


class AcceptRiskModal(FormModal[Exposure]):
    """Carry one exposure knowingly until a date; it is open again once the date has passed."""

    AUTO_FOCUS = "#accept-reason"
    DIALOG_ID = "accept-dialog"
    HEADING = "Accept the risk"
    SAVE_ID = "accept"
    SAVE_LABEL = "Accept the risk"
    HELP = (
        "Accepting a risk takes an exposure off the open list until the date you give, so the "
        "case can close; after that date it is open again. Say why (for example, the laptop is "
        "promised back next week). It is recorded in the audit log with your name."
    )

    def __init__(self, session: UnlockedVault, exposure: Exposure, today: date) -> None:
        super().__init__()
        self._session = session
        self._accepting = False
        self._item = exposure
        self._today = today

    def fields(self) -> ComposeResult:
        item = self._item
        hint = (self._today + timedelta(days=SUGGESTED_DAYS)).isoformat()
        yield Static(
            f"{item.person}: {item.subject} — {item.kind_label}", classes="hint", markup=False
        )
        yield from labelled(
            "Why is the risk accepted?",
            Input(placeholder="e.g. the laptop is promised back by Friday", id="accept-reason"),
            refusal=True,
        )
        yield from labelled(
            "Open again after (at most a year)",
            Input(placeholder=f"YYYY-MM-DD, e.g. {hint}", id="accept-until"),
            refusal=True,
        )
        yield refusal_line("accept-message")

    def _problems(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        if not self.query_one("#accept-reason", Input).value.strip():
            problems["accept-reason"] = "Say why the risk is accepted."
        text = self.query_one("#accept-until", Input).value
        if not text.strip():
            problems["accept-until"] = "Type the date after which it is open again."
        elif _date(text) is None:
            problems["accept-until"] = "Write the date as YYYY-MM-DD, e.g. 2026-12-31."
        return problems

    @on(Input.Submitted)
    def _save(self) -> None:
        problems = self._problems()
        self.show_refusals(problems, ("accept-reason", "accept-until", "accept"))
        if problems:
            first = next(f for f in ("accept-reason", "accept-until") if f in problems)
            self.query_one(f"#{first}", Input).focus()
            return
        reason = self.query_one("#accept-reason", Input).value
        until = _date(self.query_one("#accept-until", Input).value)
        assert until is not None
        if self._accepting:
            return  # the first press is still being written
        self._accepting = True

        def accept() -> Exposure | ItexitError:
            try:
                return self._session.exposures.accept(self._item.id, reason, until, self._today)
            except ItexitError as refused:
                return refused

        self.in_background(accept, self._accepted, group="accept-risk")

    def _accepted(self, accepted: Exposure | ItexitError) -> None:
        self._accepting = False
        if isinstance(accepted, BadInput):
            field = "accept-reason" if "reason" in str(accepted) else "accept-until"
            self.refuse(field, str(accepted))
            self.query_one(f"#{field}", Input).focus()
        elif isinstance(accepted, ItexitError):
            self.refuse("accept", str(accepted))
        else:
            self.dismiss(accepted)
