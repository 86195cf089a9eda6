"""Costs, e-mails, owners and notes of renewals never reach the database bytes in the clear."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from itexit.domain.renewals import NewRenewal, RenewalKind
from vaulthelpers import files_under, new_vault, sidecars

CANARIES = {
    "cost": "98765.43",
    "owner": "Ownerly Canary-Person",
    "registrant": "canary-registrant@leaver.example",
    "billing": "canary-billing@leaver.example",
    "notes": "canary notes: PO box 4471 QUOKKA",
}


def new(**kw: object) -> NewRenewal:
    return NewRenewal.model_validate(
        {
            "kind": RenewalKind.DOMAIN,
            "vendor": "Registrar",
            "item": "canary.example",
            "renewal_date": date(2027, 5, 1),
            "cost": Decimal(CANARIES["cost"]),
            "owner": CANARIES["owner"],
            "registrant_email": CANARIES["registrant"],
            "billing_email": CANARIES["billing"],
            "notes": CANARIES["notes"],
            **kw,
        }
    )


def scan(paths: list[Path]) -> list[str]:
    hits = []
    for path in paths:
        if not path.exists():
            continue
        data = path.read_bytes()
        for name, canary in CANARIES.items():
            for needle in (canary.encode(), canary.encode("utf-16-le")):
                if needle in data:
                    hits.append(f"{name} in {path.name}")
    return hits


@pytest.mark.usefixtures("frozen_now")
def test_sealed_fields_are_not_on_disk(tmp_path: Path, _isolate: Path) -> None:
    path = tmp_path / "vault.sqlite"
    vault = new_vault(path)
    s = vault.manager.renewals
    item = s.add(new())
    s.edit(item.id, new(notes=CANARIES["notes"] + " (edited)"), item.version)
    assert s.get(item.id).registrant_email == CANARIES["registrant"]
    everything = [path, *sidecars(path), *files_under(_isolate)]
    assert scan(everything) == []
    vault.close()
    assert scan([path, *sidecars(path)]) == []
    # the scan finds the canaries when they are there
    probe = tmp_path / "probe.bin"
    probe.write_bytes(b"x" + CANARIES["billing"].encode() + b"y")
    assert scan([probe]) == ["billing in probe.bin"]


def test_sealed_fields_are_in_no_column_on_either_backend(db_url: str) -> None:
    vault = new_vault(db_url)
    try:
        vault.manager.renewals.add(new())
        rows = vault.rows("SELECT * FROM renewals") + vault.rows("SELECT * FROM audit_events")
        text = repr(rows)
        assert "canary.example" in text  # the plaintext labels are there
        for canary in CANARIES.values():
            assert canary not in text
    finally:
        vault.close()
