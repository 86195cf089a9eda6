"""Reusable widgets: each styles itself with DEFAULT_CSS and talks to its screen by messages."""
