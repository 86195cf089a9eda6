"""The HR exit statement of a case: prepare, print and record the signing."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Header, Static, TabbedContent, TabPane

from itexit.domain.roles import Permission
from itexit.domain.statements import (
    NewSigning,
    PrintResult,
    PropertyItem,
    PropertyState,
    Statement,
    StatementListing,
    StatementStatus,
)
from itexit.domain.wording import count
from itexit.screens.base import DIALOG, ItexitScreen
from itexit.screens.cases.statement_modals import (
    AddPropertyModal,
    EditStatementModal,
    LateReturnModal,
    ListPasswordModal,
    PrintStatementModal,
    RecordSigningModal,
    SigningForm,
)
from itexit.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

STATUS_LABELS = {
    StatementStatus.DRAFTED: "Draft",
    StatementStatus.PRINTED: "Printed, waiting for signature",
    StatementStatus.SIGNED: "Signed",
}
DAY = "%d %b %Y"
_EDITING = ("edit_text", "add_item", "toggle_returned", "list_password", "record_signing")


def default_pdf_name(statement: Statement) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", statement.person.lower()).strip("-") or "statement"
    return f"~/exit-statement-{slug}.pdf"


class StatementScreen(ItexitScreen):
    """Exit statement."""

    CSS_PATH = "statement.tcss"
    HELP = (
        "The statement the departing person signs: legal obligations continue, practice property "
        "returned item by item, no further access, undocumented passwords listed (each sealed "
        "for the IT consultant to verify and change), and personal information returned. Print "
        "it, have it signed in front of a witness, then record the signing with the scanned copy; "
        "from then on it cannot change. Only HR and practice managers can read it."
    )

    BINDINGS = [
        Binding("n", "prepare", "Prepare", id="statement.prepare", tooltip="Start the statement"),
        Binding(
            "e", "edit_text", "Details", id="statement.edit", tooltip="Name, position, own text"
        ),
        Binding("a", "add_item", "Add item", id="statement.property.add", tooltip="Add property"),
        Binding(
            "r",
            "toggle_returned",
            "Returned",
            id="statement.property.mark",
            tooltip="Mark the selected item returned or outstanding (after the signing: returned)",
        ),
        Binding(
            "w",
            "list_password",
            "Password",
            id="statement.password",
            tooltip="List an undocumented password (sealed for the IT consultant)",
        ),
        Binding("p", "print_pdf", "Print", id="statement.print", tooltip="Write the PDF to print"),
        Binding(
            "g",
            "record_signing",
            "Signed",
            id="statement.sign",
            tooltip="Record the signing and keep the scanned copy",
        ),
        Binding("escape", "go_back", "Back", id="statement.back", tooltip="Back to the case"),
    ]

    def __init__(self, session: UnlockedVault, case_id: str) -> None:
        super().__init__()
        self._session = session
        self._case_id = case_id
        self._statement: Statement | None = None
        self._listing: StatementListing | None = None
        self._loaded = False
        self._case_name = ""
        self._may_read = session.can(Permission.HR_READ)
        self._may_write = session.can(Permission.HR_WRITE)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="statement-body"):
            yield Static("Exit statement", id="statement-title", classes="heading")
            yield Static("Loading…", id="statement-status")
            yield Static("", id="statement-restricted")
            with TabbedContent(id="statement-tabs"):
                with (
                    TabPane("Statement", id="tab-text"),
                    VerticalScroll(id="statement-text-scroll"),
                ):
                    yield Static("", id="statement-text")
                with TabPane("Property", id="tab-property"):
                    yield DataTable(id="property-table", cursor_type="row", zebra_stripes=True)
                with TabPane("Passwords", id="tab-passwords"):
                    yield Static(
                        "Each password was sealed for the IT consultant when it was typed; "
                        "it is never shown here.",
                        classes="hint",
                    )
                    yield DataTable(id="password-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        props = self.query_one("#property-table", DataTable)
        props.add_column("Item", key="item")
        props.add_column("State", key="state")
        props.add_column("Returned on", key="returned")
        passwords = self.query_one("#password-table", DataTable)
        passwords.add_column("System", key="system")
        passwords.add_column("User name", key="username")
        passwords.add_column("Listed", key="listed")
        passwords.add_column("Now", key="now")
        self.query_one("#statement-tabs").display = False
        self.query_one("#statement-restricted").display = False
        self.load_statement()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "prepare":
            return self._loaded and self._may_write and self._listing is None
        if action in _EDITING:
            if not self._may_write or self._statement is None:
                return False
            if action == "toggle_returned" and self._statement.read_only:
                return bool(self._statement.outstanding)  # handed back after the signing
            return not self._statement.read_only
        if action == "print_pdf":
            return self._may_read and self._may_write and self._statement is not None
        return True

    # --- reading ------------------------------------------------------------------------------

    def load_statement(self) -> None:
        self.in_background(self._read, self._loaded_statement, group="statement")

    def _read(self) -> tuple[Statement | None, StatementListing | None, str]:
        listing = self._session.statements.status(self._case_id)
        statement = None
        if listing is not None and self._may_read:
            statement = self._session.statements.get(self._case_id)
        name = listing.case_name if listing else self._session.cases.get(self._case_id).name
        return statement, listing, name

    def _loaded_statement(
        self, loaded: tuple[Statement | None, StatementListing | None, str]
    ) -> None:
        statement, self._listing, self._case_name = loaded
        self._loaded = True
        self._show(statement)

    def _show(self, statement: Statement | None) -> None:
        self._statement = statement
        tabs = self.query_one("#statement-tabs")
        restricted = self.query_one("#statement-restricted", Static)
        status = self.query_one("#statement-status", Static)
        title = self.query_one("#statement-title", Static)
        listing = self._listing
        if statement is None:
            tabs.display = False
            restricted.display = True
            title.update(f"Exit statement · {self._case_name}")
            if listing is None:
                status.update("No exit statement has been prepared for this case.")
                restricted.update(
                    "Press n to prepare it from the practice's template."
                    if self._may_write
                    else "HR or a practice manager prepares it."
                )
            else:
                status.update(f"Status: {STATUS_LABELS[listing.status]}")
                restricted.update(
                    "The statement is an HR record: only HR and practice managers can read it."
                )
            self.refresh_bindings()
            return
        tabs.display = True
        restricted.display = False
        title.update(f"Exit statement · {statement.person}")
        status.update(self._status_text(statement))
        self.query_one("#statement-text", Static).update(self._statement_text(statement))
        self._fill_property(statement)
        self._fill_passwords(statement)
        self.refresh_bindings()

    def _status_text(self, statement: Statement) -> Text:
        text = Text()
        text.append(STATUS_LABELS[statement.status], style="bold")
        if statement.signing is not None:
            s = statement.signing
            text.append(
                f" on {s.signed_on.strftime(DAY)} by {s.signatory}, witnessed by {s.witness}"
                f" · scanned copy {s.signed_copy.filename}, "
                f"fingerprint {s.signed_copy.sha256[:12]}…"
                " · read-only"
            )
        else:
            left = len(statement.outstanding)
            text.append(
                f" · {count(len(statement.property_items), 'item')}, {left} outstanding"
                f" · {count(len(statement.passwords), 'password')} listed"
            )
            if statement.printed is not None:
                text.append(f" · printed {statement.printed.printed_at.strftime(DAY)}")
        return text

    def _statement_text(self, statement: Statement) -> Text:
        text = Text()
        text.append(f"{statement.practice}\n", style="bold")
        last_day = statement.termination_date.strftime(DAY) if statement.termination_date else "-"
        text.append(f"{statement.person}", style="bold")
        text.append(f" · {statement.job_title or 'position not given'} · last day {last_day}\n\n")
        text.append(f"{statement.intro}\n\n")
        for number, clause in enumerate(statement.clauses, start=1):
            text.append(f"{number}. {clause.title}\n", style="bold")
            text.append(f"{clause.text}\n\n")
        text.append(f"{len(statement.clauses) + 1}. {statement.practice_text_title}", style="bold")
        text.append("  (the practice's own text: press e to edit)\n", style="dim")
        text.append(f"{statement.practice_text or '-'}\n\n")
        text.append("Personal information to return\n", style="bold")
        text.append(f"{statement.personal_return or '-'}\n")
        return text

    def _fill_property(self, statement: Statement) -> None:
        table = self.query_one("#property-table", DataTable)
        row = table.cursor_row
        table.clear()
        for item in statement.property_items:
            returned = item.state is PropertyState.RETURNED
            state = Text("returned", style="green") if returned else Text("outstanding", "bold")
            when = item.returned_on.strftime(DAY) if item.returned_on else ""
            if item.after_signing:  # two short lines: beside the date it runs off 80 columns
                state.append("\nafter signing", style="dim")
                when += f"\nto {item.received_by}"
            table.add_row(
                item.name, state, when, key=item.id, height=2 if item.after_signing else 1
            )
        if statement.property_items:
            table.move_cursor(row=min(max(row, 0), len(statement.property_items) - 1))

    def _fill_passwords(self, statement: Statement) -> None:
        table = self.query_one("#password-table", DataTable)
        table.clear()
        for listed in statement.passwords:
            table.add_row(
                listed.system,
                listed.username or "-",
                f"{listed.recorded_on.strftime(DAY)} by {listed.recorded_by}",
                "in the credential inventory"
                if listed.in_inventory
                else "sealed, waiting for the IT consultant",
                key=listed.id,
            )

    @on(TabbedContent.TabActivated)
    def _focus_pane(self, event: TabbedContent.TabActivated) -> None:
        """Arrow keys then move within the list just shown."""
        targets = {"tab-property": "#property-table", "tab-passwords": "#password-table"}
        target = targets.get(event.pane.id or "")
        if target is not None:
            self.query_one(target).focus()

    # --- changing -----------------------------------------------------------------------------

    def change(self, work: Callable[[], tuple[Statement, str]]) -> None:
        """Run one change in a thread, then show the statement it returned and its notice."""
        self.in_background(work, self._changed, group="statement-change", exclusive=False)

    def _changed(self, changed: tuple[Statement, str]) -> None:
        statement, notice = changed
        if self._listing is None:
            self._listing = self._session_listing(statement)
        self._show(statement)
        self.notify(notice, title="Exit statement")

    @staticmethod
    def _session_listing(statement: Statement) -> StatementListing:
        return StatementListing(
            id=statement.id,
            case_id=statement.case_id,
            case_name=statement.case_name,
            status=statement.status,
            updated_at=statement.updated_at,
        )

    def action_prepare(self) -> None:
        statements = self._session.statements

        def prepare() -> tuple[Statement, str]:
            statement = statements.prepare(self._case_id)
            self._listing = statements.status(self._case_id)
            return statement, "The statement was prepared as a draft."

        self.change(prepare)

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_edit_text(self) -> None:
        if self._statement is None:
            return
        edit = await self.app.push_screen_wait(EditStatementModal(self._statement))
        if edit is None or self._statement is None:
            return
        version = self._statement.version

        def save() -> tuple[Statement, str]:
            statement = self._session.statements.edit(self._case_id, edit, version)
            notice = "Saved."
            if statement.status is StatementStatus.DRAFTED and self._statement_was_printed():
                notice = "Saved. The text changed: print the statement again before it is signed."
            return statement, notice

        self.change(save)

    def _statement_was_printed(self) -> bool:
        return self._statement is not None and self._statement.printed is not None

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_add_item(self) -> None:
        self.query_one("#statement-tabs", TabbedContent).active = "tab-property"
        item = await self.app.push_screen_wait(AddPropertyModal())
        if item is None or self._statement is None:
            return
        version = self._statement.version

        def add() -> tuple[Statement, str]:
            statement = self._session.statements.add_property(
                self._case_id, item.name, item.returned, version
            )
            return statement, f"{item.name} added to the property list."

        self.change(add)

    def action_toggle_returned(self) -> None:
        tabs = self.query_one("#statement-tabs", TabbedContent)
        statement = self._statement
        if statement is None:
            return
        if tabs.active != "tab-property":
            tabs.active = "tab-property"
            return
        table = self.query_one("#property-table", DataTable)
        items = statement.property_items
        if not items or not 0 <= table.cursor_row < len(items):
            self.notify("Add an item first (a).", severity="warning")
            return
        item = items[table.cursor_row]
        if statement.signing is not None:
            if item.state is not PropertyState.OUTSTANDING:
                self.notify(f"{item.name} is already marked returned.", severity="warning")
                return
            self._return_late(statement, item)
            return
        returned = item.state is PropertyState.OUTSTANDING

        def mark() -> tuple[Statement, str]:
            changed = self._session.statements.set_property(
                self._case_id, item.id, returned, statement.version
            )
            return changed, f"{item.name}: {'returned' if returned else 'outstanding'}."

        self.change(mark)

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def _return_late(self, statement: Statement, item: PropertyItem) -> None:
        assert statement.signing is not None
        modal = LateReturnModal(
            item.name, statement.signing.signed_on, date.today(), self._session.identity.name
        )
        late = await self.app.push_screen_wait(modal)
        if late is None:
            return

        def returned() -> tuple[Statement, str]:
            changed = self._session.statements.return_after_signing(
                self._case_id, item.id, late, statement.version
            )
            return changed, f"{item.name}: returned, recorded after the signing."

        self.change(returned)

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_list_password(self) -> None:
        self.query_one("#statement-tabs", TabbedContent).active = "tab-passwords"
        listed = await self.app.push_screen_wait(ListPasswordModal())
        if listed is None or self._statement is None:
            return
        version = self._statement.version

        def add() -> tuple[Statement, str]:
            statement = self._session.statements.add_password(self._case_id, listed, version)
            return statement, f"The password for {listed.system.strip()} was sealed and listed."

        self.change(add)

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_print_pdf(self) -> None:
        if self._statement is None:
            return
        modal = PrintStatementModal(default_pdf_name(self._statement))
        path = await self.app.push_screen_wait(modal)
        if path is not None:
            self.in_background(
                partial(self._session.statements.print_pdf, self._case_id, path),
                self._printed,
                group="statement-change",
                exclusive=False,
            )

    def _printed(self, result: PrintResult) -> None:
        self.notify(
            f"Wrote {result.path} ({count(result.pages, 'page')}). "
            "Print it, have it signed in front of a witness, then press g.",
            title="Statement printed",
            timeout=8,
        )
        self.load_statement()

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_record_signing(self) -> None:
        statement = self._statement
        if statement is None:
            return
        if statement.status is not StatementStatus.PRINTED:
            self.notify(
                "Print the statement first (p): the signed paper must match a printed version.",
                severity="warning",
            )
            return
        form = await self.app.push_screen_wait(RecordSigningModal(statement, date.today()))
        if form is not None and self._statement is not None:
            self.change(partial(self._record, form, self._statement.version))

    def _record(self, form: SigningForm, version: int) -> tuple[Statement, str]:
        try:
            data = form.copy_path.read_bytes()
        except OSError as exc:
            from itexit.domain.errors import BadInput

            raise BadInput(f"Cannot read {form.copy_path}: {exc.strerror}.") from None
        statement = self._session.statements.record_signing(
            self._case_id,
            NewSigning(
                signed_on=form.signed_on,
                witness=form.witness,
                signatory=form.signatory,
                copy_filename=form.copy_path.name,
                copy_bytes=data,
            ),
            version,
        )
        return statement, "The signing is recorded; the statement is now read-only."

    def action_go_back(self) -> None:
        self.dismiss()
