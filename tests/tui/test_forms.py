"""Every form dialog opens on its first field with the label in view, refuses beside the field
on Ctrl+S without losing what was typed, and closes on Escape with nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Input, Label, Static

import itexit
from itexit.app import ItexitApp
from itexit.screens.cases.modals import NewCaseModal
from itexit.screens.cases.statement_modals import AddPropertyModal, ListPasswordModal
from itexit.screens.form import FormModal
from itexit.screens.users.add_user import AddUserModal
from itexit.screens.vendors.forms import ContactModal, VendorModal

TODAY = date(2026, 12, 1)

FORMS: dict[str, tuple[Callable[[], FormModal[Any]], str | None, str]] = {
    # the form, a field to type in before saving, the refusal saving shows
    "vendor": (VendorModal, "#vendor-services", "Type the vendor's name."),
    "contact": (lambda: ContactModal("Meridian EHR"), "#contact-phone", "Type the contact's name."),
    "property": (AddPropertyModal, None, "Name the item."),
    "password": (ListPasswordModal, "#password-username", "Name the system the password opens."),
    "case": (
        lambda: NewCaseModal([], TODAY),
        "#case-user",
        "Type the name of the person or vendor who is leaving.",
    ),
    "person": (lambda: AddUserModal("Greenway"), "#new-full-name", "Type a user name."),
}


class FormHost(App[None]):
    """The app's own stylesheet and screen sizes, with nothing unlocked behind the dialog."""

    CSS_PATH = Path(itexit.__file__).with_name("app.tcss")
    VERTICAL_BREAKPOINTS = ItexitApp.VERTICAL_BREAKPOINTS


def shown(form: FormModal[Any]) -> str:
    return " ".join(str(line.render()) for line in form.query(".field-message").results(Static))


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
@pytest.mark.parametrize("name", list(FORMS))
async def test_a_form_opens_on_its_first_field_and_refuses_beside_it(
    name: str, size: tuple[int, int]
) -> None:
    make, other, refusal = FORMS[name]
    app = FormHost()
    async with app.run_test(size=size) as pilot:
        form = make()
        closed: list[object] = []
        app.push_screen(form, closed.append)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

        first = form.focused
        assert isinstance(first, Input) and f"#{first.id}" == form.AUTO_FOCUS
        label = first.parent.children[first.parent.children.index(first) - 1]  # type: ignore[union-attr]
        assert isinstance(label, Label)
        frame = form.query_one(".dialog-fields" if form.SCROLL_FIELDS else f"#{form.DIALOG_ID}")
        assert label.region.height and frame.region.contains_region(label.region)
        assert form.query_one(".heading").region.height  # the title is in view too

        if other is not None:
            form.query_one(other, Input).value = "typed before saving"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert refusal in shown(form)
        if other is not None:
            assert form.query_one(other, Input).value == "typed before saving"
        assert form.focused is not None and form.focused.id == first.id

        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not form
        assert closed == [None]
