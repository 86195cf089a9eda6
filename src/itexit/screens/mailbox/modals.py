"""Dialogs of the mailbox screen: record a review, log an unsubscribe, create a renewal from a
notice, choose a mailbox, import an export file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from itexit.domain.mailbox import (
    ActionEntry,
    Mailbox,
    MessageRow,
    NewMailbox,
    ReviewStatus,
    default_keep_until,
    preferred_unsubscribe,
)
from itexit.domain.mailbox_edit import CaseDeparture
from itexit.domain.notices import guess_kind, guess_vendor
from itexit.domain.renewals import NewRenewal, RenewalKind, RenewalSummary
from itexit.domain.wording import count
from itexit.screens.already_listed import AlreadyListedModal
from itexit.screens.base import DIALOG, ItexitModal
from itexit.screens.form import FormModal, refusal_line
from itexit.screens.timed_copy import NO_CLIPBOARD, TimedCopy

if TYPE_CHECKING:
    from itexit.services.renewals.notices import RenewalNotices

DATE_FORMAT = "%d %b %Y"


# --- record a review ------------------------------------------------------------------------


class RecordReviewModal(FormModal[str]):
    """What the review found; the count of messages and the actions are taken from the log."""

    CSS_PATH = "modals.tcss"
    AUTO_FOCUS = "#review-findings"
    DIALOG_ID = "review-dialog"
    SAVE_LABEL = "Record review"
    SAVE_DISABLED = True
    HELP = (
        "Record that you read the mailbox: what you found (renewals, invoices, alerts, anything "
        "to follow up). The number of messages since the last review and the actions you logged "
        "are added for you. The next review falls due by the cadence."
    )

    def __init__(self, status: ReviewStatus) -> None:
        super().__init__()
        self._status = status

    def heading(self) -> str:
        return f"Record a review of {self._status.address}"

    def fields(self) -> ComposeResult:
        s = self._status
        yield Static(
            f"{count(s.new_messages, 'message')} since the last review. Reviews: {s.cadence}.",
            id="review-summary",
            classes="hint",
        )
        yield Label("Findings", classes="field-label")
        yield TextArea(id="review-findings", soft_wrap=True, show_line_numbers=False)
        yield Static(
            'Say what needs follow-up, or "nothing new". Ctrl+S records it.',
            id="review-message",
            classes="hint",
        )

    @on(TextArea.Changed)
    def _changed(self) -> None:
        text = self.query_one("#review-findings", TextArea).text.strip()
        self.query_one("#save", Button).disabled = not text

    def _save(self) -> None:
        text = self.query_one("#review-findings", TextArea).text.strip()
        if text:
            self.dismiss(text)


# --- log an unsubscribe ---------------------------------------------------------------------


class UnsubscribeModal(ItexitModal[bool]):
    """Shows where to unsubscribe; itexit sends no mail, so the person does it and logs it."""

    CSS_PATH = "modals.tcss"
    AUTO_FOCUS = "#log"
    HELP = (
        "Newsletters and mailing lists say how to leave them in their List-Unsubscribe header. "
        "itexit sends no mail and opens no links: use the address shown, then log it here so "
        "the review log shows the list was left."
    )

    def __init__(self, message: MessageRow) -> None:
        super().__init__()
        self._message = message

    def compose(self) -> ComposeResult:
        m = self._message
        target = preferred_unsubscribe(m.list_unsubscribe)
        with VerticalScroll(id="unsubscribe-dialog", classes="dialog"):
            yield Static("Unsubscribe from a list", classes="heading")
            yield Static(f"From: {m.sender}", classes="hint")
            yield Static(f"List: {m.list_id or '(no List-Id)'}", classes="hint")
            yield Label("Unsubscribe target", classes="field-label")
            yield Static(target, id="unsubscribe-target")
            yield Static(
                "Open the link (or send the mail) yourself; itexit only records that you did.",
                classes="hint",
            )
            yield Static("", id="unsubscribe-copied", classes="hint")
            with Horizontal(classes="actions"):
                yield Button("Cancel", id="cancel")
                yield Button("Copy", id="unsubscribe-copy", disabled=not target.strip())
                yield Button("Log unsubscribe", id="log", variant="primary")

    @on(Button.Pressed, "#log")
    def _log(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#unsubscribe-copy")
    def _copy(self) -> None:
        """The link or address to the clipboard, cleared again after the usual time."""
        copier = TimedCopy(self.app)
        target = preferred_unsubscribe(self._message.list_unsubscribe)
        said = copier.copy(target, "The unsubscribe target") if copier.available else NO_CLIPBOARD
        self.query_one("#unsubscribe-copied", Static).update(said)


# --- create a renewal from a notice ---------------------------------------------------------


@dataclass(frozen=True)
class LinkToRenewal:
    """The notice is about a renewal already tracked: log it against that one."""

    renewal_id: str


class CreateRenewalModal(FormModal[NewRenewal | LinkToRenewal]):
    """A renewal prefilled from the notice: check the vendor, item and date, then create; or,
    when the practice already tracks the same item or domain, link the notice to that one."""

    CSS_PATH = "modals.tcss"
    AUTO_FOCUS = "#renewal-date"
    DIALOG_ID = "renewal-dialog"
    HEADING = "Create a renewal from this notice"
    SAVE_ID = "create"
    HELP = (
        "Turn a renewal or expiry notice into a renewal the practice tracks: check the vendor "
        "and item, type the renewal date from the message, and the cancel-by date is worked out "
        "from the notice period. The action is logged against the message. A notice about a "
        "renewal already tracked (the same item or domain) is linked to it instead."
    )

    def __init__(
        self, message: MessageRow, today: date, tracked: list[RenewalSummary] | None = None
    ) -> None:
        super().__init__()
        self._message = message
        self._today = today
        self._tracked = tracked or []

    def fields(self) -> ComposeResult:
        m = self._message
        yield Static(m.subject, classes="hint", id="renewal-subject")
        if self._tracked:
            first = self._tracked[0]
            yield Static(
                f"Already tracked: {first.vendor}: {first.item} (renews "
                f"{first.renewal_date:%d %b %Y}). Link this notice to it, or create a new "
                "renewal if it is a different one.",
                id="renewal-tracked",
                classes="notice",
                markup=False,
            )
        yield Label("Kind", classes="field-label")
        yield Select(
            [(kind.value.capitalize(), kind) for kind in RenewalKind],
            value=guess_kind(m.subject),
            allow_blank=False,
            id="renewal-kind",
        )
        yield Label("Vendor", classes="field-label")
        yield Input(guess_vendor(m.sender), id="renewal-vendor")
        yield Label("Item", classes="field-label")
        yield Input(m.subject[:200], id="renewal-item")
        yield Label("Renewal or expiry date (YYYY-MM-DD)", classes="field-label")
        yield Input(placeholder=(self._today + timedelta(days=30)).isoformat(), id="renewal-date")
        yield refusal_line("renewal-message")

    def other_buttons(self) -> ComposeResult:
        if self._tracked:
            yield Button("Link to it", id="link", variant="primary")

    def save_button(self) -> Button:
        return Button(
            "Create a new one" if self._tracked else "Create renewal",
            id=self.SAVE_ID,
            variant="default" if self._tracked else "primary",
            disabled=True,
        )

    def _value(self) -> tuple[NewRenewal | None, str]:
        vendor = self.query_one("#renewal-vendor", Input).value.strip()
        item = self.query_one("#renewal-item", Input).value.strip()
        raw_date = self.query_one("#renewal-date", Input).value.strip()
        kind = self.query_one("#renewal-kind", Select).value
        if not vendor:
            return None, "Name the vendor."
        if not item:
            return None, "Say what renews (the item)."
        if not raw_date:
            return None, "Type the renewal or expiry date from the message."
        try:
            when = date.fromisoformat(raw_date)
        except ValueError:
            return None, f"{raw_date!r} is not a date: use YYYY-MM-DD."
        if not isinstance(kind, RenewalKind):
            return None, "Choose a kind."
        return NewRenewal(kind=kind, vendor=vendor, item=item, renewal_date=when), ""

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        value, problem = self._value()
        raw_date = self.query_one("#renewal-date", Input).value.strip()
        self.query_one("#renewal-message", Static).update(problem if raw_date else "")
        self.query_one("#create", Button).disabled = value is None

    @on(Input.Submitted)
    def _save(self) -> None:
        value, _problem = self._value()
        if value is not None:
            self.dismiss(value)

    @on(Button.Pressed, "#link")
    def _link(self) -> None:
        self.dismiss(LinkToRenewal(self._tracked[0].id))


NoticeChoice = NewRenewal | LinkToRenewal | None
"""What `CreateRenewalModal` returns: a renewal to create, one to link to, or nothing."""


def settle_notice(
    notices: RenewalNotices, name: str, message_id: int, choice: NoticeChoice
) -> tuple[ActionEntry, str] | None:
    """Do what the person chose in `CreateRenewalModal` (in a worker): the action logged and
    what to tell them, or None when they cancelled."""
    if isinstance(choice, LinkToRenewal):
        done = notices.link(name, message_id, choice.renewal_id)
    elif choice is not None:  # created knowingly, beside any renewal shown as tracked
        done = notices.create(name, message_id, choice, even_if_tracked=True)
    else:
        return None
    verb = "Renewal created" if done.created else "Linked to the renewal"
    return done.action, f"{verb}: {done.action.target}"


# --- choose a mailbox -----------------------------------------------------------------------


class MailboxPickerModal(ItexitModal[str]):
    """Which monitored mailbox to open, with each one's next review."""

    CSS_PATH = "modals.tcss"
    AUTO_FOCUS = "#mailbox-options"
    HELP = "Choose the monitored mailbox to open."

    def __init__(self, mailboxes: list[Mailbox], statuses: dict[str, ReviewStatus]) -> None:
        super().__init__()
        self._mailboxes = mailboxes
        self._statuses = statuses

    def compose(self) -> ComposeResult:
        options = []
        for box in self._mailboxes:
            status = self._statuses.get(box.name)
            due = ""
            if status is not None and status.next_due is not None:
                due = f" · review {'OVERDUE' if status.overdue else 'due'} {status.next_due:%d %b}"
            options.append(Option(f"{box.address} ({box.messages} messages{due})", id=box.name))
        with VerticalScroll(id="picker-dialog", classes="dialog"):
            yield Static("Monitored mailboxes", classes="heading")
            yield OptionList(*options, id="mailbox-options")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


# --- import an export -----------------------------------------------------------------------


@dataclass(frozen=True)
class ImportChoice:
    path: Path


class ImportModal(FormModal[ImportChoice]):
    """The path of an mbox file, an .eml file or a folder of .eml files to import."""

    CSS_PATH = "modals.tcss"
    AUTO_FOCUS = "#import-path"
    DIALOG_ID = "import-dialog"
    HEADING = "Import a mailbox export"
    SAVE_ID = "import"
    SAVE_LABEL = "Import"
    SAVE_DISABLED = True
    HELP = (
        "Import an export of the mailbox when there is no IMAP access: an mbox file (Google "
        "Takeout, Thunderbird), one .eml file, or a folder of .eml files. Only headers are kept; "
        "importing the same file again adds nothing."
    )

    def fields(self) -> ComposeResult:
        yield Label("File or folder", classes="field-label")
        yield Input(placeholder="~/exports/gary.mbox", id="import-path")
        yield refusal_line("import-message")

    def _path(self) -> tuple[Path | None, str]:
        raw = self.query_one("#import-path", Input).value.strip()
        if not raw:
            return None, ""
        path = Path(raw).expanduser()
        if not path.exists():
            return None, f"There is no file or folder {path}."
        return path, ""

    @on(Input.Changed)
    def _changed(self) -> None:
        path, problem = self._path()
        self.query_one("#import-message", Static).update(problem)
        self.query_one("#import", Button).disabled = path is None

    @on(Input.Submitted)
    def _save(self) -> None:
        path, _problem = self._path()
        if path is not None:
            self.dismiss(ImportChoice(path))


# --- start monitoring a mailbox -------------------------------------------------------------


class AddMailboxModal(FormModal[NewMailbox]):
    """The departing person's address, its IMAP server and the credential holding the new
    password; keep-until defaults to a year after the departure and cannot be earlier."""

    CSS_PATH = "modals.tcss"
    AUTO_FOCUS = "#add-address"
    DIALOG_ID = "add-mailbox-dialog"
    HEADING = "Monitor a mailbox"
    SAVE_ID = "add"
    SAVE_LABEL = "Monitor"
    SAVE_DISABLED = True
    HELP = (
        "Keep the departing person's address open with a new password for at least a year: "
        "renewal notices, invoices and alerts keep arriving there. Link the credential that "
        "holds the new password so itexit can sync the headers (never the bodies)."
    )

    def __init__(
        self,
        credentials: list[tuple[str, str]],
        today: date,
        departures: dict[str, CaseDeparture] | None = None,
        listed: dict[str, str] | None = None,
    ) -> None:
        """`departures`: each open case's person's addresses, for the departure date;
        `listed`: the addresses already monitored, described, to ask before adding again."""
        super().__init__()
        self._credentials = credentials
        self._today = today
        self._departures = departures or {}
        self._listed = listed or {}
        self._prefilled = ""
        self.even_if_listed = False
        """True when the person was told the address is monitored and added it anyway."""

    def fields(self) -> ComposeResult:
        yield Label("E-mail address", classes="field-label")
        yield Input(placeholder="gary@practice.example", id="add-address")
        yield Label("Departure date (YYYY-MM-DD)", classes="field-label")
        yield Input(self._today.isoformat(), id="add-left-on")
        from_case = Static("", id="add-left-on-from", classes="hint")
        from_case.display = False
        yield from_case
        yield Label(
            "Keep until (at least a year later; empty for exactly a year)",
            classes="field-label",
        )
        yield Input(placeholder="YYYY-MM-DD", id="add-keep-until")
        yield Label("IMAP server (empty to import exports only)", classes="field-label")
        yield Input(placeholder="imap.practice.example", id="add-host")
        yield Label("Credential holding the new password", classes="field-label")
        yield Select(self._credentials, prompt="No credential (import only)", id="add-cred")
        yield refusal_line("add-message")

    def _date(self, selector: str) -> date | str | None:
        raw = self.query_one(selector, Input).value.strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            return f"{raw!r} is not a date: use YYYY-MM-DD."

    def _value(self) -> tuple[NewMailbox | None, str]:
        address = self.query_one("#add-address", Input).value.strip()
        if not address:
            return None, ""
        if "@" not in address.strip("@"):
            return None, f"{address!r} is not an e-mail address."
        left_on = self._date("#add-left-on")
        if not isinstance(left_on, date):
            return None, left_on or "Type the departure date."
        keep_until = self._date("#add-keep-until")
        if isinstance(keep_until, str):
            return None, keep_until
        if keep_until is not None:
            earliest = default_keep_until(left_on)
            if keep_until < earliest:
                return None, (
                    f"Keep it until {earliest:{DATE_FORMAT}} at least: a year after the "
                    "departure, because yearly renewals arrive there."
                )
        credential = self.query_one("#add-cred", Select).value
        name = address.split("@", 1)[0].lower()
        return (
            NewMailbox(
                address=address,
                name=name,
                imap_host=self.query_one("#add-host", Input).value.strip(),
                credential_id=credential if isinstance(credential, str) else None,
                left_on=left_on,
                keep_until=keep_until,
            ),
            "",
        )

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        value, problem = self._value()
        self.query_one("#add-message", Static).update(problem)
        self.query_one("#add", Button).disabled = value is None

    @on(Input.Changed, "#add-address")
    def _departure_from_case(self, event: Input.Changed) -> None:
        """Take the departure date from the case whose person has this address, unless the
        person typed another date themselves."""
        case = self._departures.get(event.value.strip().casefold())
        note = self.query_one("#add-left-on-from", Static)
        left_on = self.query_one("#add-left-on", Input)
        if case is None or left_on.value not in (self._today.isoformat(), self._prefilled):
            note.update("")
            note.display = False
            return
        self._prefilled = case.termination_date.isoformat()
        left_on.value = self._prefilled
        note.update(f"From the case of {case.case_name}.")
        note.display = True

    def _save(self) -> None:
        """Add it (Monitor, Ctrl+S), or say beside the form why it cannot be added yet."""
        value, problem = self._value()
        if value is None:
            message = problem or "Type the e-mail address to monitor."
            self.query_one("#add-message", Static).update(message)
            return
        self._add()

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def _add(self) -> None:
        value, _problem = self._value()
        if value is None:
            return
        listed = self._listed.get(value.address.strip().casefold())
        if listed is None:
            self.dismiss(value)
            return
        if await self.app.push_screen_wait(AlreadyListedModal([listed])):
            self.even_if_listed = True
            # the short name the first one took stays its own
            self.dismiss(value.model_copy(update={"name": f"{value.name}-2"}))
