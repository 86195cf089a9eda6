"""Vendors, their services and who they will talk to, with what is still tied to the leaver."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Header, Input, Static

from itexit.domain.roles import Permission
from itexit.domain.vendors import VendorDetail, VendorSummary
from itexit.domain.wording import agree, none_does, part_of
from itexit.screens.base import DIALOG, ItexitScreen
from itexit.screens.vendors.forms import ContactModal, RemoveContactModal, VendorModal
from itexit.widgets.keybar import KeyBar
from itexit.widgets.virtual_table import Column, VirtualTable

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

COLUMNS = [
    Column("name", "Vendor", min_width=14, flex=2),
    Column("services", "Services", min_width=12, flex=3, hide_below=100),
    Column("contacts", "People", width=6, align="right"),
    Column("flags", "Tied to the leaver", min_width=18, flex=2),
]


def render_cell(vendor: VendorSummary, key: str) -> str | Text:
    if key == "name":
        return vendor.name
    if key == "services":
        return ", ".join(vendor.services)
    if key == "contacts":
        return str(vendor.contact_count)
    if not vendor.flags:
        return Text("no", style="green")
    return Text("! " + ", ".join(flag.short for flag in vendor.flags), style="bold red")


def sort_value(vendor: VendorSummary, key: str) -> Any:
    if key == "contacts":
        return vendor.contact_count
    if key == "flags":
        return -len(vendor.flags)
    return str(render_cell(vendor, key)).lower()


def describe(detail: VendorDetail) -> Text:
    """The detail panel: what to fix first, then services, support, contacts and credentials."""
    text = Text()
    text.append(detail.name, style="bold")
    text.append("\n")
    if detail.flag_details:
        for flag in detail.flag_details:
            text.append("! ", style="bold red")
            text.append(flag.message + "\n", style="red")
    else:
        text.append("Not tied to the departing person.\n", style="green")
    text.append("\nServices: ", style="bold")
    text.append((", ".join(detail.services) or "none listed") + "\n")
    if detail.sealed:
        text.append(
            "\nContacts and account details are encrypted; your role does not hold their key.\n",
            style="italic",
        )
    else:
        support = " · ".join(
            v for v in (detail.support_phone, detail.support_email, detail.support_portal) if v
        )
        text.append("Support: ", style="bold")
        text.append((support or "not recorded") + "\n")
        if detail.account_number:
            text.append("Account: ", style="bold")
            text.append(detail.account_number + "\n")
        if detail.contract_link:
            text.append("Contract: ", style="bold")
            text.append(detail.contract_link + "\n")
        text.append("\nWho they will talk to\n", style="bold")
        if not detail.contacts:
            text.append("  Nobody is listed: add the practice's contact.\n", style="yellow")
        for contact in detail.contacts:
            text.append(f"  {contact.name}", style="bold red" if contact.is_departing else "")
            text.append(f" — {contact.role.label}")
            reach = " · ".join(v for v in (contact.email, contact.phone) if v)
            if reach:
                text.append(f"  {reach}", style="dim")
            if contact.is_departing:
                text.append("  leaving", style="red")
            text.append("\n")
        if detail.notes:
            text.append("\nNotes: ", style="bold")
            text.append(detail.notes + "\n")
    if detail.credentials:
        text.append("\nCredentials\n", style="bold")
        for credential in detail.credentials:
            text.append(f"  {credential.system}")
            text.append(f"  {credential.status.replace('_', ' ')}\n", style="dim")
    return text


class VendorsScreen(ItexitScreen):
    """A list of vendors with a flag column, and the selected vendor's detail below it."""

    CSS_PATH = "vendors.tcss"
    AUTO_FOCUS = "#vendors-table"
    HELP = (
        "Every vendor the practice depends on, the people each will talk to, and the services "
        "still tied to the person leaving: when they are the only contact, the account owner, "
        "the billing contact or the recovery channel. Add a practice contact, then remove theirs."
    )

    BINDINGS = [
        Binding("a", "add_vendor", "Add", id="vendors.add", tooltip="Add a vendor"),
        Binding("e", "edit_vendor", "Edit", id="vendors.edit", tooltip="Edit the selected vendor"),
        Binding(
            "c",
            "add_contact",
            "Add contact",
            id="vendors.add_contact",
            tooltip="Add a person the selected vendor will talk to",
        ),
        Binding(
            "x",
            "remove_contact",
            "Remove contact",
            id="vendors.remove_contact",
            tooltip="Remove a contact from the selected vendor",
        ),
        Binding(
            "slash", "focus_filter", "Filter", id="vendors.filter", tooltip="Type to filter vendors"
        ),
        Binding(
            "r",
            "refresh_vendors",
            "Refresh",
            show=False,
            id="vendors.refresh",
            tooltip="Read the list again",
        ),
        Binding("escape", "go_back", "Back", id="vendors.back", tooltip="Back to the dashboard"),
    ]

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._session = session
        self._detail: VendorDetail | None = None
        self._can_write = session.can(Permission.VENDOR_WRITE)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="vendors-body"):
            yield Static("Vendors", classes="heading")
            yield Static("Reading the vendor list…", id="vendors-summary", classes="hint")
            yield Input(
                placeholder="Type to filter by vendor or service  ( / )", id="vendors-filter"
            )
            yield VirtualTable(
                COLUMNS,
                render_cell=render_cell,
                row_key=lambda vendor: vendor.id,
                sort_value=sort_value,
                empty_text="No vendors yet: press a to add the first.",
                id="vendors-table",
            )
            with VerticalScroll(id="vendor-detail"):
                yield Static("", id="vendor-detail-text")
        yield KeyBar()

    def on_mount(self) -> None:
        self.load_vendors(recheck=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"add_vendor", "edit_vendor", "add_contact", "remove_contact"}:
            return self._can_write
        return True

    # ----- reading ----------------------------------------------------------------------------

    def load_vendors(self, select: str | None = None, *, recheck: bool = False) -> None:
        """Read the list; `recheck` first brings the stored flags up to date with who is leaving
        (every change made here already does that in its own transaction)."""

        def read() -> list[VendorSummary]:
            if recheck and self._can_write:
                self._session.vendors.refresh_flags()
            return self._session.vendors.list()

        self.in_background(read, partial(self._show_vendors, select=select), group="vendors")

    def _show_vendors(self, vendors: list[VendorSummary], select: str | None) -> None:
        table = self._table()
        table.set_rows(vendors)
        if select and not table.select_key(select):
            # the vendor just saved is hidden by the filter: show everything again
            self.query_one("#vendors-filter", Input).value = ""
            table.set_filter("")
            table.select_key(select)
        tied = sum(1 for vendor in vendors if vendor.tied)
        summary = self.query_one("#vendors-summary", Static)
        if not vendors:
            summary.update("No vendors listed yet.")
        elif tied:
            summary.update(
                Text.assemble(
                    (part_of(tied, len(vendors), "vendor"), "bold red"),
                    f" {agree(tied, 'is')} still tied to the person leaving. "
                    f"Fix the flagged {agree(tied, 'one')} first.",
                )
            )
        else:
            summary.update(
                none_does(
                    len(vendors),
                    "vendor",
                    "depends on the leaver",
                    "does not depend on the leaver",
                )
            )
        if table.cursor_item is None:
            self._show_detail(None)

    @on(VirtualTable.RowHighlighted, "#vendors-table")
    def _highlighted(self, message: VirtualTable.RowHighlighted) -> None:
        message.stop()
        if isinstance(message.row, VendorSummary):
            self.load_detail(message.row.id)
        else:
            self._show_detail(None)

    @on(VirtualTable.RowSelected, "#vendors-table")
    def _selected(self, message: VirtualTable.RowSelected) -> None:
        message.stop()
        self.query_one("#vendor-detail").focus()

    def load_detail(self, vendor_id: str) -> None:
        self.in_background(
            partial(self._session.vendors.get, vendor_id), self._detail_loaded, group="detail"
        )

    def _detail_loaded(self, detail: VendorDetail) -> None:
        current = self._table().cursor_item
        if current is not None and current.id == detail.id:
            self._show_detail(detail)

    def _show_detail(self, detail: VendorDetail | None) -> None:
        self._detail = detail
        text = self.query_one("#vendor-detail-text", Static)
        if detail is None:
            text.update(Text("Choose a vendor to see its contacts.", style="italic"))
        else:
            text.update(describe(detail))

    @on(Input.Changed, "#vendors-filter")
    def _filter(self, event: Input.Changed) -> None:
        event.stop()
        table = self._table()
        table.set_filter(event.value)
        table.empty_text = (
            f"No vendor or service matches {event.value.strip()!r}."
            if event.value.strip()
            else "No vendors yet: press a to add the first."
        )

    @on(Input.Submitted, "#vendors-filter")
    def _filter_done(self) -> None:
        self._table().focus()

    def action_focus_filter(self) -> None:
        self.query_one("#vendors-filter", Input).focus()

    def action_refresh_vendors(self) -> None:
        self.load_vendors(recheck=True)

    def action_go_back(self) -> None:
        filter_input = self.query_one("#vendors-filter", Input)
        if filter_input.has_focus and filter_input.value:
            filter_input.value = ""
            return
        self.dismiss()

    # ----- writing ----------------------------------------------------------------------------

    def _current(self) -> VendorDetail | None:
        if self._detail is None:
            self.notify("Choose a vendor in the list first.", severity="warning")
        return self._detail

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_add_vendor(self) -> None:
        fields = await self.app.push_screen_wait(VendorModal())
        if fields is not None:
            self.save(partial(self._session.vendors.add, fields), "added")

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_edit_vendor(self) -> None:
        detail = self._current()
        if detail is None:
            return
        if detail.sealed:
            self.notify("Your role cannot read this vendor's details.", severity="warning")
            return
        fields = await self.app.push_screen_wait(VendorModal(detail))
        if fields is not None:
            self.save(
                partial(self._session.vendors.edit, detail.id, fields, detail.version), "saved"
            )

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_add_contact(self) -> None:
        detail = self._current()
        if detail is None:
            return
        contact = await self.app.push_screen_wait(ContactModal(detail.name))
        if contact is not None:
            self.save(
                partial(self._session.vendors.add_contact, detail.id, contact, detail.version),
                f"now lists {' '.join(contact.name.split())}",
            )

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_remove_contact(self) -> None:
        detail = self._current()
        if detail is None:
            return
        if not detail.contacts:
            self.notify(f"{detail.name} has no contacts to remove.", severity="warning")
            return
        contact_id = await self.app.push_screen_wait(
            RemoveContactModal(detail.name, detail.contacts)
        )
        if contact_id:
            self.save(
                partial(
                    self._session.vendors.remove_contact, detail.id, contact_id, detail.version
                ),
                "contact removed",
            )

    def save(self, change: Callable[[], VendorDetail], what: str) -> None:
        def saved(detail: VendorDetail) -> None:
            self.notify(f"{detail.name}: {what}.", title="Vendors")
            self.load_vendors(select=detail.id)

        self.in_background(change, saved, group="vendors-change", exclusive=False)

    def _table(self) -> VirtualTable[VendorSummary]:
        return self.query_one("#vendors-table", VirtualTable)
