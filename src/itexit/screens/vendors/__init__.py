"""The vendors screen: the list, a vendor's details and contacts, and their forms."""

from itexit.screens.vendors.screen import VendorsScreen

__all__ = ["VendorsScreen"]
