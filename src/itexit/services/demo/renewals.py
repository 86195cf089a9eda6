"""The demo practice's renewals, dated relative to the day the demo is built."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from itexit.domain.renewals import BillingCycle, NewRenewal, RenewalKind

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


def build_demo(vault: UnlockedVault, today: date) -> None:
    """A small practice's renewals, dated relative to `today`; no network is touched."""

    def on(days: int) -> date:
        return today + timedelta(days=days)

    demo = [
        NewRenewal(
            kind=RenewalKind.CONTRACT,
            vendor="Meridian EHR",
            item="EHR hosting and support contract",
            renewal_date=on(78),
            auto_renew=True,
            notice_days=60,
            cost=Decimal("18600.00"),
            owner="Maria Alvarez",
            billing_email="accounts@greenwayfp.example",
            notes="Three-year term; 60 days' written notice to the account manager.",
        ),
        NewRenewal(
            kind=RenewalKind.LICENCE,
            vendor="Microsoft",
            item="Microsoft 365 Business Standard (14 seats)",
            renewal_date=on(41),
            auto_renew=True,
            notice_days=14,
            cost=Decimal("2352.00"),
            owner="Maria Alvarez",
            billing_email="gary@greenwayfp.example",
            notes="Seats for every clinician and the front desk.",
        ),
        NewRenewal(
            kind=RenewalKind.DOMAIN,
            vendor="Lanternhost Domains",
            item="greenwayfp.example",
            renewal_date=on(45),
            auto_renew=False,
            notice_days=30,
            cost=Decimal("24.00"),
            owner="Maria Alvarez",
            registrant_email="gary@greenwayfp.example",
            check_target="greenwayfp.example",
            notes="Registered by Gary in 2016; move the registrant to the practice.",
        ),
        NewRenewal(
            kind=RenewalKind.CERTIFICATE,
            vendor="Example Trust CA",
            item="TLS certificate for portal.greenwayfp.example",
            renewal_date=on(55),
            auto_renew=False,
            notice_days=21,
            cost=Decimal("89.00"),
            billing_cycle=BillingCycle.ANNUAL,
            owner="Priya Nair",
            check_target="portal.greenwayfp.example:443",
        ),
        NewRenewal(
            kind=RenewalKind.SUBSCRIPTION,
            vendor="Bellwether Voice",
            item="Hosted phone system (6 lines)",
            renewal_date=on(40),
            auto_renew=True,
            notice_days=30,
            cost=Decimal("145.00"),
            billing_cycle=BillingCycle.MONTHLY,
            owner="Maria Alvarez",
            billing_email="accounts@greenwayfp.example",
            notes="Month to month after the first year; 30 days' notice.",
        ),
        NewRenewal(
            kind=RenewalKind.SUBSCRIPTION,
            vendor="Cobalt Backup",
            item="Offsite backup, 2 TB",
            renewal_date=on(27),
            auto_renew=True,
            notice_days=7,
            cost=Decimal("960.00"),
            owner="Priya Nair",
            billing_email="accounts@greenwayfp.example",
        ),
        NewRenewal(
            kind=RenewalKind.CONTRACT,
            vendor="Northgate Networks",
            item="Firewall support and updates",
            renewal_date=on(-9),
            auto_renew=False,
            notice_days=30,
            cost=Decimal("640.00"),
            owner="Priya Nair",
            billing_email="accounts@greenwayfp.example",
            notes="Lapsed while Gary was on leave: renew before the next firmware advisory.",
        ),
        NewRenewal(
            kind=RenewalKind.WARRANTY,
            vendor="Dellwood Systems",
            item="Front-office server warranty",
            renewal_date=on(150),
            auto_renew=False,
            notice_days=45,
            cost=Decimal("410.00"),
            billing_cycle=BillingCycle.ONE_OFF,
            owner="Maria Alvarez",
        ),
        NewRenewal(
            kind=RenewalKind.LICENCE,
            vendor="Sentinel Endpoint",
            item="Antivirus licences (16 devices)",
            renewal_date=on(210),
            auto_renew=True,
            notice_days=30,
            cost=Decimal("528.00"),
            owner="Priya Nair",
            billing_email="accounts@greenwayfp.example",
        ),
    ]
    for new in demo:
        vault.renewals.add(new)
