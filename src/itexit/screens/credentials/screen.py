"""Every credential the departing person knew, and its rotation.

The list is the rotation campaign first (by leverage: domain, DNS and email admin before the
rest), then everything else. `/` filters as you type over system, host and category.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Header, Input, Static

from itexit.domain.credentials import (
    CATEGORY_LABELS,
    STATUS_LABELS,
    CheckOutcome,
    CredentialDetail,
    CredentialStatus,
    CredentialSummary,
    verifier_label,
)
from itexit.domain.roles import Role
from itexit.domain.rotation import finished, in_campaign, leverage_rank, next_step
from itexit.screens.base import DIALOG, ItexitScreen
from itexit.screens.credentials.changer import METHOD_WORDS, ChangerChoice, ChangerModal
from itexit.screens.credentials.clipboard import CLEAR_SECONDS, Clipboard
from itexit.screens.credentials.modals import (
    Attestation,
    AttestModal,
    CheckResultModal,
    CredentialFormModal,
    FormResult,
    HistoryModal,
)
from itexit.screens.credentials.retire import RetireChoice, RetireCredentialModal
from itexit.screens.credentials.rotation_wizard import RotationWizard
from itexit.services.memory import wipe_text
from itexit.widgets.keybar import KeyBar
from itexit.widgets.virtual_table import Column, VirtualTable

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

REVEAL_SECONDS = 10.0
"""A revealed secret hides again after this long."""

DETAIL_DELAY = 0.15
"""While a filter is typed, the detail of the highlighted row loads once the typing pauses."""

STATUS_STYLES: dict[CredentialStatus, str] = {
    CredentialStatus.UNVERIFIED: "dim",
    CredentialStatus.VERIFIED: "green",
    CredentialStatus.FAILED: "bold red",
    CredentialStatus.ROTATION_PENDING: "bold yellow",
    CredentialStatus.ROTATED: "cyan",
    CredentialStatus.LOCKED_OUT: "bold green",
    CredentialStatus.NEEDS_RECONCILE: "bold white on red",
}


def badge(status: CredentialStatus) -> Text:
    return Text(STATUS_LABELS[status], style=STATUS_STYLES[status])


def ordered(rows: list[CredentialSummary]) -> list[CredentialSummary]:
    """Campaign first, by leverage; then done; then the rest by name."""

    def key(r: CredentialSummary) -> tuple[int, int, str]:
        due = in_campaign(r.known_to_departing, r.rotation_due)
        group = 0 if due and not finished(r.status, r.rotation_due) else 1 if due else 2
        return (group, leverage_rank(r.category) if group == 0 else 0, r.system.lower())

    return sorted(rows, key=key)


def cell(row: CredentialSummary, key: str) -> str | Text:
    if key == "system":
        return row.system
    if key == "category":
        return CATEGORY_LABELS[row.category]
    if key == "status":
        if row.changed_outside:
            return Text("changed!", style="bold white on red")
        return badge(row.status)
    if key == "departing":
        return Text("●", style="bold red") if row.known_to_departing or row.recovery_tied else ""
    if key == "verified":
        return row.last_verified.strftime("%d %b") if row.last_verified else "—"
    return ""


def changed_text(row: CredentialSummary) -> str:
    """The detail panel of a credential changed outside itexit: what it means and the way out."""
    from rich.markup import escape

    return (
        f"[b]{escape(row.system)}[/b]\n"
        "[bold white on red] Changed outside itexit [/]\n\n"
        "Its status or flags no longer match what itexit sealed: someone edited the database. "
        "It counts as known to the departing person until it is put back.\n\n"
        "Press [b]P[/b] to put back what itexit sealed; it is then due for rotation. "
        "Or restore the vault from a backup."
    )


def search_text(row: CredentialSummary) -> str:
    return f"{row.system} {row.host} {CATEGORY_LABELS[row.category]}"


def credential_table() -> VirtualTable[CredentialSummary]:
    """The inventory table as the screen shows it (`bench/filter_credentials.py` times it)."""
    return VirtualTable[CredentialSummary](
        [
            Column("system", "System", min_width=12, flex=2),
            # a narrow table keeps the names whole: the detail panel has the rest
            Column("category", "Category", min_width=7, flex=1, hide_below=60),
            Column("status", "Status", width=11),
            Column("departing", "!", width=1, sortable=False),
            Column("verified", "Checked", width=7, hide_below=60),
        ],
        render_cell=cell,
        row_key=lambda r: r.id,
        search_text=search_text,
        empty_text="No credentials match.",
        id="cred-table",
    )


def campaign_line(rows: list[CredentialSummary]) -> str:
    """Where the rotation campaign stands, in the dashboard's three counts."""
    due = [r for r in rows if in_campaign(r.known_to_departing, r.rotation_due)]
    if not due:
        return f"{len(rows)} in all"
    refused = sum(1 for r in due if finished(r.status, r.rotation_due))
    to_prove = sum(1 for r in due if r.status is CredentialStatus.ROTATED and not r.rotation_due)
    return (
        f"[b]{len(due) - refused - to_prove}[/b] to rotate · "
        f"{to_prove} old to try · {refused} old refused · {len(rows)} in all"
    )


class CredentialsScreen(ItexitScreen):
    """The inventory as a table with a detail panel, and every verification and rotation step."""

    CSS_PATH = "credentials.tcss"
    AUTO_FOCUS = "#cred-table"
    HELP = (
        "Every credential the departing person knew comes first, in the order to rotate them: "
        "domain, DNS and email admin, then firewall, EHR, backups and banking. Press / to filter, "
        "r to rotate (the new secret is saved before you see it), v to verify, o to prove the old "
        "secret fails. Reveal and copy are recorded in the audit log; a revealed secret hides "
        "again after a few seconds and a copy clears itself after 15 seconds."
    )

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="cred.filter", tooltip="Type to filter"),
        Binding("r", "rotate", "Rotate", id="cred.rotate", tooltip="Open the rotation wizard"),
        Binding("v", "verify", "Verify", id="cred.verify", tooltip="Check the current secret"),
        Binding(
            "o",
            "verify_old",
            "Try old",
            id="cred.verify_old",
            tooltip="Try the previous secret, to prove it no longer works",
        ),
        Binding("s", "reveal", "Reveal", id="cred.reveal", tooltip="Show the secret (audited)"),
        Binding("c", "copy_secret", "Copy", id="cred.copy", tooltip="Copy the secret (audited)"),
        Binding("h", "history", "History", id="cred.history", tooltip="Checks and rotations"),
        Binding("a", "add", "Add", id="cred.add", tooltip="Add a credential"),
        Binding("e", "edit", "Edit", id="cred.edit", tooltip="Edit the selected credential"),
        Binding(
            "d",
            "retire",
            "Retire",
            id="cred.retire",
            show=False,
            tooltip="Retire the selected credential (or delete one added by mistake)",
        ),
        Binding(
            "x",
            "reconcile",
            "Which works?",
            id="cred.reconcile",
            show=False,
            tooltip="Try the new, current and previous secrets; keep the one that works",
        ),
        Binding(
            "i", "import", "Import", id="cred.import", tooltip="Import from a password manager"
        ),
        Binding(
            "w",
            "changer",
            "Who changes it",
            id="cred.changer",
            show=False,
            tooltip="A person, or itexit itself (PostgreSQL, MariaDB, LDAP, SSH)",
        ),
        Binding(
            "A",
            "rotate_all_due",
            "Rotate all due",
            id="cred.rotate_all_due",
            show=False,
            tooltip="Let itexit change every due credential it can, and prove the old ones dead",
        ),
        Binding(
            "P",
            "put_back",
            "Put back",
            id="cred.put_back",
            show=False,
            tooltip="Put back what itexit sealed for a credential changed outside itexit",
        ),
        Binding("escape", "go_back", "Back", id="cred.back", tooltip="Back to the dashboard"),
    ]

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._session = session
        self._rows: list[CredentialSummary] = []
        self._loading = False
        self._typed_ahead: Callable[[], object] | None = None
        self._hide_timer: Timer | None = None
        self._clipboard: Clipboard | None = None
        self._shown: list[str] = []
        """Secrets revealed on screen, overwritten once hidden (and when the vault locks)."""
        self._on_clipboard: list[str] = []
        """Secrets copied, overwritten once the clipboard is cleared (or the vault locks)."""
        self._detail_id: str | None = None
        """The credential the detail panel shows (and whose sealed fields are loading)."""
        self._detail: CredentialDetail | None = None
        self._detail_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="cred-body"):
            with Horizontal(id="cred-top"):
                yield Static("Credentials", classes="heading", id="cred-heading")
                yield Static("", id="cred-campaign")
            yield Input(placeholder="/ to filter by system, host or category", id="cred-filter")
            with Horizontal(id="cred-main"):
                yield credential_table()
                with VerticalScroll(id="cred-detail"):
                    yield Static("", id="cred-detail-text")
                    yield Static("", id="cred-secret")
                    hint = Static("", id="cred-secret-hint")
                    hint.display = False  # shown only with a secret
                    yield hint
        yield KeyBar()

    def on_mount(self) -> None:
        self.load()

    # --- loading ------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the list again; a key for the selected row typed before it arrives waits."""
        self._loading = True
        self.in_background(self._read_rows, self._loaded, group="cred-load")

    def _read_rows(self) -> list[CredentialSummary]:
        """Receive the passwords HR listed on an exit statement (they arrive in the list as
        unverified, from the statement), then read the list."""
        try:
            self._session.receive_handovers()
            return self._session.credentials.list()
        except BaseException:
            self.app.call_from_thread(self._typed_ahead_dropped)
            raise

    def _typed_ahead_dropped(self) -> None:
        self._loading = False
        self._typed_ahead = None

    def _loaded(self, rows: list[CredentialSummary]) -> None:
        self._loading = False
        self._rows = ordered(rows)
        self.table.empty_text = "No credentials match." if self._rows else "No credentials yet."
        self.table.set_rows(self._rows)
        self.query_one("#cred-campaign", Static).update(campaign_line(self._rows))
        self._show_detail(refresh=True)
        again, self._typed_ahead = self._typed_ahead, None
        if again is not None:
            self.call_after_refresh(again)

    @property
    def table(self) -> VirtualTable[CredentialSummary]:
        return self.query_one("#cred-table", VirtualTable)

    @property
    def selected(self) -> CredentialSummary | None:
        return self.table.cursor_item

    def _need_selected(self, again: Callable[[], object]) -> CredentialSummary | None:
        """The selected row; while the list is still being read, None, and `again` (the key
        typed ahead, e.g. by a password manager) runs once it has arrived."""
        row = self.selected
        if row is None and self._loading:
            self._typed_ahead = again
            return None
        if row is None:
            self.notify("Select a credential first.", severity="warning")
        return row

    @on(VirtualTable.RowHighlighted)
    def _highlighted(self, event: Any) -> None:
        self._hide_secret()
        # While a filter is being typed the highlighted row changes with every key: decrypt the
        # one the typing settles on, not every row passed on the way.
        self._show_detail(defer=self.query_one("#cred-filter", Input).has_focus)

    def _show_detail(self, *, refresh: bool = False, defer: bool = False) -> None:
        """Show the highlighted row; decrypt its sealed fields once per row (or on `refresh`).

        `set_rows` always announces the highlighted row again, so the same row arrives here
        twice in a row after every load. Its decrypted fields are kept, not wiped and fetched a
        second time: a second request would blank the panel until it returned and, if it
        failed, leave the first row without its fields until the cursor moved.
        """
        row = self.selected
        text = self.query_one("#cred-detail-text", Static)
        if row is None:
            self._detail_id = None
            self._detail = None
            text.update(
                "No credential selected."
                if self._rows
                else "No credentials yet.\n\nPress [b]a[/b] to add one, or [b]i[/b] to import "
                "an export from Bitwarden, KeePass, LastPass or 1Password."
            )
            return
        if row.changed_outside:
            self._detail_id, self._detail = row.id, None  # its sealed fields are not trusted
            text.update(changed_text(row))
            return
        if row.id == self._detail_id and not refresh:
            text.update(self._summary_text(row, self._detail))
            return
        if row.id != self._detail_id:
            self._detail = None
        self._detail_id = row.id
        text.update(self._summary_text(row, self._detail))
        if self._detail_timer is not None:
            self._detail_timer.stop()
            self._detail_timer = None
        if defer:
            wanted = row.id
            self._detail_timer = self.set_timer(DETAIL_DELAY, lambda: self._load_if_still(wanted))
        else:
            self.load_detail(row.id)

    def _load_if_still(self, credential_id: str) -> None:
        self._detail_timer = None
        if self._detail_id == credential_id:
            self.load_detail(credential_id)

    def _summary_text(self, row: CredentialSummary, detail: CredentialDetail | None = None) -> str:
        from rich.markup import escape

        lines = [
            f"[b]{escape(row.system)}[/b]",
            f"{CATEGORY_LABELS[row.category]} · {escape(row.host) or 'no host'}"
            + (f":{row.port}" if row.port else ""),
            f"Status: [{STATUS_STYLES[row.status]}]{STATUS_LABELS[row.status]}[/]",
            (
                f"Next: rotate it again: {escape(row.rotation_reason)}"
                if row.rotation_reason
                else "Next: start rotation: someone who left could read the current secret"
            )
            if row.rotation_due and finished(row.status, False)
            else f"Next: {next_step(row.status)}",
            f"Checked: {verifier_label(row.verifier)}",
        ]
        if row.known_to_departing:
            lines.append("[bold red]Known to the departing person[/]")
        if row.recovery_tied:
            lines.append("[bold red]Departing person is a recovery channel[/]")
        if row.last_verified:
            lines.append(f"Last checked: {row.last_verified:%d %b %Y %H:%M}")
        if detail is not None and detail.sealed:
            if detail.username:
                lines.append(f"Username: {escape(detail.username)}")
            if detail.owner:
                lines.append(f"Owner: {escape(detail.owner)}")
            for label, value in (
                ("Recovery email", detail.recovery_email),
                ("Recovery phone", detail.recovery_phone),
                ("MFA device", detail.recovery_mfa_device),
            ):
                if value:
                    lines.append(f"{label}: [red]{escape(value)}[/]")
            if detail.has_pending:
                lines.append("[yellow]A new secret is pending[/]")
            if detail.notes:
                lines.append(f"\n{escape(detail.notes)}")
        lines.append("\nSecret: ••••••••  (s reveal · c copy)")
        return "\n".join(lines)

    def load_detail(self, credential_id: str) -> None:
        self.in_background(
            partial(self._session.credentials.detail, credential_id),
            self._detail_loaded,
            group="cred-detail",
        )

    def _detail_loaded(self, detail: CredentialDetail) -> None:
        if detail.summary.id != self._detail_id:
            return  # the cursor has moved on; a newer request is under way
        self._detail = detail
        row = self.selected
        if row is not None and row.id == detail.summary.id:
            self.query_one("#cred-detail-text", Static).update(self._summary_text(row, detail))

    # --- filter -------------------------------------------------------------------------------

    def action_focus_filter(self) -> None:
        self.query_one("#cred-filter", Input).focus()

    @on(Input.Changed, "#cred-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.table.set_filter(event.value)

    @on(Input.Submitted, "#cred-filter")
    def _filter_done(self) -> None:
        self.table.focus()

    # --- reveal and copy ------------------------------------------------------------------------

    def action_reveal(self) -> None:
        row = self._need_selected(self.action_reveal)
        if row is not None:
            self.in_background(
                partial(self._session.credentials.reveal, row.id),
                self._revealed,
                group="cred-secret",
                exclusive=False,
            )

    def _revealed(self, secret: str) -> None:
        # Not markup: a secret may hold "[" or "\\" and must appear exactly as it is stored.
        # The secret's own `str` is what is drawn (not a longer one it is joined into, nor a
        # copy made to strip control characters), so overwriting it once hidden reaches every
        # line the screen drew from it.
        shown = _without_controls(secret)
        self.query_one("#cred-secret", Static).update(
            Content.styled(shown, "bold yellow", strip_control_codes=False)
        )
        hint = self.query_one("#cred-secret-hint", Static)
        hint.update(Content.styled(f"hides in {REVEAL_SECONDS:.0f} s", "dim"))
        hint.display = True
        earlier, self._shown = self._shown, [secret, shown]
        _wipe_all(earlier)
        if self._hide_timer is not None:
            self._hide_timer.stop()
        self._hide_timer = self.set_timer(REVEAL_SECONDS, self._hide_secret)

    def _hide_secret(self) -> None:
        if self._hide_timer is not None:
            self._hide_timer.stop()
            self._hide_timer = None
        self.query_one("#cred-secret", Static).update("")
        hint = self.query_one("#cred-secret-hint", Static)
        hint.update("")
        hint.display = False
        shown, self._shown = self._shown, []
        _wipe_all(shown)

    def on_unmount(self) -> None:
        """The vault locked (or the screen closed): a copy still on the clipboard is cleared,
        and every secret this screen held is overwritten."""
        if self._hide_timer is not None:
            self._hide_timer.stop()
        copied, self._on_clipboard = self._on_clipboard, []
        for secret in copied:
            if self._clipboard is not None:
                self._clipboard.clear_if_unchanged(secret)
            wipe_text(secret)
        shown, self._shown = self._shown, []
        _wipe_all(shown)

    def action_copy_secret(self) -> None:
        row = self._need_selected(self.action_copy_secret)
        if row is None:
            return
        if self._clipboard is None:
            self._clipboard = Clipboard(self.app.copy_to_clipboard)
        if not self._clipboard.available:
            self.notify(
                "No clipboard here. Over SSH, set ITEXIT_OSC52=1 to copy through the terminal; "
                "or reveal the secret with s.",
                severity="warning",
            )
            return
        self.in_background(
            partial(self._session.credentials.copy, row.id),
            partial(self._copied, row.system),
            group="cred-secret",
            exclusive=False,
        )

    def _copied(self, system: str, secret: str) -> None:
        assert self._clipboard is not None
        clipboard = self._clipboard
        clipboard.copy(secret)
        self._on_clipboard.append(secret)

        def clear() -> None:
            clipboard.clear_if_unchanged(secret)
            if secret in self._on_clipboard:
                self._on_clipboard.remove(secret)
                wipe_text(secret)

        self.set_timer(CLEAR_SECONDS, clear)
        self.notify(
            f"The secret of {system} is on {clipboard.how}; it clears in {CLEAR_SECONDS:.0f} s.",
            title="Copied",
        )

    # --- verification -----------------------------------------------------------------------------

    def action_verify(self) -> None:
        self._check(old=False)

    def action_verify_old(self) -> None:
        self._check(old=True)

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def _check(self, *, old: bool) -> None:
        row = self._need_selected(lambda: self._check(old=old))
        if row is None:
            return
        attest: Attestation | None = None
        if row.verifier == "manual":
            question = (
                "Try the OLD secret on the system: attest that it is refused."
                if old
                else "Log in with the current secret by hand: attest that it works."
            )
            attest = await self.app.push_screen_wait(AttestModal(row.system, question))
            if attest is None:
                return
        else:
            self.notify(f"Checking {row.system}…")
        self.in_background(
            partial(self._verify, row.id, old, attest),
            self._checked,
            group="cred-check",
            exclusive=False,
        )

    def _verify(self, credential_id: str, old: bool, attest: Attestation | None) -> CheckOutcome:
        return self._session.credentials.verify(
            credential_id,
            old=old,
            attest=attest.how if attest else None,
            note=attest.note if attest else "",
        )

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_reconcile(self) -> None:
        row = self._need_selected(self.action_reconcile)
        if row is None:
            return
        attest: Attestation | None = None
        if row.verifier == "manual":
            attest = await self.app.push_screen_wait(
                AttestModal(row.system, "Try each stored secret by hand.", ask_which=True)
            )
            if attest is None:
                return
        self.in_background(
            partial(self._reconcile, row.id, attest),
            self._checked,
            group="cred-check",
            exclusive=False,
        )

    def _reconcile(self, credential_id: str, attest: Attestation | None) -> CheckOutcome:
        return self._session.credentials.reconcile(
            credential_id,
            attest=attest.how if attest else None,
            works=attest.works if attest else None,
            note=attest.note if attest else "",
        )

    def _checked(self, result: CheckOutcome) -> None:
        if result.detail.startswith("Attested by"):
            self.notify(
                result.guidance,
                title=f"{result.summary.system}: {result.outcome}",
                severity="information" if result.ok else "warning",
            )
        else:  # what the server answered, whole, with what to do next
            self.app.push_screen(CheckResultModal(result))
        self.load()

    # --- rotation, history, add and edit ------------------------------------------------

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_rotate(self) -> None:
        row = self._need_selected(self.action_rotate)
        if row is None:
            return
        if row.status is CredentialStatus.NEEDS_RECONCILE:
            self.notify("Find which stored secret works first (x): none is known to work now.")
            return
        await self.app.push_screen_wait(RotationWizard(self._session, row))
        self.load()

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_rotate_all_due(self) -> None:
        from itexit.screens.credentials.campaign import CampaignModal

        await self.app.push_screen_wait(CampaignModal(self._session))
        self.load()

    def action_history(self) -> None:
        row = self._need_selected(self.action_history)
        if row is not None:
            self.in_background(
                partial(self._session.credentials.history, row.id),
                lambda entries: self.app.push_screen(HistoryModal(row.system, entries)),
                group="cred-history",
                exclusive=False,
            )

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_add(self) -> None:
        form = CredentialFormModal(submit=self._submit, sweep_choice=self._sweep_choice())
        result: FormResult | None = await self.app.push_screen_wait(form)
        self._form_done(result)

    def _sweep_choice(self) -> bool:
        return self._session.identity.role in (Role.MANAGER, Role.CONSULTANT)

    def action_edit(self) -> None:
        row = self._need_selected(self.action_edit)
        if row is not None:
            self.in_background(
                partial(self._session.credentials.detail, row.id), self._edit, group="cred-edit"
            )

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def _edit(self, detail: CredentialDetail) -> None:
        form = CredentialFormModal(detail, submit=self._submit, sweep_choice=self._sweep_choice())
        result: FormResult | None = await self.app.push_screen_wait(form)
        self._form_done(result)

    def _submit(self, result: FormResult) -> CredentialSummary:
        """Save what the form holds (called from the form's worker thread); a refusal raises
        and the form shows it beside what was typed."""
        creds = self._session.credentials
        if result.new is not None:
            saved = creds.add(result.new)
        else:
            assert result.edit is not None and result.credential_id is not None
            saved = creds.update(result.credential_id, result.edit, result.expected_version)
        if result.sweep_admin is not None:  # as `itexit cred sweep-admin` does it
            saved = creds.set_sweep_admin(saved.id, result.sweep_admin)
        return saved

    def _form_done(self, result: FormResult | None) -> None:
        if result is not None and result.saved is not None:
            self.notify(f"{result.saved.system} saved.", title="Credential saved")
            self.load()

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_retire(self) -> None:
        row = self._need_selected(self.action_retire)
        if row is None:
            return
        choice = await self.app.push_screen_wait(
            RetireCredentialModal(row, partial(self._retire, row.id))
        )
        if choice is not None and choice.done:
            self.notify(choice.done, title="Credential")
            self.load()

    def _retire(self, credential_id: str, choice: RetireChoice) -> str:
        """Retire or delete (from the dialog's worker); a refusal raises into the dialog."""
        creds = self._session.credentials
        if choice.delete:
            system = creds.delete(credential_id, choice.expected_version)
            return f"{system} was deleted."
        summary = creds.retire(credential_id, choice.reason, choice.expected_version)
        return f"{summary.system} was retired; its history stays."

    def action_put_back(self) -> None:
        row = self._need_selected(self.action_put_back)
        if row is None:
            return
        if not row.changed_outside:
            self.notify(f"{row.system} matches what itexit sealed: there is nothing to put back.")
            return
        self.in_background(
            partial(self._session.credentials.put_back, row.id),
            self._put_back,
            group="cred-put-back",
        )

    def _put_back(self, result: tuple[CredentialSummary, list[str]]) -> None:
        summary, _changed = result
        self.notify(
            f"{summary.system} is back as itexit sealed it, and due for rotation: the departing "
            "person may have known it. Press r to rotate it.",
            title="Put back",
        )
        self.load()

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_changer(self) -> None:
        row = self._need_selected(self.action_changer)
        if row is None:
            return
        current = await asyncio.to_thread(self._session.changing.method, row.id)
        table = self.query_one("#cred-table", VirtualTable)
        admins = [r for r in table.rows if r.verifier == row.verifier and r.id != row.id]
        choice = await self.app.push_screen_wait(
            ChangerModal(row, current, admins, partial(self._set_changer, row.id))
        )
        if choice is not None and choice.done:
            self.notify(choice.done, title="Credential")

    def _set_changer(self, credential_id: str, choice: ChangerChoice) -> str:
        """Save who changes it (from the dialog's worker); a refusal raises into the dialog."""
        saved = self._session.changing.set_method(credential_id, choice.method, choice.admin)
        words = METHOD_WORDS[choice.method]
        return f"{saved.system}: {words[0].lower()}{words[1:]}."

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_import(self) -> None:
        from itexit.screens.credentials.imports import ImportScreen

        await self.app.push_screen_wait(ImportScreen(self._session))
        self.load()

    def action_go_back(self) -> None:
        self._hide_secret()
        self.dismiss()


def _wipe_all(secrets: list[str]) -> None:
    for secret in secrets:
        wipe_text(secret)


def _without_controls(secret: str) -> str:
    """The secret as it can be drawn: itself, or a copy without control characters (C0, DEL,
    C1), which could otherwise move the cursor or rewrite the screen."""
    if not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in secret):
        return secret
    return "".join(c for c in secret if not (ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0))
