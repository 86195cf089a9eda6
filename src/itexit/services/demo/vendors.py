"""The demo practice's vendors: six of a small practice, several still tied to Gary Thistle."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from itexit.domain.vendors import ContactFields, ContactRole, VendorFields
from itexit.services.vendors.service import VendorService

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

GARY = ContactFields(
    name="Gary Thistle",
    role=ContactRole.ACCOUNT_OWNER,
    email="gary@greenwayfp.example",
    phone="555-0142",
)


def _demo_vendors(today: date) -> list[tuple[VendorFields, list[ContactFields], list[str]]]:
    maria = ContactFields(
        name="Maria Alvarez",
        role=ContactRole.AUTHORISED,
        email="maria@greenwayfp.example",
        phone="555-0101",
    )
    omar = ContactFields(
        name="Dr. Omar Haddad",
        role=ContactRole.BILLING,
        email="omar@greenwayfp.example",
        phone="555-0102",
    )
    renewal = (today + timedelta(days=120)).isoformat()
    return [
        (
            VendorFields(
                name="Meridian EHR",
                services=["Cloud EHR", "e-prescribing", "Patient portal"],
                support_phone="555-0190",
                support_email="support@meridian-ehr.example",
                support_portal="https://support.meridian-ehr.example",
                account_number="MER-20417",
                contract_link="https://contracts.meridian-ehr.example/greenway",
                notes=f"Three-year subscription; renews {renewal}.",
            ),
            [GARY, maria],
            ["EHR administrator"],
        ),
        (
            VendorFields(
                name="Thistle IT Services",
                services=["Managed IT support", "Firewall management", "Microsoft 365 admin"],
                support_phone="555-0142",
                support_email="gary@greenwayfp.example",
                account_number="TIS-0007",
                notes="Gary's own business; the engagement ends with his departure.",
            ),
            [
                GARY.model_copy(update={"departing": True}),
                GARY.model_copy(update={"role": ContactRole.BILLING}),
            ],
            ["Front-office firewall", "Microsoft 365 global admin", "File server (Windows admin)"],
        ),
        (
            VendorFields(
                name="Lanternhost Domains",
                services=["Domain registration (greenwayfp.example)", "DNS hosting"],
                support_phone="555-0177",
                support_email="help@lanternhost.example",
                support_portal="https://my.lanternhost.example",
                account_number="LH-88213",
            ),
            [GARY.model_copy(update={"email": "GARY@greenwayfp.example"})],
            ["Domain registrar (greenwayfp.example)", "DNS hosting"],
        ),
        (
            VendorFields(
                name="Valley Fiber",
                services=["Internet (fibre, static IP)"],
                support_phone="555-0133",
                support_portal="https://account.valleyfiber.example",
                account_number="VF-551-2093",
            ),
            [
                maria.model_copy(update={"role": ContactRole.ACCOUNT_OWNER}),
                GARY.model_copy(update={"role": ContactRole.TECHNICAL}),
            ],
            [],
        ),
        (
            VendorFields(
                name="Bellwether Voice",
                services=["Hosted phone system", "Fax line"],
                support_phone="555-0188",
                support_email="care@bellwether-voice.example",
                account_number="BV-30918",
            ),
            [
                ContactFields(
                    name="Gary T.",
                    role=ContactRole.AUTHORISED,
                    email="gary@greenwayfp.example",
                )
            ],
            ["Phone system admin"],
        ),
        (
            VendorFields(
                name="Cobalt Backup",
                services=["Offsite backup", "Backup encryption key escrow"],
                support_phone="555-0166",
                support_email="support@cobaltbackup.example",
                account_number="CB-7741",
            ),
            [
                omar.model_copy(update={"role": ContactRole.ACCOUNT_OWNER}),
                omar,
                GARY.model_copy(update={"role": ContactRole.TECHNICAL}),
            ],
            ["Backup encryption key"],
        ),
    ]


def build_demo(vault: UnlockedVault, today: date) -> None:
    """Six vendors of a small practice, several still tied to Gary Thistle, who is leaving."""
    service = VendorService(vault.ctx)
    systems = {c.system: c.id for c in vault.credentials.list()}
    for fields, contacts, linked in _demo_vendors(today):
        detail = service.add(fields, contacts)
        for system in linked:
            if system in systems:
                detail = service.link_credential(detail.id, systems[system])
