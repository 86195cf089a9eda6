"""Whatever is done in whatever order (ticks, acceptances, edits, rotations, removals, closes),
`itexit remind` never exits 0 and a case never closes while an exposure is open and not
accepted."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from itexit.cli import main
from itexit.domain.checklist import CaseKind, NewCase
from itexit.domain.errors import BadInput, PermissionDenied
from itexit.domain.roles import Role
from itexit.domain.vendors import ContactFields, ContactRole, VendorFields
from itexit.services.gateway import Gateway
from vaulthelpers import (
    LEAVER,
    LEAVER_PASS,
    MANAGER,
    MANAGER_PASS,
    Vault,
    add_credential,
    location_for,
    new_vault,
)

SYSTEMS = ("Firewall", "Mail", "EHR")
REFUSED = (BadInput, PermissionDenied)
_NEW_VAULT: list[bytes] = []


def _fresh_vault(path: Path) -> Vault:
    """A new vault at `path`, copied from one built once (its schema, practice and manager),
    so that each example does not pay for the migrations and the keys again."""
    if not _NEW_VAULT:
        folder = Path(tempfile.mkdtemp(prefix="itexit-ledger-new-"))
        built = new_vault(folder / "vault.sqlite")
        built.manager.lock()
        built.close()  # the last connection closed: everything is in the one file
        _NEW_VAULT.append((folder / "vault.sqlite").read_bytes())
        shutil.rmtree(folder, ignore_errors=True)
    path.write_bytes(_NEW_VAULT[0])
    location = location_for(path)
    gw = Gateway.open(location)
    return Vault(gw, gw.unlock(MANAGER, MANAGER_PASS), "", location)


class LedgerMachine(RuleBasedStateMachine):
    """One practice, one leaver with an itexit account; the rules are what people do."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="itexit-ledger-"))
        self.path = self.folder / "vault.sqlite"
        # every example's vault is a copy of one: each is seen from a workstation of its own,
        # which has not seen the others (the test's own setting is put back after it)
        (self.folder / "home").mkdir()
        os.environ["ITEXIT_HOME"] = str(self.folder / "home")
        self.vault = _fresh_vault(self.path)
        self.session = self.vault.manager
        pp = self.folder / "pp"
        pp.write_text(MANAGER_PASS + "\n")
        self.cli = ["--vault", str(self.path), "--user", MANAGER, "--passphrase-file", str(pp)]
        self.today = date.today()

    @initialize()
    def plant(self) -> None:
        self.session.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
        for system in SYSTEMS:
            add_credential(self.session, system, known=system != "EHR")
        case = self.session.cases.create(
            NewCase(
                name="Ivan Petrov",
                kind=CaseKind.IT_EMPLOYEE,
                termination_date=self.today - timedelta(days=2),
                emails=["ivan@practice.example"],
                vault_user=LEAVER,
            )
        )
        self.case_id = case.id

    def teardown(self) -> None:
        self.vault.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- what people do ---------------------------------------------------------------------------

    @rule(number=st.integers(min_value=1, max_value=30))
    def tick(self, number: int) -> None:
        with contextlib.suppress(*REFUSED):
            self.session.cases.complete(self.case_id, number, evidence="done")

    @rule(pick=st.integers(min_value=0, max_value=50), days=st.integers(min_value=0, max_value=40))
    def accept(self, pick: int, days: int) -> None:
        items = self.session.exposures.list(state="open")
        if items:
            item = items[pick % len(items)]
            self.session.exposures.accept(item.id, "carried for now", self.today + timedelta(days))

    @rule(tied=st.booleans())
    def edit_vendor(self, tied: bool) -> None:
        email = "IVAN@practice.example" if tied else "desk@practice.example"
        with contextlib.suppress(*REFUSED):
            self.session.vendors.add(
                VendorFields(name=f"Vendor {len(self.session.vendors.list())}"),
                [ContactFields(name="Contact", role=ContactRole.ACCOUNT_OWNER, email=email)],
            )

    @rule(system=st.sampled_from(SYSTEMS))
    def rotate(self, system: str) -> None:
        with contextlib.suppress(*REFUSED):
            self.session.credentials.start_rotation(system)
            self.session.credentials.confirm_rotation(system, attest="logged in")

    @rule(system=st.sampled_from(SYSTEMS))
    def prove_dead(self, system: str) -> None:
        with contextlib.suppress(*REFUSED):
            self.session.credentials.verify(system, old=True, attest="the old one is refused")

    @rule()
    def remove_leaver(self) -> None:
        with contextlib.suppress(*REFUSED):
            self.session.remove_user(LEAVER)

    @rule()
    def close_case(self) -> None:
        still = self.session.exposures.open_for_case(self.case_id)
        try:
            self.session.cases.close(self.case_id)
        except REFUSED:
            return
        assert not still, f"the case closed with {[e.id for e in still]} open"

    # --- what must always hold --------------------------------------------------------------------

    @invariant()
    def remind_never_all_clear_while_exposed(self) -> None:
        if not hasattr(self, "case_id"):
            return
        exposed = self.session.exposures.list(state="open")
        with contextlib.redirect_stdout(io.StringIO()) as out:
            code = main([*self.cli, "remind"])
        if exposed:
            assert code == 1, out.getvalue()
            assert "Nothing is due" not in out.getvalue()
            assert all(e.id in out.getvalue() for e in exposed)


LedgerMachine.TestCase.settings = settings(
    max_examples=12,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class TestLedger(LedgerMachine.TestCase):  # type: ignore[misc, valid-type]
    """The state machine, run by pytest."""
