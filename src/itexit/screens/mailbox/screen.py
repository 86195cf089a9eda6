"""The former employee's mailbox: messages, findings and the review log."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.widgets import (
    DataTable,
    Header,
    Input,
    ProgressBar,
    Select,
    Static,
    TabbedContent,
    TabPane,
)
from textual.worker import Worker

from itexit.domain.duplicates import mailbox_described
from itexit.domain.mailbox import (
    CLASS_LABELS,
    ActionEntry,
    Mailbox,
    MessageClass,
    MessageRow,
    Progress,
    ReviewEntry,
    ReviewStatus,
    SyncResult,
    preferred_unsubscribe,
)
from itexit.domain.mailbox_edit import CaseDeparture
from itexit.domain.roles import Permission
from itexit.domain.wording import count
from itexit.screens.base import DIALOG
from itexit.screens.mailbox.edit import MailboxEditing
from itexit.screens.mailbox.modals import (
    AddMailboxModal,
    CreateRenewalModal,
    ImportModal,
    MailboxPickerModal,
    RecordReviewModal,
    UnsubscribeModal,
    settle_notice,
)
from itexit.screens.mailbox.regions import (
    ALL_CLASSES,
    DATE_FORMAT,
    MessageDetail,
    ReviewDetail,
    ReviewStatusLine,
    render_cell,
    show_review_log,
)
from itexit.widgets.keybar import KeyBar
from itexit.widgets.virtual_table import Column, VirtualTable

if TYPE_CHECKING:
    from itexit.services.renewals.notices import NoticeDraft
    from itexit.services.session import UnlockedVault

NARROW = 110
"""Below this width the detail panel moves under the message list."""


@dataclass
class Loaded:
    mailbox: Mailbox
    status: ReviewStatus
    messages: list[MessageRow]
    reviews: list[ReviewEntry]
    actions: list[ActionEntry]
    search_text: dict[int, str] = field(default_factory=dict)
    """Each message's filter text, built in the worker so the first keystroke is quick."""


class MailboxScreen(MailboxEditing):
    """Mailbox."""

    CSS_PATH = "mailbox.tcss"
    AUTO_FOCUS = "#mail-table"
    HELP = (
        "The departing person's mailbox, kept for at least a year because renewals, invoices "
        "and alerts keep arriving there. Sync it (or import an export), read what came in, "
        "unsubscribe from newsletters, turn renewal notices into renewals, and record each "
        "review: daily for the first weeks, then weekly. Overdue reviews show on the dashboard."
    )

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="mailbox.filter", tooltip="Type to filter"),
        Binding("s", "sync", "Sync", id="mailbox.sync", tooltip="Fetch new mail headers (IMAP)"),
        Binding(
            "x",
            "cancel_sync",
            "Stop sync",
            id="mailbox.cancel_sync",
            tooltip="Stop the sync after the batch in hand (what was fetched is kept)",
        ),
        Binding(
            "r",
            "record_review",
            "Review done",
            id="mailbox.review",
            tooltip="Record a review of the mailbox and its findings",
        ),
        Binding(
            "u",
            "unsubscribe",
            "Unsubscribe",
            id="mailbox.unsubscribe",
            tooltip="Show the list's unsubscribe target and log that you left it",
        ),
        Binding(
            "n",
            "create_renewal",
            "Renewal",
            id="mailbox.renewal",
            tooltip="Create a renewal from the highlighted notice",
        ),
        Binding(
            "l",
            "toggle_log",
            "Review log",
            id="mailbox.log",
            tooltip="Switch between the messages and the review log",
        ),
        Binding(
            "a",
            "add_mailbox",
            "Add mailbox",
            show=False,
            id="mailbox.add",
            tooltip="Start monitoring another mailbox",
        ),
        Binding(
            "i",
            "import_file",
            "Import",
            show=False,
            id="mailbox.import",
            tooltip="Import an mbox or .eml export",
        ),
        Binding(
            "m",
            "pick_mailbox",
            "Mailboxes",
            show=False,
            id="mailbox.pick",
            tooltip="Open another monitored mailbox",
        ),
        Binding("escape", "go_back", "Back", id="mailbox.back", tooltip="Back to the dashboard"),
    ]

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._session = session
        self._mailbox: Mailbox | None = None
        self._status: ReviewStatus | None = None
        self._messages: list[MessageRow] = []
        self._cancel: threading.Event | None = None
        self._search_text: dict[int, str] = {}
        self._today = date.today()
        self._reviews: dict[object, ReviewEntry] = {}

    # --- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="mailbox-body"):
            yield Static("Monitored mailbox", id="mailbox-title", classes="heading")
            yield ReviewStatusLine("Loading…", id="mailbox-status")
            with Horizontal(id="sync-row"):
                yield ProgressBar(id="sync-progress", show_eta=False)
                yield Static("", id="sync-label")
            with TabbedContent(id="mailbox-tabs"):
                with TabPane("Messages", id="tab-messages"):
                    with Horizontal(id="filter-row"):
                        yield Input(
                            placeholder="Filter subject, sender or class…", id="mail-filter"
                        )
                        yield Select(
                            [("All classes", ALL_CLASSES)]
                            + [(CLASS_LABELS[c], c.value) for c in MessageClass],
                            value=ALL_CLASSES,
                            allow_blank=False,
                            id="mail-class",
                        )
                    yield Static("", id="mail-count")
                    with Horizontal(id="mail-main"):
                        yield VirtualTable[MessageRow](
                            [
                                Column("date", "Date", width=15),
                                Column("class", "Class", width=10, hide_below=90),
                                Column("sender", "From", min_width=10, flex=1),
                                Column("subject", "Subject", min_width=16, flex=2),
                            ],
                            render_cell=render_cell,
                            row_key=lambda row: row.id,
                            search_text=self._haystack,
                            empty_text="No messages match.",
                            id="mail-table",
                        )
                        with VerticalScroll(id="mail-detail"):
                            yield MessageDetail("", id="detail-body")
                with TabPane("Review log", id="tab-reviews"):
                    yield DataTable(id="review-table", cursor_type="row", zebra_stripes=True)
                    yield ReviewDetail("", id="review-detail")
                    yield Static("Actions", classes="subheading")
                    yield DataTable(id="action-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def _haystack(self, row: MessageRow) -> str:
        text = self._search_text.get(row.id)
        return text if text is not None else row.haystack()

    def on_mount(self) -> None:
        self.query_one("#sync-row").display = False
        reviews = self.query_one("#review-table", DataTable)
        for label, key in (
            ("When", "at"),
            ("Reviewer", "who"),
            ("Messages", "n"),
            ("Actions", "a"),
            ("Findings", "findings"),
        ):
            reviews.add_column(label, key=key)
        actions = self.query_one("#action-table", DataTable)
        for label, key in (("When", "at"), ("By", "by"), ("Action", "kind"), ("Detail", "d")):
            actions.add_column(label, key=key)
        self._fit(self.size.width)
        self.query_one("#mail-table").loading = True
        self.list_mailboxes()

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        self.set_class(width < NARROW, "-narrow")

    # --- permissions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        writes = {
            "sync",
            "record_review",
            "unsubscribe",
            "create_renewal",
            "import_file",
            "add_mailbox",
            "edit_mailbox",
        }
        if action in writes and not self._session.can(Permission.MAILBOX_REVIEW):
            return False
        if action == "cancel_sync":
            return self._cancel is not None
        if action == "sync":
            return self._cancel is None
        return True

    # --- loading ------------------------------------------------------------------------------

    def list_mailboxes(self) -> None:
        self.in_background(self._read_mailboxes, self._listed, group="mailbox-load")

    def _read_mailboxes(self) -> tuple[list[Mailbox], dict[str, ReviewStatus]]:
        boxes = self._session.mailboxes.list_mailboxes()
        statuses = {s.mailbox: s for s in self._session.mailboxes.statuses(self._today)}
        return boxes, statuses

    def _listed(self, listed: tuple[list[Mailbox], dict[str, ReviewStatus]]) -> None:
        boxes, statuses = listed
        if not boxes:
            self.query_one("#mail-table").loading = False
            self.add_class("-empty")
            self.query_one("#mailbox-title", Static).update("No mailbox is monitored yet")
            can_add = self._session.can(Permission.MAILBOX_REVIEW)
            self.query_one(ReviewStatusLine).say(
                "Keep the departing person's address open for at least a year with a new "
                "password: renewal notices, invoices and security alerts keep arriving there. "
                + (
                    "Press a to start monitoring it."
                    if can_add
                    else "Ask the practice manager or IT consultant to add it."
                )
            )
            return
        self.remove_class("-empty")
        if len(boxes) == 1 or self._mailbox is not None:
            name = self._mailbox.name if self._mailbox is not None else boxes[0].name
            self.load_mailbox(name)
            return
        # after the screen has drawn itself, so the picker opens over a finished screen
        self.call_after_refresh(self._pick, boxes, statuses)

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def _pick(self, boxes: list[Mailbox], statuses: dict[str, ReviewStatus]) -> None:
        name = await self.app.push_screen_wait(MailboxPickerModal(boxes, statuses))
        if name:
            self.query_one("#mail-table").loading = True
            self.load_mailbox(name)
        elif self._mailbox is None:
            self.dismiss()

    def load_mailbox(self, name: str) -> None:
        self.in_background(partial(self._read_mailbox, name), self._loaded, group="mailbox-load")

    def _read_mailbox(self, name: str) -> Loaded:
        svc = self._session.mailboxes
        box = svc.get(name)
        messages = svc.messages(name)
        return Loaded(
            mailbox=box,
            status=svc.status(name, self._today),
            messages=messages,
            reviews=svc.reviews(name),
            actions=svc.actions(name),
            search_text={m.id: m.haystack() for m in messages},
        )

    def _loaded(self, loaded: Loaded) -> None:
        self._mailbox = loaded.mailbox
        self._status = loaded.status
        self._messages = loaded.messages
        self._search_text = loaded.search_text
        table = self._table()
        table.loading = False
        self._apply_class_filter()
        self._show_header()
        self._show_reviews(loaded.reviews, loaded.actions)
        self._show_detail(table.cursor_item)
        if self.focused is None or not isinstance(self.focused, Input):
            table.focus()
            self.call_after_refresh(table.refresh_rows)  # the cursor row in its focused style

    def _table(self) -> VirtualTable[MessageRow]:
        return self.query_one("#mail-table", VirtualTable)

    def _show_header(self) -> None:
        box, status = self._mailbox, self._status
        if box is None or status is None:
            return
        self.query_one("#mailbox-title", Static).update(
            Text(f"{box.address}  ·  {count(len(self._messages), 'message')}")
        )
        self.query_one(ReviewStatusLine).show(box, status)

    def _show_reviews(self, reviews: list[ReviewEntry], actions: list[ActionEntry]) -> None:
        self._reviews = {review.id: review for review in reviews}
        self.query_one(ReviewDetail).show(reviews[0] if reviews else None)
        show_review_log(
            self.query_one("#review-table", DataTable),
            self.query_one("#action-table", DataTable),
            reviews,
            actions,
        )

    def _show_detail(self, row: MessageRow | None) -> None:
        self.query_one(MessageDetail).show(row)

    # --- filtering ----------------------------------------------------------------------------

    def _class_choice(self) -> MessageClass | None:
        value = self.query_one("#mail-class", Select).value
        return MessageClass(value) if isinstance(value, str) and value != ALL_CLASSES else None

    def _apply_class_filter(self) -> None:
        chosen = self._class_choice()
        rows = (
            self._messages
            if chosen is None
            else [row for row in self._messages if row.msg_class is chosen]
        )
        self._table().set_rows(rows)
        self._update_count()

    def _update_count(self) -> None:
        table = self._table()
        shown, total = table.row_count, len(self._messages)
        text = (
            f"{shown:,} of {count(total, 'message')}" if shown != total else count(total, "message")
        )
        self.query_one("#mail-count", Static).update(text)

    @on(Input.Changed, "#mail-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._table().set_filter(event.value)
        self._update_count()

    @on(Input.Submitted, "#mail-filter")
    def _filter_submitted(self) -> None:
        self._table().focus()

    @on(Select.Changed, "#mail-class")
    def _class_changed(self) -> None:
        if self._mailbox is not None:
            self._apply_class_filter()

    def action_toggle_log(self) -> None:
        """Switch tabs and move the focus at once: a focus left in the pane being hidden would
        pass to its next field, and that field's pane would come back."""
        tabs = self.query_one(TabbedContent)
        if tabs.active == "tab-messages":
            tabs.active = "tab-reviews"
            self.set_focus(self.query_one("#review-table", DataTable))
        else:
            tabs.active = "tab-messages"
            self.set_focus(self._table())

    def action_focus_filter(self) -> None:
        self.query_one(TabbedContent).active = "tab-messages"
        self.query_one("#mail-filter", Input).focus()

    # --- the detail panel ---------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#review-table")
    def _review_highlighted(self, event: DataTable.RowHighlighted) -> None:
        review = self._reviews.get(event.row_key.value) if event.row_key.value else None
        if review is not None:
            self.query_one(ReviewDetail).show(review)

    @on(VirtualTable.RowHighlighted, "#mail-table")
    def _highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        self._show_detail(event.row if isinstance(event.row, MessageRow) else None)

    def _current(self) -> MessageRow | None:
        row = self._table().cursor_item
        if row is None:
            self.notify("Highlight a message first.", severity="warning")
        return row

    # --- sync and import ----------------------------------------------------------------------

    def action_sync(self) -> None:
        if self._mailbox is None or self._cancel is not None:
            return
        if not self._mailbox.imap_host:
            self.notify(
                "This mailbox has no IMAP server; import an export instead (i).",
                severity="warning",
            )
            return
        self._start_progress("Connecting…")
        name, cancel = self._mailbox.name, self._cancel_event()
        sync = partial(
            self._session.mailboxes.sync,
            name,
            progress=self._progress_callback(cancel),
            cancel=cancel,
        )
        self.in_background(sync, partial(self._finished, "Synced"), group="mailbox-sync")

    def _cancel_event(self) -> threading.Event:
        self._cancel = threading.Event()
        self.refresh_bindings()
        return self._cancel

    def _start_progress(self, label: str) -> None:
        self.query_one("#sync-row").display = True
        bar = self.query_one("#sync-progress", ProgressBar)
        bar.update(total=None, progress=0)
        self.query_one("#sync-label", Static).update(label)

    def _progress_callback(self, cancel: threading.Event) -> Any:
        def report(progress: Progress) -> bool:
            self.app.call_from_thread(self._progressed, progress)
            return not cancel.is_set()

        return report

    def action_cancel_sync(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.query_one("#sync-label", Static).update("Stopping after this batch…")

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_import_file(self) -> None:
        if self._mailbox is None or self._cancel is not None:
            return
        choice = await self.app.push_screen_wait(ImportModal())
        if choice is None or self._mailbox is None:
            return
        self._start_progress(f"Importing {choice.path.name}…")
        name, cancel = self._mailbox.name, self._cancel_event()
        read = partial(
            self._session.mailboxes.import_file,
            name,
            choice.path,
            progress=self._progress_callback(cancel),
            cancel=cancel,
        )
        self.in_background(read, partial(self._finished, "Imported"), group="mailbox-sync")

    def _progressed(self, p: Progress) -> None:
        try:
            bar = self.query_one("#sync-progress", ProgressBar)
        except NoMatches:  # the screen closed while the sync finished its batch
            return
        if p.total:
            bar.update(total=p.total, progress=p.done)
        stage = f" {p.stage}" if p.stage else ""
        if self._cancel is not None and not self._cancel.is_set():
            self.query_one("#sync-label", Static).update(f"{p.done:,} of {p.total:,}{stage}")

    def _finished(self, verb: str, r: SyncResult) -> None:
        text = f"{verb} {count(r.added, 'new message')}"
        if r.skipped:
            text += f", {r.skipped:,} already there"
        if r.malformed:
            text += f", {r.malformed:,} malformed"
        if r.folders_resynced:
            text += (
                f"; read {', '.join(r.folders_resynced)} again from the start (the server "
                "renumbered its messages)"
            )
        if r.cancelled:
            text += ". Stopped: run it again to continue."
        self.notify(text + ".", title="Mailbox")
        if self._mailbox is not None:
            self.load_mailbox(self._mailbox.name)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "mailbox-sync" and event.worker.is_finished:
            self._cancel = None
            self.query_one("#sync-row").display = False
            self.refresh_bindings()
        if event.worker.group == "mailbox-load" and event.worker.is_finished:
            self.query_one("#mail-table").loading = False

    # --- reviews and actions ------------------------------------------------------------------

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_record_review(self) -> None:
        if self._mailbox is None or self._status is None:
            return
        findings = await self.app.push_screen_wait(RecordReviewModal(self._status))
        if findings and self._mailbox is not None:
            self.in_background(
                partial(self._session.mailboxes.record_review, self._mailbox.name, findings),
                self._review_recorded,
                group="mailbox-change",
                exclusive=False,
            )

    def _review_recorded(self, r: ReviewEntry) -> None:
        self.notify(
            f"Review recorded: {count(r.messages_reviewed, 'message')}, "
            f"{count(r.actions, 'action')}.",
            title="Mailbox",
        )
        if self._mailbox is not None:
            self.refresh_log(self._mailbox.name)

    def refresh_log(self, name: str) -> None:
        self.in_background(partial(self._read_log, name), self._log_refreshed, group="mailbox-log")

    def _read_log(self, name: str) -> Loaded:
        svc = self._session.mailboxes
        box = svc.get(name)
        return Loaded(
            mailbox=box,
            status=svc.status(name, self._today),
            messages=[],
            reviews=svc.reviews(name),
            actions=svc.actions(name),
        )

    def _log_refreshed(self, loaded: Loaded) -> None:
        self._mailbox = loaded.mailbox
        self._status = loaded.status
        self._show_header()
        self._show_reviews(loaded.reviews, loaded.actions)

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_unsubscribe(self) -> None:
        row = self._current()
        if row is None or self._mailbox is None:
            return
        if row.sealed:
            self.notify("This message is sealed for your role.", severity="warning")
            return
        if row.unsubscribed:
            self.notify("Leaving this list is already logged.", severity="information")
            return
        if not preferred_unsubscribe(row.list_unsubscribe):
            self.notify(
                "This message has no List-Unsubscribe header: unsubscribe on the sender's site.",
                severity="warning",
            )
            return
        name = self._mailbox.name
        if not await self.app.push_screen_wait(UnsubscribeModal(row)):
            return

        def log() -> tuple[ActionEntry, str]:
            entry = self._session.mailboxes.log_unsubscribe(name, row.id)
            return entry, f"Unsubscribe logged: {entry.target}"

        self.in_background(
            log, partial(self._action_logged, row.id), group="mailbox-change", exclusive=False
        )

    def action_create_renewal(self) -> None:
        row = self._current()
        if row is None or self._mailbox is None:
            return
        if row.sealed:
            self.notify("This message is sealed for your role.", severity="warning")
            return
        name = self._mailbox.name
        self.in_background(
            partial(self._session.renewal_notices.draft, name, row.id),  # a new renewal, or link
            partial(self._ask_notice, name, row),
            group="mailbox-change",
            exclusive=False,
        )

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def _ask_notice(self, name: str, row: MessageRow, draft: NoticeDraft) -> None:
        modal = CreateRenewalModal(row, self._today, draft.duplicates)
        choice = await self.app.push_screen_wait(modal)
        if choice is not None:
            self.in_background(
                partial(settle_notice, self._session.renewal_notices, name, row.id, choice),
                partial(self._action_logged, None),
                group="mailbox-change",
                exclusive=False,
            )

    def _action_logged(self, message_id: int | None, done: tuple[ActionEntry, str] | None) -> None:
        if done is None:
            return
        self.notify(done[1], title="Mailbox")
        if message_id is not None:
            lists = {m.list_id for m in self._messages if m.id == message_id and m.list_id}
            self._messages = [
                m.model_copy(update={"unsubscribed": True})
                if m.id == message_id or (m.list_id and m.list_id in lists)
                else m
                for m in self._messages
            ]
            self._apply_class_filter()
            self._show_detail(self._table().cursor_item)
        if self._mailbox is not None:
            self.refresh_log(self._mailbox.name)

    # --- adding a mailbox ---------------------------------------------------------------------

    def action_add_mailbox(self) -> None:
        self.in_background(self._read_for_add, self._ask_new_mailbox, group="mailbox-forms")

    def _read_for_add(
        self,
    ) -> tuple[list[tuple[str, str]], dict[str, CaseDeparture], dict[str, str]]:
        creds = [
            (f"{c.system} ({c.host})" if c.host else c.system, c.id)
            for c in self._session.credentials.list()
        ]
        boxes = self._session.mailboxes
        listed = {b.address.casefold(): mailbox_described(b) for b in boxes.list_mailboxes()}
        return creds, boxes.departures(), listed

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def _ask_new_mailbox(
        self, read: tuple[list[tuple[str, str]], dict[str, CaseDeparture], dict[str, str]]
    ) -> None:
        credentials, departures, listed = read
        modal = AddMailboxModal(credentials, self._today, departures, listed)
        new = await self.app.push_screen_wait(modal)
        if new is not None:
            self.in_background(
                partial(self._session.mailboxes.add, new, even_if_listed=modal.even_if_listed),
                self._mailbox_added,
                group="mailbox-change",
                exclusive=False,
            )

    def _mailbox_added(self, box: Mailbox) -> None:
        self.notify(
            f"Monitoring {box.address} until {box.keep_until:{DATE_FORMAT}}.", title="Mailbox"
        )
        self.remove_class("-empty")
        self._mailbox = box
        self.query_one("#mail-table").loading = True
        self.load_mailbox(box.name)

    # --- navigation ---------------------------------------------------------------------------

    def action_pick_mailbox(self) -> None:
        self.in_background(self._read_mailboxes, self._pick_other, group="mailbox-load")

    def _pick_other(self, listed: tuple[list[Mailbox], dict[str, ReviewStatus]]) -> None:
        if listed[0]:
            self._pick(*listed)

    def action_go_back(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
        self.dismiss()
