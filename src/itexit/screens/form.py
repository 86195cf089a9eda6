"""The frame of every add and edit dialog: a title, a body of labelled fields, each refusal on
the line beside its field, Cancel and Add or Save.

Escape cancels and Ctrl+S saves (`ItexitModal`), the save button saves, and on opening the field
with the focus is in view with its label, the title too when they fit. A form says what it
holds (`HEADING` or `heading()`, `fields()`, `SAVE_LABEL`) and what saving does (`_save`); a
width other than 72 columns and anything of its own stay in its area's stylesheet, read after
`form.tcss`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Label, Static

from itexit.screens.base import ItexitModal, ResultT

FORM_TCSS = Path(__file__).with_name("form.tcss")
"""The look every form shares; an area's stylesheet adds widths and its own fields."""


def labelled(label: str, field: Widget, *, refusal: bool = False) -> ComposeResult:
    """A field under its label, with the line its refusals are shown on (`#<id>-message`)."""
    yield Label(label, classes="field-label")
    yield field
    if refusal:
        yield refusal_line(f"{field.id}-message")


def refusal_line(line_id: str | None = None, *, folded: bool = False) -> Static:
    """A line for what is wrong; `folded`, it takes no room until it has something to say."""
    line = Static("", id=line_id, classes="field-message", markup=False)
    if folded:
        line.add_class("-folded")
        line.display = False
    return line


class FormModal(ItexitModal[ResultT]):
    """A form dialog. With `SCROLL_FIELDS` only the fields scroll on a short screen and the
    title and buttons stay put (long forms); without it the whole dialog scrolls as one."""

    DIALOG_ID: ClassVar[str]
    """The dialog's id, for its area's stylesheet."""
    HEADING: ClassVar[str] = ""
    """The title, unless it names what is edited (then `heading()`)."""
    SAVE_ID: ClassVar[str] = "save"
    SAVE_LABEL: ClassVar[str] = "Save"
    SAVE_DISABLED: ClassVar[bool] = False
    """The save button starts disabled, until the fields read."""
    SCROLL_FIELDS: ClassVar[bool] = False

    def __init__(self) -> None:
        super().__init__()
        if FORM_TCSS not in self.css_path:
            self.css_path = [FORM_TCSS, *self.css_path]

    def heading(self) -> str:
        return self.HEADING

    def fields(self) -> ComposeResult:
        """The labelled fields, in the order they are filled in."""
        raise NotImplementedError

    def below_fields(self) -> ComposeResult:
        """What stays under the fields, above the buttons: a refusal of the whole form, a
        note."""
        yield from ()

    def save_label(self) -> str:
        return self.SAVE_LABEL

    def save_disabled(self) -> bool:
        return self.SAVE_DISABLED

    def other_buttons(self) -> ComposeResult:
        """Buttons between Cancel and the save button."""
        yield from ()

    def compose(self) -> ComposeResult:
        frame = Vertical if self.SCROLL_FIELDS else VerticalScroll
        classes = "dialog -fields-scroll" if self.SCROLL_FIELDS else "dialog"
        with frame(id=self.DIALOG_ID, classes=classes):
            yield Static(self.heading(), classes="heading", markup=False)
            if self.SCROLL_FIELDS:
                with VerticalScroll(classes="dialog-fields"):
                    yield from self.fields()
            else:
                yield from self.fields()
            yield from self.below_fields()
            with Horizontal(classes="actions"):
                yield Button("Cancel", id="cancel")
                yield from self.other_buttons()
                yield self.save_button()

    def save_button(self) -> Button:
        return Button(
            self.save_label(), id=self.SAVE_ID, variant="primary", disabled=self.save_disabled()
        )

    def on_mount(self) -> None:
        self.call_after_refresh(self._show_focused_field)

    def _show_focused_field(self) -> None:
        """Focusing a field scrolls it to the top, past its label and the title: scroll back
        to the top, then down only as far as the field needs."""
        scroll = self.query_one(".dialog-fields" if self.SCROLL_FIELDS else f"#{self.DIALOG_ID}")
        scroll.scroll_home(animate=False)
        if self.focused is not None:
            scroll.scroll_to_widget(self.focused, animate=False)

    @on(Button.Pressed)
    async def _save_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == self.SAVE_ID:
            await self.action_save_form()

    def _save(self) -> object:
        """Save (the button, Ctrl+S, Enter where the form takes it), or show what is wrong."""
        raise NotImplementedError

    def refuse(self, field: str, text: str) -> None:
        """Show `text` on the refusal line of `field` (the `#<field>-message` line)."""
        self.show_refusals({field: text}, (field,))

    def show_refusals(self, refusals: Mapping[str, str], fields: Iterable[str]) -> None:
        """Each of `fields` shows its refusal beside it, or nothing once it is right."""
        for field in fields:
            line = self.query_one(f"#{field}-message", Static)
            line.update(refusals.get(field, ""))
            if line.has_class("-folded"):
                line.display = field in refusals
