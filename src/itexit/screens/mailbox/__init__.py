"""The monitored mailbox: the screen, its regions and its modals."""

from itexit.screens.mailbox.screen import MailboxScreen

__all__ = ["MailboxScreen"]
