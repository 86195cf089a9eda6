"""Who can unlock the vault: the list, adding a person and a person's details."""

from itexit.screens.users.screen import UsersScreen

__all__ = ["UsersScreen"]
