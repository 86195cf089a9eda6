"""One audit entry whole: when, who (and how that is known), what, about what, every detail."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from itexit.domain.audit_words import (
    UNAUTHENTICATED_WORDS,
    AuditLine,
    detail_lines,
)
from itexit.screens.base import ItexitModal

WHEN_FORMAT = "%d %b %Y %H:%M"


def who_text(line: AuditLine) -> Text:
    """The actor as the signing key proves it; never a name an unsigned entry merely carries."""
    if line.actor == UNAUTHENTICATED_WORDS:
        return Text(UNAUTHENTICATED_WORDS, style="italic yellow")
    if not line.proven:
        return Text(line.actor, style="italic red")
    return Text(line.actor)


def entry_text(line: AuditLine) -> Text:
    """The whole entry as wrapped text, for the dialog."""
    when = line.at.astimezone()
    out = Text()
    out.append("When  ", style="bold")
    out.append(f"{when:%A %d %B %Y, %H:%M:%S} ({when:%Z})\n")
    out.append("Who   ", style="bold")
    out.append_text(who_text(line))
    out.append("\n")
    if line.actor == UNAUTHENTICATED_WORDS:
        out.append(
            "      This entry is not signed: nobody proved who they were (a name typed at a "
            "failed unlock proves nothing).\n",
            style="dim",
        )
    elif not line.proven:
        out.append(
            "      Signed by a key nobody on the list of people who could unlock ever held.\n",
            style="red",
        )
    else:
        out.append("      Proven by the key that signed this entry.\n", style="dim")
    out.append("What  ", style="bold")
    out.append(f"{line.what}\n")
    if line.target:
        out.append("About ", style="bold")
        out.append(f"{line.target}\n")
    details = detail_lines(line.details)
    if details:
        out.append("\nDetails\n", style="bold")
        for label, value in details:
            out.append(f"{label}: ", style="dim")
            out.append(f"{value}\n")
    out.append(f"\nEntry {line.seq:,} of the record.", style="dim")
    return out


class AuditEntryModal(ItexitModal[None]):
    """The entry under the cursor, whole and wrapped; nothing here changes anything."""

    CSS_PATH = "audit.tcss"
    AUTO_FOCUS = "#audit-entry-close"
    HELP = (
        "One entry of the record, whole. Who did it is the person whose key signed it; an "
        "unsigned entry names nobody. Escape or Enter closes it."
    )

    BINDINGS = [
        Binding("enter", "cancel", "Close", id="audit_entry.close", tooltip="Close this entry"),
        # the focus stays on Close; the arrows still read an entry longer than the dialog
        Binding("down", "scroll_entry('down')", "Down", show=False),
        Binding("up", "scroll_entry('up')", "Up", show=False),
        Binding("pagedown", "scroll_entry('page_down')", "Page down", show=False),
        Binding("pageup", "scroll_entry('page_up')", "Page up", show=False),
        Binding("end", "scroll_entry('end')", "End", show=False),
        Binding("home", "scroll_entry('home')", "Home", show=False),
    ]

    def __init__(self, line: AuditLine) -> None:
        super().__init__()
        self._line = line

    def compose(self) -> ComposeResult:
        with Vertical(id="audit-entry-dialog", classes="dialog"):
            yield Static(self._line.what, classes="heading", markup=False)
            with VerticalScroll(id="audit-entry-body"):
                yield Static(entry_text(self._line), id="audit-entry-text")
            with Horizontal(classes="actions"):
                yield Button("Close", id="audit-entry-close", variant="primary")

    def action_scroll_entry(self, how: str) -> None:
        body = self.query_one("#audit-entry-body", VerticalScroll)
        getattr(body, f"scroll_{how}")(animate=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "audit-entry-close":
            self.dismiss(None)
