"""Who can unlock the vault: add people, remove them (with a re-key), change passphrases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Header, Static
from textual.worker import Worker

from itexit.domain.models import RemovalReport, UserInfo, UserStatus
from itexit.domain.roles import ROLE_LABELS
from itexit.screens.base import ItexitScreen
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

    @dataclass
    class UsersLoaded(Message):
        users: list[UserInfo]

    @dataclass
    class UserAdded(Message):
        user: UserInfo

    @dataclass
    class UserRemoved(Message):
        report: RemovalReport

    @dataclass
    class PassphraseChanged(Message):
        name: str

    @dataclass
    class DetailsSaved(Message):
        user: UserInfo

    def __init__(self, session: UnlockedVault) -> None:
        super().__init__()
        self._session = session
        self._users: list[UserInfo] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="users-body"):
            yield Static("People who can unlock this vault", classes="heading")
            yield Static(
                "Each person unlocks with their own passphrase. Keep at least two managers.",
                classes="hint",
            )
            yield DataTable(id="users-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self._set_columns([])
        self.load_users()

    def _set_columns(self, rows: Sequence[tuple[str, ...]]) -> None:
        """The columns, each as wide as its widest cell. Widths are given, not measured later
        when the table is idle: a frame drawn before that measurement could keep cut cells."""
        table = self.query_one("#users-table", DataTable)
        table.clear(columns=True)
        for index, (label, key) in enumerate(COLUMNS):
            width = max([len(label), *(cell_len(row[index]) for row in rows)])
            table.add_column(label, key=key, width=width)

    # --- reading ------------------------------------------------------------------------------

    def action_refresh_users(self) -> None:
        self.load_users()

    @work(thread=True, exit_on_error=False, group="users", exclusive=True)
    def load_users(self) -> None:
        self.post_message(self.UsersLoaded(self._session.list_users()))

    @on(UsersLoaded)
    def _show_users(self, message: UsersLoaded) -> None:
        message.stop()
        table = self.query_one("#users-table", DataTable)
        selected = self._selected()
        self._users = message.users
        rows = [
            (
                user.name,
                user.full_name,
                ROLE_LABELS[user.role],
                "removed" if user.status is UserStatus.REMOVED else "active",
                user.created_at.strftime(DATE_FORMAT),
                user.email,
            )
            for user in self._users
        ]
        self._set_columns(rows)
        for user, cells in zip(self._users, rows, strict=True):
            style = "dim" if user.status is UserStatus.REMOVED else ""
            table.add_row(*(Text(cell, style=style) for cell in cells), key=user.name)
        if selected is not None and selected.name in {user.name for user in self._users}:
            table.move_cursor(row=table.get_row_index(selected.name))

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

    def action_add_user(self) -> None:
        practice = self._session.identity.practice_name
        self.app.push_screen(AddUserModal(practice), self._add_user_chosen)

    def _add_user_chosen(self, new_user: NewUser | None) -> None:
        if new_user is not None:
            self.add_user(new_user)

    @work(thread=True, exit_on_error=False, group="users-change")
    def add_user(self, new_user: NewUser) -> None:
        user = self._session.add_user(
            new_user.name, new_user.role, new_user.passphrase, new_user.full_name, new_user.email
        )
        self.post_message(self.UserAdded(user))

    @on(UserAdded)
    def _user_added(self, message: UserAdded) -> None:
        message.stop()
        self.notify(f"{message.user.name} can now unlock the vault.", title="Person added")
        self.load_users()

    # --- removing -------------------------------------------------------------------------------

    def action_remove_user(self) -> None:
        user = self._selected_active()
        if user is None:
            return
        if user.name == self._session.identity.name:
            self.notify("You cannot remove yourself; ask another manager.", severity="warning")
            return

        def confirmed(remove: bool | None) -> None:
            if remove:
                self.query_one("#users-table").loading = True
                self.remove_user(user.name)

        self.app.push_screen(ConfirmRemoveModal(user.name, ROLE_LABELS[user.role]), confirmed)

    @work(thread=True, exit_on_error=False, group="users-change")
    def remove_user(self, name: str) -> None:
        self.post_message(self.UserRemoved(self._session.remove_user(name)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name == "remove_user" and event.worker.is_finished:
            self.query_one("#users-table").loading = False

    @on(UserRemoved)
    def _user_removed(self, message: UserRemoved) -> None:
        message.stop()
        self.load_users()
        self.app.push_screen(RemovalReportModal(message.report))

    # --- details ---------------------------------------------------------------------------------

    def action_edit_details(self) -> None:
        user = self._selected()
        if user is None:
            self.notify("Select a person in the table first.", severity="warning")
            return

        def chosen(details: PersonDetails | None) -> None:
            if details is not None:
                self.save_details(user.name, details)

        self.app.push_screen(PersonDetailsModal(user), chosen)

    @work(thread=True, exit_on_error=False, group="users-change")
    def save_details(self, name: str, details: PersonDetails) -> None:
        user = self._session.edit_user(
            name,
            full_name=details.full_name,
            email=details.email,
            expected_version=details.expected_version,
        )
        self.post_message(self.DetailsSaved(user))

    @on(DetailsSaved)
    def _details_saved(self, message: DetailsSaved) -> None:
        message.stop()
        self.notify(f"{message.user.name}'s details were saved.", title="Details saved")
        self.load_users()

    # --- passphrases ----------------------------------------------------------------------------

    def action_change_passphrase(self) -> None:
        user = self._selected_active()
        if user is None:
            return

        def chosen(passphrase: str | None) -> None:
            if passphrase:
                self.change_passphrase(user.name, passphrase)

        self.app.push_screen(ChangePassphraseModal(user.name), chosen)

    @work(thread=True, exit_on_error=False, group="users-change")
    def change_passphrase(self, name: str, passphrase: str) -> None:
        self._session.change_passphrase(name, passphrase)
        self.post_message(self.PassphraseChanged(name))

    @on(PassphraseChanged)
    def _passphrase_changed(self, message: PassphraseChanged) -> None:
        message.stop()
        self.notify(f"{message.name}'s passphrase was changed.", title="Passphrase changed")

    def action_go_back(self) -> None:
        self.dismiss()
