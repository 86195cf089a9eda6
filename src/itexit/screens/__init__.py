"""The app's screens and modals; each module has its `.tcss` beside it."""
