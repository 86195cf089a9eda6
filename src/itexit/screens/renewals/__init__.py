"""The renewals screens: the list, its form and the export."""
