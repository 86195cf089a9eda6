"""The services stay layered at run time too: loading every area service, the dashboard and the
gateway never loads the demo practice, which sits above them and fills them."""

from __future__ import annotations

from itexit.services.areas import AREAS
from loaded_modules import loaded_after_import

PRODUCTION = [
    "itexit.services.gateway",
    "itexit.services.session",
    "itexit.services.dashboard",
    "itexit.services.remind",
    "itexit.services.ledger",
    "itexit.services.restore",
    "itexit.services.renewals.notices",
    "itexit.services.imports",
    "itexit.services.credentials.changing",
    "itexit.services.credentials.handover",
]


def area_modules() -> list[str]:
    out: list[str] = []
    for area in AREAS:
        service = getattr(area, "service", None)
        exposure = getattr(area, "exposure", None)
        if service:
            out.append(f"itexit.services.{service}")
        if exposure:
            out.append(f"itexit.services.exposures.{exposure}")
    return out


def test_no_production_service_loads_the_demo() -> None:
    modules = [*PRODUCTION, *area_modules()]
    assert "itexit.services.mailbox" in modules and "itexit.services.credentials.service" in modules
    loaded = loaded_after_import(modules)
    assert set(modules) <= loaded  # every import really happened
    demo = {m for m in loaded if m.startswith("itexit.") and "demo" in m.split(".")[-1]}
    assert not demo | {m for m in loaded if m.startswith("itexit.services.demo")}


def test_the_demo_loads_every_area_it_fills() -> None:
    loaded = loaded_after_import(["itexit.services.demo"])
    for area in ("credentials", "vendors", "statements", "mailbox"):
        assert f"itexit.services.{area}" in loaded, area
    assert "itexit.services.sweep.findings" in loaded


def test_the_demo_fills_areas_by_their_registry_keys() -> None:
    from itexit.services.demo import AREAS as DEMO

    keys = [key for key, _ in DEMO]
    assert keys[0] == "credentials"  # later areas link its records
    assert set(keys) <= {area.key for area in AREAS}
    assert len(set(keys)) == len(keys)
