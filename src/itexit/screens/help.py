"""Help for the screen underneath: what it is for and every key it answers to."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import Static

from itexit.screens.base import ItexitModal, ScreenAction

HELP_TITLES = {
    "LateReturnModal": "Property returned after the signing",
    "AcceptRiskModal": "Accept the risk of an exposure",
    "AlreadyListedModal": "It may be listed already",
    "AuditEntryModal": "One entry of the record",
    "AuditLogScreen": "The record of who did what",
    "CheckResultModal": "What a check found",
    "EditMailboxModal": "Change a monitored mailbox",
    "MailboxEditing": "Change a monitored mailbox",
    "UsersScreen": "People who can unlock the vault",
    "CaseDetailScreen": "A departure case and its checklist",
    "RenewalsScreen": "Renewals",
    "FirstRunScreen": "Getting started",
    "RemovalReportModal": "After removing a person",
    "RotationWizard": "Changing a password",
    "PersonDetailsModal": "A person's name and e-mail",
    "RecoveryKitScreen": "The recovery kit",
    "ConfirmRemoveModal": "Removing a person",
    "BackupModal": "Backing up the vault",
    "KdbxExportModal": "Exporting to KeePass",
    "VendorsScreen": "Vendors",
    "EditStatementModal": "Editing the exit statement",
    "AddPropertyModal": "Practice property to return",
    "ListPasswordModal": "A password the person listed",
    "PrintStatementModal": "Printing the exit statement",
    "RecordSigningModal": "Recording the signing",
    "RenewalExportModal": "Renewals to a calendar",
    "ErrorModal": "Something went wrong",
    "RekeyedModal": "The vault got new keys",
    "MailboxScreen": "The departing person's mailbox",
    "RecordReviewModal": "Recording a mailbox review",
    "UnsubscribeModal": "Unsubscribing",
    "CreateRenewalModal": "A renewal from a message",
    "MailboxPickerModal": "Choosing a mailbox",
    "ImportModal": "Reading in mail",
    "AddMailboxModal": "Watching a mailbox",
    "StatementScreen": "The exit statement",
    "AddUserModal": "Adding a person",
    "ConnectingScreen": "Opening the vault",
    "SetupScreen": "Setting up the practice",
    "RenewalFormModal": "A renewal",
    "DemoUsersModal": "The demo's people",
    "StartAfreshModal": "Starting the demo afresh",
    "CampaignModal": "Changing every due password",
    "RecoverModal": "Forgot your passphrase",
    "ChangerModal": "Who changes a password",
    "SignRosterModal": "Signing the member list",
    "ConfirmReplaceModal": "Replacing the vault",
    "RestoreModal": "Restoring a backup",
    "CredentialsScreen": "Credentials",
    "DashboardScreen": "The dashboard",
    "VendorModal": "A vendor",
    "ContactModal": "A vendor contact",
    "RemoveContactModal": "Removing a vendor contact",
    "ChangePassphraseModal": "Changing a passphrase",
    "RetireCredentialModal": "Retiring a credential",
    "CloseFindingModal": "Closing a way in",
    "SweepScreen": "Ways in left on servers",
    "CaseListScreen": "Departure cases",
    "ImportScreen": "Importing credentials",
    "EvidenceModal": "Completing a task",
    "NotApplicableModal": "Marking a task not applicable",
    "AssignModal": "Giving a task to someone",
    "AddTaskModal": "Adding a task",
    "NewCaseModal": "Opening a departure case",
    "TerminationDateModal": "The leaving date",
    "CaseStageModal": "The case's stage",
    "MyTasksScreen": "My tasks",
    "UnlockScreen": "Unlocking the vault",
    "CredentialFormModal": "A credential",
    "AttestModal": "Saying how you checked",
    "HistoryModal": "A credential's history",
    "HelpModal": "Help",
    "FormModal": "A form",
}
"""The help's heading for each screen, in the words of the screen's own title."""


def help_title(screen: object) -> str:
    """`Help · Credentials`: the screen's name as a person reads it, never its class name."""
    name = type(screen).__name__
    words = HELP_TITLES.get(name)
    if words is None:
        plain = re.sub(r"(?<!^)(?=[A-Z])", " ", name.removesuffix("Screen").removesuffix("Modal"))
        words = plain.capitalize()
    return f"Help · {words}"


class HelpModal(ItexitModal[None]):
    """Built by the app from the current screen's `HELP` and its bindings."""

    CSS_PATH = "help.tcss"
    HELP = "This is the help. Escape or enter closes it."

    BINDINGS = [
        Binding(
            "enter,question_mark", "cancel", "Close", id="help.close", tooltip="Close the help"
        ),
    ]

    def __init__(self, title: str, purpose: str, actions: list[ScreenAction]) -> None:
        super().__init__()
        self._title = title
        self._purpose = purpose
        self._actions = actions

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Static(self._title, classes="heading", markup=False)
            yield Static(self._purpose, id="help-purpose", markup=False)
            with Grid(id="help-keys"):
                for action in self._actions:
                    yield Static(action.key, classes="help-key", markup=False)
                    yield Static(action.tooltip or action.description, markup=False)
            yield Static("Escape closes this help.", id="help-close", classes="hint")
