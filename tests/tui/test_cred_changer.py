"""Who changes a credential's secret, chosen in the app: a person, or itexit itself."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from textual.widgets import Select, Static
from tui_steps import MANAGER, MANAGER_PASSPHRASE, Notices, press_settled, settle, unlock
from worlds import Worlds

from itexit.app import ItexitApp
from itexit.domain.changing import ChangeMethod
from itexit.domain.credentials import NewCredential
from itexit.screens.credentials.changer import ChangerModal
from itexit.screens.credentials.screen import CredentialsScreen
from itexit.services.gateway import Gateway
from itexit.widgets.virtual_table import VirtualTable


@pytest.fixture
def database_practice(frozen_now: object, gateway: Gateway, worlds: Worlds) -> Gateway:
    """A practice with an EHR database login, its admin login, and a router checked by hand."""

    def build(gateway: Gateway) -> None:
        session = gateway.create("Lindenhof Praxis", MANAGER, MANAGER_PASSPHRASE).session
        for system, user in (("EHR database", "ehr_app"), ("EHR database admin", "postgres")):
            session.credentials.add(
                NewCredential(
                    system=system,
                    host="127.0.0.1",
                    port=5432,
                    username=user,
                    secret=SecretStr(f"{user}-Old-Secret-2019"),
                    verifier="postgresql",
                    path="ehr",
                    known_to_departing=True,
                )
            )
        session.credentials.add(
            NewCredential(system="Router admin", username="admin", secret=SecretStr("r-Old-1"))
        )
        session.lock()

    return worlds.restore(gateway, "database-practice", build)


async def choose(app: ItexitApp, system: str) -> None:
    screen = app.screen
    assert isinstance(screen, CredentialsScreen)
    table = screen.query_one("#cred-table", VirtualTable)
    table.move_cursor([r.system for r in table.rows].index(system))


async def test_itexit_is_chosen_to_change_a_database_login_from_the_app(
    database_practice: Gateway,
) -> None:
    notices = Notices()
    app = ItexitApp(database_practice.location, gateway=database_practice)
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
        await press_settled(pilot, "f5")
        await choose(app, "EHR database")
        await press_settled(pilot, "w")
        modal = app.screen
        assert isinstance(modal, ChangerModal)
        method = modal.query_one("#changer-method", Select)
        assert method.value is ChangeMethod.PERSON
        # an admin change with no admin login chosen is refused beside the choice
        method.value = ChangeMethod.ADMIN
        await press_settled(pilot, "ctrl+s")
        assert app.screen is modal
        message = str(modal.query_one("#changer-message", Static).render())
        assert message == "Choose the admin login that may change this one."
        admin = modal.query_one("#changer-admin", Select)
        assert [str(label) for label, value in admin._options if value != Select.NULL] == [
            "EHR database admin"
        ]
        method.value = ChangeMethod.SELF
        await press_settled(pilot, "ctrl+s")
        assert isinstance(app.screen, CredentialsScreen)
        assert "EHR database: itexit logs in as this account and changes it." in notices.text
        # a login itexit cannot change stays with a person, and the dialog says why
        await choose(app, "Router admin")
        await press_settled(pilot, "w")
        modal = app.screen
        assert isinstance(modal, ChangerModal)
        modal.query_one("#changer-method", Select).value = ChangeMethod.SELF
        await press_settled(pilot, "ctrl+s")
        await settle(pilot)
        assert app.screen is modal
        message = str(modal.query_one("#changer-message", Static).render())
        assert message.startswith("itexit cannot change passwords on Router admin")
    session = database_practice.unlock(MANAGER, MANAGER_PASSPHRASE)
    ehr = next(c for c in session.credentials.list() if c.system == "EHR database")
    assert session.changing.method(ehr.id) == (ChangeMethod.SELF, "")
