"""The record of every change, newest first, read a page at a time as the list scrolls."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Header, Input, Select, Static

from itexit.domain.audit_words import AuditLine, AuditPage, AuditQuery
from itexit.domain.errors import ItexitError
from itexit.domain.models import AuditVerdict
from itexit.domain.wording import count
from itexit.screens.audit.entry import WHEN_FORMAT, AuditEntryModal, who_text
from itexit.screens.base import ItexitScreen
from itexit.widgets.keybar import KeyBar
from itexit.widgets.virtual_table import Column, VirtualTable

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

PAGE = 200
"""Entries read at a time; the next page is read as the cursor nears the end of the last."""
AHEAD = 40
"""How close to the end of what is loaded the cursor comes before the next page is read."""
TYPING_PAUSE = 0.3
"""Seconds after the last key in a filter before the log is read again."""
EVERYONE = "__everyone__"
WIDE_ENOUGH = 96
"""A table narrower than this leaves out "About" so who did what reads whole; the line under
it then says what the highlighted entry was about."""
BESIDE_TABLE = 4
"""The screen's columns that are not the table's: its padding and scroll bar."""

COLUMNS = [
    Column("when", "When", width=17, sortable=False),
    Column("who", "Who", min_width=13, max_width=24, flex=1, sortable=False),  # Nobody proven
    Column("what", "What happened", min_width=18, max_width=44, flex=3, sortable=False),
    Column("about", "About", min_width=10, flex=2, sortable=False, hide_below=WIDE_ENOUGH),
]

NOT_CHECKED = (
    "Not checked yet: press c to check that no entry was changed, removed or signed by "
    "someone not allowed."
)


def render_cell(line: AuditLine, key: str) -> str | Text:
    if key == "when":
        return f"{line.at.astimezone():{WHEN_FORMAT}}"
    if key == "who":
        return who_text(line)
    if key == "what":
        return line.what
    return line.target


def verdict_text(verdict: AuditVerdict) -> Text:
    """What checking the record found, in one or two lines."""
    if not verdict.ok:
        where = f" at entry {verdict.first_bad_seq:,}" if verdict.first_bad_seq else ""
        return Text.assemble(
            ("✘ The record does not check out", "bold red"), f"{where}: {verdict.reason}."
        )
    against = {
        "witness": ", and matches what this workstation saw before",
        "checkpoint": ", and matches the checkpoint",
    }.get(verdict.anchor, "; this workstation had not seen it before and now remembers it")
    out = Text.assemble(
        ("✔ The record checks out", "bold green"),
        f": {count(verdict.rows, 'entry')}, each signed by someone allowed to do it{against}.",
    )
    if verdict.unsigned_rows:
        out.append(f" {count(verdict.unsigned_rows, 'failed unlock')} named nobody.")
    return out


def parse_day(text: str) -> date | None:
    """A day typed as YYYY-MM-DD; ValueError says how to write it."""
    value = text.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"Write dates like 2026-11-30, not {value!r}.") from None


class AuditLogScreen(ItexitScreen):
    """The record, newest first: when, who (as the signing key proves), what, about what."""

    CSS_PATH = "audit.tcss"
    AUTO_FOCUS = "#audit-table"
    HELP = (
        "Every change made in the vault, newest first, as the signed record holds it. Who did "
        "it is the person whose key signed the entry; a failed unlock names nobody. Narrow the "
        "list by person, by words (a system, a person, what happened) or by dates; Enter opens "
        "an entry whole. Press c to check that no entry was changed or removed."
    )

    BINDINGS = [
        Binding(
            "slash", "focus_filter", "Search", id="audit.search",
            tooltip="Find entries by system, person or what happened",
        ),
        Binding(
            "p", "focus_person", "Person", id="audit.person",
            tooltip="Show only what one person did",
        ),
        Binding(
            "d", "focus_dates", "Dates", id="audit.dates",
            tooltip="Show only entries between two dates",
        ),
        Binding(
            "c", "check_record", "Check the record", id="audit.check",
            tooltip="Check that no entry was changed, removed or signed by someone not allowed",
        ),
        Binding(
            "r", "reload", "Refresh", show=False, id="audit.refresh",
            tooltip="Read the record again",
        ),
        Binding("escape", "go_back", "Back", id="audit.back", tooltip="Back to the dashboard"),
    ]  # fmt: skip

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._session = session
        self._query = AuditQuery()
        self._lines: list[AuditLine] = []
        self._total = 0
        self._generation = 0
        self._loading = False
        self._typing: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="audit-body"):
            yield Static(NOT_CHECKED, id="audit-verdict")
            with Horizontal(id="audit-filters"):
                yield Select(
                    [("Everyone", EVERYONE)],
                    value=EVERYONE,
                    allow_blank=False,
                    id="audit-person",
                )
                yield Input(placeholder="Search ( / )", id="audit-text")
                yield Input(placeholder="From", id="audit-since", max_length=10)
                yield Input(placeholder="To", id="audit-until", max_length=10)
            yield Static("Reading the record…", id="audit-summary", classes="hint")
            yield VirtualTable(
                COLUMNS,
                render_cell=render_cell,
                row_key=lambda line: line.seq,
                empty_text="No entry matches.",
                id="audit-table",
            )
            yield Static(id="audit-about", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self._fit(self.app.size.width)
        self.load_people()
        self._reload()

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        self.set_class(width - BESIDE_TABLE < WIDE_ENOUGH, "-narrow")

    # ----- reading ----------------------------------------------------------------------------

    def load_people(self) -> None:
        self.in_background(
            self._session.audit_log.people, self._show_people, group="audit-people", exclusive=False
        )

    def _show_people(self, people: list[str]) -> None:
        person = self.query_one("#audit-person", Select)
        chosen = person.value
        person.set_options([("Everyone", EVERYONE), *((name, name) for name in people)])
        person.value = chosen if chosen in (EVERYONE, *people) else EVERYONE

    def _reload(self) -> None:
        self._generation += 1
        self._lines = []
        self._loading = True
        self.load_page(self._query, 0, self._generation)

    def load_page(self, query: AuditQuery, offset: int, generation: int) -> None:
        self.in_background(
            partial(self._session.audit_log.page, query, offset, PAGE),
            partial(self._show_page, generation=generation),
            group="audit-page",
            exclusive=False,
        )

    def _show_page(self, page: AuditPage, generation: int) -> None:
        """A page of the log read for the query of `generation`."""
        if generation != self._generation:
            return  # the filters changed while it was read
        self._loading = False
        if page.offset == 0:
            self._lines = list(page.lines)
        else:
            self._lines.extend(page.lines)
        self._total = page.total
        table = self._table()
        table.set_rows(self._lines)
        if page.offset == 0:
            table.move_cursor(0)
        self._show_summary()

    def _show_summary(self) -> None:
        summary = self.query_one("#audit-summary", Static)
        filtered = self._query != AuditQuery()
        if not self._total:
            summary.update("No entry matches." if filtered else "The record is empty.")
            return
        shown = len(self._lines)
        what = count(self._total, "entry")
        text = f"{what} match, newest first" if filtered else f"{what}, newest first"
        if shown < self._total:
            text += f" · {shown:,} read so far, more as you scroll"
        summary.update(text + " · Enter opens one.")

    @on(VirtualTable.RowHighlighted, "#audit-table")
    def _near_end(self, message: VirtualTable.RowHighlighted) -> None:
        message.stop()
        line = message.row if isinstance(message.row, AuditLine) else None
        self.query_one("#audit-about", Static).update(
            f"About: {line.target}" if line is not None and line.target else ""
        )
        if (
            not self._loading
            and len(self._lines) < self._total
            and message.index >= len(self._lines) - AHEAD
        ):
            self._loading = True
            self.load_page(self._query, len(self._lines), self._generation)

    @on(VirtualTable.RowSelected, "#audit-table")
    def _open_entry(self, message: VirtualTable.RowSelected) -> None:
        message.stop()
        if isinstance(message.row, AuditLine):
            self.app.push_screen(AuditEntryModal(message.row))

    # ----- filters ----------------------------------------------------------------------------

    @on(Select.Changed, "#audit-person")
    def _person_changed(self, event: Select.Changed) -> None:
        event.stop()
        person = "" if event.value in (EVERYONE, Select.NULL) else str(event.value)
        self._apply(self._query.model_copy(update={"person": person}))

    @on(Input.Changed, "#audit-text, #audit-since, #audit-until")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._typing is not None:
            self._typing.stop()
        self._typing = self.set_timer(TYPING_PAUSE, self._read_filters)

    @on(Input.Submitted, "#audit-text, #audit-since, #audit-until")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._typing is not None:
            self._typing.stop()
        if self._read_filters():
            self._table().focus()

    def _read_filters(self) -> bool:
        """Take the typed words and dates; a date that is not one is named, the rest kept."""
        summary = self.query_one("#audit-summary", Static)
        try:
            since = parse_day(self.query_one("#audit-since", Input).value)
            until = parse_day(self.query_one("#audit-until", Input).value)
        except ValueError as exc:
            summary.update(Text(str(exc), style="bold red"))
            return False
        if since and until and until < since:
            summary.update(Text("The “To” date is before the “From” date.", style="bold red"))
            return False
        text = self.query_one("#audit-text", Input).value
        self._apply(self._query.model_copy(update={"text": text, "since": since, "until": until}))
        return True

    def _apply(self, query: AuditQuery) -> None:
        if query == self._query and self._lines:
            self._show_summary()
            return
        self._query = query
        self._reload()

    # ----- checking ---------------------------------------------------------------------------

    def action_check_record(self) -> None:
        self.query_one("#audit-verdict", Static).update(
            Text("Checking every entry of the record…", style="italic")
        )
        self.check_record()

    def check_record(self) -> None:
        """`audit verify`'s check; it advances this workstation's record of the log, which is
        why it runs only when asked."""

        def check() -> Text:
            try:
                return verdict_text(self._session.verify_audit())
            except ItexitError as exc:
                return Text.assemble(("✘ The record does not check out: ", "bold red"), str(exc))

        self.in_background(
            check, self.query_one("#audit-verdict", Static).update, group="audit-check"
        )

    # ----- keys -------------------------------------------------------------------------------

    def _table(self) -> VirtualTable[AuditLine]:
        table: VirtualTable[AuditLine] = self.query_one("#audit-table", VirtualTable)
        return table

    def action_focus_filter(self) -> None:
        self.query_one("#audit-text", Input).focus()

    def action_focus_person(self) -> None:
        self.query_one("#audit-person", Select).focus()

    def action_focus_dates(self) -> None:
        self.query_one("#audit-since", Input).focus()

    def action_reload(self) -> None:
        self.load_people()
        self._reload()

    def action_go_back(self) -> None:
        focused = self.focused
        if isinstance(focused, Input | Select):
            self._table().focus()
            return
        self.dismiss()
