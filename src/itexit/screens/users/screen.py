"""Who can unlock the vault: add people, remove them (with a re-key), change passphrases."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Header, Static
from textual.worker import Worker

from itexit.domain.models import RemovalReport, UserInfo, UserStatus
from itexit.domain.roles import ROLE_LABELS
from itexit.screens.base import DIALOG, ItexitScreen
from itexit.screens.change_passphrase import ChangePassphraseModal
from itexit.screens.confirm_remove import ConfirmRemoveModal
from itexit.screens.removal_report import RemovalReportModal
from itexit.screens.users.add_user import AddUserModal, NewUser
from itexit.screens.users.user_details import PersonDetails, PersonDetailsModal
from itexit.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

DATE_FORMAT = "%d %b %Y"
COLUMNS = (
    ("Name", "name"),
    ("Full name", "full_name"),
    ("Role", "role"),
    ("Status", "status"),
    ("Added", "added"),
    ("E-mail", "email"),
)
REMOVING = "users-remove"
NARROW_COLUMNS = 4
"""Below WIDE_ENOUGH the table keeps the first four columns; the line under it shows the
selected person's e-mail address and when they were added."""
WIDE_ENOUGH = 100


class UsersScreen(ItexitScreen):
    """A table of everyone with a key to the vault; practice managers only."""

    CSS_PATH = "users.tcss"
    AUTO_FOCUS = "#users-table"
    HELP = (
        "Everyone listed here can unlock the vault with their own passphrase. Add a second "
        "practice manager so the practice never depends on one person. Removing someone gives "
        "the vault new keys and marks every credential they could see as due for rotation. Press e "
        "to record a person's full name and e-mail address."
    )

    BINDINGS = [
        Binding("a", "add_user", "Add", id="users.add", tooltip="Give a new person a key"),
        Binding(
            "d",
            "remove_user",
            "Remove",
            id="users.remove",
            tooltip="Remove the selected person and re-key the vault",
        ),
        Binding(
            "e",
            "edit_details",
            "Details",
            show=False,
            id="users.details",
            tooltip="Edit the selected person's full name and e-mail",
        ),
        Binding(
            "p",
            "change_passphrase",
            "Passphrase",
            id="users.passphrase",
            tooltip="Set a new passphrase for the selected person",
        ),
        Binding(
            "r",
            "refresh_users",
            "Refresh",
            show=False,
            id="users.refresh",
            tooltip="Read the list again",
        ),
        Binding("escape", "go_back", "Back", id="users.back", tooltip="Back to the dashboard"),
    ]

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._session = session
        self._users: list[UserInfo] = []
        self._narrow = False

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="users-body"):
            yield Static("People who can unlock this vault", classes="heading")
            yield Static(
                "Each person unlocks with their own passphrase. Keep at least two managers.",
                classes="hint",
            )
            yield DataTable(id="users-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="users-detail", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self._narrow = self.app.size.width < WIDE_ENOUGH
        self.set_class(self._narrow, "-narrow")
        self._set_columns([])
        self.load_users()

    def on_resize(self, event: events.Resize) -> None:
        """Drop or bring back the e-mail and date columns when the window is narrowed or widened."""
        narrow = event.size.width < WIDE_ENOUGH
        if narrow != self._narrow:
            self._narrow = narrow
            self.set_class(narrow, "-narrow")
            self._show_users(self._users)

    def _set_columns(self, rows: Sequence[tuple[str, ...]]) -> None:
        """The columns, each as wide as its widest cell. Widths are given, not measured later
        when the table is idle: a frame drawn before that measurement could keep cut cells."""
        table = self.query_one("#users-table", DataTable)
        table.clear(columns=True)
        for index, (label, key) in enumerate(self._columns()):
            width = max([len(label), *(cell_len(row[index]) for row in rows)])
            table.add_column(label, key=key, width=width)

    def _columns(self) -> tuple[tuple[str, str], ...]:
        return COLUMNS[:NARROW_COLUMNS] if self._narrow else COLUMNS

    # --- reading ------------------------------------------------------------------------------

    def action_refresh_users(self) -> None:
        self.load_users()

    def load_users(self) -> None:
        self.in_background(self._session.list_users, self._show_users, group="users")

    def _show_users(self, users: list[UserInfo]) -> None:
        table = self.query_one("#users-table", DataTable)
        selected = self._selected()
        self._users = users
        width = len(self._columns())
        rows = [
            (
                user.name,
                user.full_name,
                ROLE_LABELS[user.role],
                "removed" if user.status is UserStatus.REMOVED else "active",
                user.created_at.strftime(DATE_FORMAT),
                user.email,
            )[:width]
            for user in self._users
        ]
        self._set_columns(rows)
        for user, cells in zip(self._users, rows, strict=True):
            style = "dim" if user.status is UserStatus.REMOVED else ""
            table.add_row(*(Text(cell, style=style) for cell in cells), key=user.name)
        if selected is not None and selected.name in {user.name for user in self._users}:
            table.move_cursor(row=table.get_row_index(selected.name))
        self._show_detail()

    @on(DataTable.RowHighlighted, "#users-table")
    def _show_detail(self) -> None:
        """The selected person's e-mail and when they were added, for a window too narrow to
        show those columns (the style sheet hides this line otherwise)."""
        user = self._selected()
        detail = self.query_one("#users-detail", Static)
        if user is None:
            detail.update("")
            return
        email = user.email or "no e-mail address yet (e adds one)"
        detail.update(f"{user.name}: {email} · added {user.created_at.strftime(DATE_FORMAT)}")

    def _selected(self) -> UserInfo | None:
        table = self.query_one("#users-table", DataTable)
        if not self._users or table.cursor_row < 0 or table.cursor_row >= len(self._users):
            return None
        return self._users[table.cursor_row]

    def _selected_active(self) -> UserInfo | None:
        user = self._selected()
        if user is None:
            self.notify("Select a person in the table first.", severity="warning")
            return None
        if user.status is UserStatus.REMOVED:
            self.notify(f"{user.name} has already been removed.", severity="warning")
            return None
        return user

    # --- adding ---------------------------------------------------------------------------------

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_add_user(self) -> None:
        practice = self._session.identity.practice_name
        new_user = await self.app.push_screen_wait(AddUserModal(practice))
        if new_user is not None:
            self.add_user(new_user)

    def add_user(self, new_user: NewUser) -> None:
        add = partial(
            self._session.add_user,
            new_user.name,
            new_user.role,
            new_user.passphrase,
            new_user.full_name,
            new_user.email,
        )
        self.in_background(add, self._user_added, group="users-change", exclusive=False)

    def _user_added(self, user: UserInfo) -> None:
        self.notify(f"{user.name} can now unlock the vault.", title="Person added")
        self.load_users()

    # --- removing -------------------------------------------------------------------------------

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_remove_user(self) -> None:
        user = self._selected_active()
        if user is None:
            return
        if user.name == self._session.identity.name:
            self.notify("You cannot remove yourself; ask another manager.", severity="warning")
            return
        if await self.app.push_screen_wait(ConfirmRemoveModal(user.name, ROLE_LABELS[user.role])):
            self.remove_user(user.name)

    def remove_user(self, name: str) -> None:
        self.query_one("#users-table").loading = True
        self.in_background(
            partial(self._session.remove_user, name),
            self._user_removed,
            group=REMOVING,
            exclusive=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Textual runs the base class's handler too: it sends failures to the error dialog.
        if event.worker.group == REMOVING and event.worker.is_finished:
            self.query_one("#users-table").loading = False

    def _user_removed(self, report: RemovalReport) -> None:
        self.load_users()
        self.app.push_screen(RemovalReportModal(report))

    # --- details ---------------------------------------------------------------------------------

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_edit_details(self) -> None:
        user = self._selected()
        if user is None:
            self.notify("Select a person in the table first.", severity="warning")
            return
        details = await self.app.push_screen_wait(PersonDetailsModal(user))
        if details is not None:
            self.save_details(user.name, details)

    def save_details(self, name: str, details: PersonDetails) -> None:
        edit = partial(
            self._session.edit_user,
            name,
            full_name=details.full_name,
            email=details.email,
            expected_version=details.expected_version,
        )
        self.in_background(edit, self._details_saved, group="users-change", exclusive=False)

    def _details_saved(self, user: UserInfo) -> None:
        self.notify(f"{user.name}'s details were saved.", title="Details saved")
        self.load_users()

    # --- passphrases ----------------------------------------------------------------------------

    @work(group=DIALOG, exclusive=True, exit_on_error=False)
    async def action_change_passphrase(self) -> None:
        user = self._selected_active()
        if user is None:
            return
        passphrase = await self.app.push_screen_wait(ChangePassphraseModal(user.name))
        if passphrase:
            self.change_passphrase(user.name, passphrase)

    def change_passphrase(self, name: str, passphrase: str) -> None:
        def changed(_: None) -> None:
            self.notify(f"{name}'s passphrase was changed.", title="Passphrase changed")

        self.in_background(
            partial(self._session.change_passphrase, name, passphrase),
            changed,
            group="users-change",
            exclusive=False,
        )

    def action_go_back(self) -> None:
        self.dismiss()
