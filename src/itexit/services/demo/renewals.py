"""The demo practice's renewals, from data/demo_practice.toml, dated from the day it is built."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from itexit.domain.renewals import NewRenewal
from itexit.services.demo.practice import demo_definition

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


def build_demo(vault: UnlockedVault, today: date) -> None:
    """A small practice's renewals, each `in_days` from `today`; no network is touched."""
    for item in demo_definition()["renewals"]:
        fields = {k: v for k, v in item.items() if k != "in_days"}
        fields["renewal_date"] = today + timedelta(days=int(item["in_days"]))
        vault.renewals.add(NewRenewal.model_validate(fields))
