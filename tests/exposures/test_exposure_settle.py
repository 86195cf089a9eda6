"""A settling write derives only the kinds of exposure bound to the tasks it may complete, and
those are exactly what the whole ledger holds of them: never one fewer (a task completed while
its exposure is open would be a false all clear). On SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
import inspect
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from itexit.domain.checklist import CaseKind, NewCase
from itexit.domain.credentials import CredentialEdit
from itexit.domain.errors import SavedButIncomplete
from itexit.domain.exposures import TASK_BINDINGS, Exposure, ExposureKind
from itexit.domain.roles import Role
from itexit.domain.statements import NewListedPassword, NewSigning
from itexit.domain.vendors import ContactFields, ContactRole, VendorFields
from itexit.services.areas import AREAS
from itexit.services.session import UnlockedVault
from vaulthelpers import LEAVER, LEAVER_PASS, Vault, add_credential, new_vault

TODAY = date.today()
BOUND = sorted({kind.value for kind, _ in TASK_BINDINGS.values()})
CASE = "Ivan Leaver"


def exposure_module(area: object) -> object:
    return importlib.import_module(f"itexit.services.exposures.{area.exposure}")  # type: ignore[attr-defined]


def test_every_exposure_module_names_each_kind_it_makes() -> None:
    for area in AREAS:
        if getattr(area, "exposure", None) is None:
            continue
        module = exposure_module(area)
        kinds = getattr(module, "KINDS", None)
        assert isinstance(kinds, frozenset) and kinds, area.key
        named = set(re.findall(r"ExposureKind\.([A-Z_]+)", inspect.getsource(module)))  # type: ignore[arg-type]
        assert {ExposureKind[name].value for name in named} <= kinds, area.key


def practice(db_url: str, tmp_path: Path) -> Vault:
    """A leaver with an account, a vendor tied to him, his mailbox unwatched, a signed exit
    statement listing two passwords (one received into the inventory, not yet verified), a
    credential he knew and an outstanding laptop."""
    vault = new_vault(db_url)
    m = vault.manager
    m.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
    add_credential(m, "Firewall", known=True)
    m.vendors.add(
        VendorFields(name="Netcare"),
        [ContactFields(name="I. Leaver", role=ContactRole.ACCOUNT_OWNER, email="ivan@x.example")],
    )
    m.cases.create(
        NewCase(
            name=CASE,
            kind=CaseKind.IT_EMPLOYEE,
            termination_date=TODAY - timedelta(days=2),
            emails=["ivan@x.example"],
            vault_user=LEAVER,
        )
    )
    m.statements.prepare(CASE)
    m.statements.add_property(CASE, "Laptop")
    for system in ("Old NAS", "Camera DVR"):
        m.statements.add_password(
            CASE, NewListedPassword(system=system, secret=SecretStr(f"{system} secret 1"))
        )
    m.statements.print_pdf(CASE, tmp_path / "statement.pdf")
    m.statements.record_signing(
        CASE,
        NewSigning(
            signed_on=TODAY, witness="Hana", copy_filename="scan.pdf", copy_bytes=b"%PDF-1.4 scan"
        ),
    )
    assert m.receive_handovers() == 2
    return vault


def narrow_and_whole(session: UnlockedVault, kinds: frozenset[str]) -> tuple[set[str], set[str]]:
    ledger = session.exposures
    narrow = ledger._bound_exposures(ledger.world(TODAY), kinds)
    whole = [e for e in ledger.derive(TODAY) if e.kind in kinds]

    def key(items: list[Exposure]) -> set[str]:
        return {f"{e.id} {e.kind} {e.state.value} {e.case_id}" for e in items}

    return key(narrow), key(whole)


def test_the_bound_kinds_derived_alone_are_what_the_ledger_holds(
    db_url: str, tmp_path: Path
) -> None:
    vault = practice(db_url, tmp_path)
    try:
        m = vault.manager
        whole = m.exposures.derive(TODAY)
        assert set(BOUND) <= {e.kind for e in whole}, {e.kind for e in whole}
        for area in AREAS:  # each kind comes from an area that names it
            if getattr(area, "exposure", None):
                made = {e.kind for e in area.exposures(m.exposures.world(TODAY))}
                assert made <= exposure_module(area).KINDS, area.key  # type: ignore[attr-defined]
        for kind in BOUND:
            narrow, full = narrow_and_whole(m, frozenset({kind}))
            assert narrow == full and full, kind
        listed = ExposureKind.LISTED_PASSWORD.value
        narrow, full = narrow_and_whole(m, frozenset(BOUND))
        assert narrow == full

        # accepted for a while: no longer open either way
        item = next(e for e in whole if e.kind == listed and e.subject == "Old NAS")
        m.exposures.accept(item.id, "the NAS is switched off", TODAY + timedelta(days=7))
        narrow, full = narrow_and_whole(m, frozenset({listed}))
        assert narrow == full and any("accepted" in line for line in narrow)

        # a listed credential marked verified in SQL: neither read takes the flag at its word
        vault.sql("UPDATE credentials SET status = 'verified' WHERE system = 'Camera DVR'")
        narrow, full = narrow_and_whole(m, frozenset({listed}))
        assert narrow == full
        kinds = {e.kind for e in m.exposures.derive(TODAY) if e.subject == "Camera DVR"}
        assert ExposureKind.CHANGED_OUTSIDE.value in kinds
    finally:
        vault.close()


def test_a_save_completes_the_listed_passwords_task_only_once_each_is_verified(
    db_url: str, tmp_path: Path
) -> None:
    vault = practice(db_url, tmp_path)

    def task() -> str:
        return str(
            vault.scalar("SELECT status FROM tasks WHERE key = 'it-person:undocumented-passwords'")
        )

    try:
        m = vault.manager
        m.remove_user(LEAVER)
        m.credentials.update("Firewall", CredentialEdit(notes="in the server room"))
        assert task() == "open"  # signed, but two listed passwords are not verified yet
        m.credentials.verify("Old NAS", attest="logged in by hand")
        assert task() == "open"  # the camera's is still to verify
        m.credentials.verify("Camera DVR", attest="logged in by hand")
        assert task() == "done"
        by = vault.scalar(
            "SELECT completed_by FROM tasks WHERE key = 'it-person:undocumented-passwords'"
        )
        assert by == "itexit"
        vendor = "SELECT status FROM tasks WHERE key = 'it-person:vendor-support-contacts'"
        assert vault.scalar(vendor) == "open"  # Netcare's account owner is still him
    finally:
        vault.close()


def test_a_task_role_changed_in_sql_is_named_not_skipped(db_url: str, tmp_path: Path) -> None:
    vault = practice(db_url, tmp_path)
    try:
        vault.sql(
            "UPDATE tasks SET role = 'janitor' WHERE key = 'it-person:vendor-support-contacts'"
        )
        with pytest.raises(SavedButIncomplete, match=r"tasks row .* role .*janitor.* database"):
            vault.manager.credentials.update("Firewall", CredentialEdit(notes="moved"))
        assert vault.scalar("SELECT count(*) FROM audit_events WHERE action = 'cred.edit'") == 1
    finally:
        vault.close()
