"""Restore a backup: which file, who opens it, and a plain confirmation before replacing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, LoadingIndicator, Static

from itexit.domain.errors import ItexitError
from itexit.screens.access import VaultAccess
from itexit.screens.base import ItexitModal

if TYPE_CHECKING:
    from itexit.domain.backups import RestoreResult
    from itexit.services.restore import RestorePlan


def replace_facts(plan: RestorePlan) -> list[str]:
    """What replacing the vault means, in a manager's words."""
    made = plan.manifest
    facts = [
        f"The vault at {plan.target} is replaced by the backup made "
        f"{made.made_at.astimezone():%d %b %Y %H:%M} by {made.made_by}.",
        "Everything changed in the vault since then is lost.",
        "Everyone who was a member then opens it with the passphrase they had then.",
    ]
    for person in plan.removed_since:
        facts.append(
            f"{person} was removed after this backup was made and becomes a member again: "
            "remove them again and rotate what they could see."
        )
    return facts


class ConfirmReplaceModal(ItexitModal[bool]):
    """Returns True to replace the vault, False or None to keep it."""

    CSS_PATH = "backup.tcss"
    AUTO_FOCUS = "#keep"
    HELP = "Replacing a vault with a backup cannot be undone: back the vault up first."

    def __init__(self, plan: RestorePlan) -> None:
        super().__init__()
        self._plan = plan

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="confirm-replace-dialog", classes="dialog -danger"):
            yield Static("Replace the vault with this backup?", classes="heading")
            for fact in replace_facts(self._plan):
                yield Static(f"• {fact}", classes="fact-text", markup=False)
            with Horizontal(classes="actions"):
                yield Button("Keep the vault", id="keep")
                yield Button("Replace it", id="replace", variant="error")

    @on(Button.Pressed, "#replace")
    def _replace(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#keep")
    def _keep(self) -> None:
        self.dismiss(False)


class RestoreModal(ItexitModal["RestoreResult"]):
    """The backup file and the person who opens it; returns what was restored."""

    CSS_PATH = "backup.tcss"
    AUTO_FOCUS = "#restore-file"
    HELP = (
        "Puts a backup back in place after checking it: it must be whole, its record of "
        "changes intact, and your passphrase as it was when the backup was made must open "
        "it. A backup older than what this computer has seen needs a reason."
    )

    def __init__(self, access: VaultAccess) -> None:
        super().__init__()
        self._access = access

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="restore-dialog", classes="dialog"):
            yield Static("Restore a backup", classes="heading")
            yield Static(
                f"To {self._access.location.describe()}", id="restore-where", classes="hint"
            )
            yield Label("Backup file", classes="field-label")
            yield Input(placeholder="…/vault-20261204T013000Z.itexit-backup", id="restore-file")
            yield Label("Your user name", classes="field-label")
            yield Input(id="restore-user")
            yield Label("Your passphrase when the backup was made", classes="field-label")
            yield Input(password=True, id="restore-passphrase")
            yield Label(
                "Why (only for a backup older than this computer has seen)",
                classes="field-label",
            )
            yield Input(id="restore-reason")
            busy = LoadingIndicator(id="restore-busy")
            busy.display = False
            yield busy
            yield Static("", id="restore-message", classes="field-message", markup=False)
            with Horizontal(classes="actions"):
                yield Button("Cancel", id="cancel")
                yield Button("Restore", id="restore", variant="primary")

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value

    def _save(self) -> None:
        """Ctrl+S does what the button does."""
        self._start()

    @on(Input.Submitted)
    @on(Button.Pressed, "#restore")
    def _start(self) -> None:
        message = self.query_one("#restore-message", Static)
        if not self._value("#restore-file").strip():
            message.update("Give the backup file.")
            return
        if not self._value("#restore-user").strip() or not self._value("#restore-passphrase"):
            message.update("Give your user name and passphrase.")
            return
        self.query_one("#restore", Button).disabled = True
        self.query_one("#restore-busy").display = True
        message.update("Checking the backup…")
        self.run_restore()

    @work(exclusive=True, group="restore", exit_on_error=False)
    async def run_restore(self) -> None:
        from itexit.services.restore import plan, restore

        file = Path(self._value("#restore-file").strip()).expanduser()
        location = self._access.location
        try:
            found = await asyncio.to_thread(plan, file, location)
            replace = False
            if found.target_exists:
                answer = await self.app.push_screen_wait(ConfirmReplaceModal(found))
                replace = bool(answer)
                if not replace:
                    self._stopped("Nothing was restored.")
                    return
            gateway = self._access.gateway
            if gateway is not None:
                gateway.close()  # its connections reopen on the restored vault
            result = await asyncio.to_thread(
                restore,
                file,
                location,
                self._value("#restore-user").strip(),
                self._value("#restore-passphrase"),
                replace=replace,
                reason=self._value("#restore-reason"),
            )
        except ItexitError as exc:
            self._stopped(str(exc))
            return
        self.dismiss(result)

    def _stopped(self, sentence: str) -> None:
        self.query_one("#restore-busy").display = False
        self.query_one("#restore", Button).disabled = False
        self.query_one("#restore-message", Static).update(sentence)


def restored_notice(result: RestoreResult) -> str:
    """What the unlock screen says after a restore."""
    made = result.manifest
    notice = (
        f"Restored the backup made {made.made_at.astimezone():%d %b %Y %H:%M} by "
        f"{made.made_by}. Everyone who was a member then opens it with their passphrase "
        "of that time."
    )
    if result.removed_since:
        notice += f" Remove again: {', '.join(result.removed_since)}."
    return notice
