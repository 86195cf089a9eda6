"""Gary's mailbox in the demo practice: fictional header-only messages and past reviews."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from itexit.domain.mailbox import (
    MessageClass,
    MessageHeaders,
    NewMailbox,
    Tls,
)
from itexit.domain.roles import Scope
from itexit.services.demo.practice import SEED
from itexit.services.mailbox.common import (
    aware,
)
from itexit.services.mailbox.ingest import Writer
from itexit.store.mailbox import (
    MailMessage,
    MailReview,
    MonitoredMailbox,
    next_message_id,
)

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault


def build_demo(vault: UnlockedVault, today: date) -> None:
    """Gary's mailbox: about 200 fictional header-only messages and a review now overdue."""
    left_on = today - timedelta(days=12)
    service = vault.mailboxes
    cred = next(
        (c for c in vault.credentials.list() if c.category.value == "email"),
        None,
    )
    service.add(
        NewMailbox(
            address="gary@greenwayfp.example",
            name="gary",
            imap_host="outlook.office365.example",
            tls=Tls.SSL,
            credential_id=cred.id if cred is not None else None,
            left_on=left_on,
            owner="priya",
            notes="Kept for a year after Gary left; review daily for four weeks, then weekly.",
        )
    )
    _demo_messages(vault, "gary", today, SEED)
    ctx = vault.ctx
    with ctx.transaction() as session:
        box = session.scalars(select(MonitoredMailbox).where(MonitoredMailbox.name == "gary")).one()
        dated = session.execute(
            select(MailMessage.id, MailMessage.sent_at)
            .where(MailMessage.mailbox_id == box.id)
            .order_by(MailMessage.id)
        ).all()
        plan = [
            (
                left_on + timedelta(days=1),
                "priya",
                "Renewal notices for the domain and the EHR licence; both added to renewals.",
            ),
            (
                left_on + timedelta(days=4),
                "priya",
                "Three newsletters unsubscribed; nothing else needs action.",
            ),
            (
                today - timedelta(days=3),
                "maria",
                "Security alert from the firewall vendor forwarded to Priya.",
            ),
        ]
        reviews = []
        previous = 0
        for day, reviewer, findings in plan:
            cutoff = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=17)
            covered = [
                mid
                for mid, sent in dated
                if mid > previous and sent is not None and (aware(sent) or cutoff) <= cutoff
            ]
            previous = max(covered, default=previous)
            reviews.append((day, reviewer, findings, covered))
        for day, reviewer, findings, covered in reviews:
            at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=17)
            row = MailReview(
                id=str(uuid.uuid4()),
                mailbox_id=box.id,
                reviewer=reviewer,
                reviewed_at=at,
                messages_reviewed=len(covered),
                actions=0,
                last_message_id=max(covered, default=0),
                version=1,
            )
            ctx.seal(row, {"findings": findings}, Scope.CRED)
            session.add(row)
            session.flush()
            ctx.record(
                session,
                "mailbox.review",
                box.name,
                review_id=row.id,
                messages_reviewed=len(covered),
            )


_DEMO_SENDERS = {
    MessageClass.RENEWAL: [
        (
            "Registrar Renewals <renewals@registrar.example.net>",
            "Your domain greenwayfp.example expires in {days} days",
        ),
        (
            "CertDesk <expiry@certdesk.example.com>",
            "Certificate for portal.greenwayfp.example expires soon",
        ),
        ("EHR Licensing <licensing@ehr.example.com>", "Your annual EHR licence renews on {d}"),
        (
            "Backup Cloud <accounts@backupcloud.example>",
            "Subscription ending: renew to keep your backups",
        ),
    ],
    MessageClass.BILLING: [
        ("Billing <billing@phoneco.example>", "Invoice {n} for your phone lines"),
        ("Accounts <invoices@copierlease.example>", "Payment received, thank you"),
        ("Office Suite <billing@officesuite.example>", "Your receipt for {d}"),
    ],
    MessageClass.SUPPORT: [
        ("EHR Support <support@ehr.example.com>", "Ticket [#{n}] lab interface queue stalled"),
        ("Network NOC <noc@isp.example.net>", "Scheduled maintenance window on {d}"),
        ("Printer Support <helpdesk@printfleet.example>", "Service request {n} closed"),
    ],
    MessageClass.SECURITY: [
        (
            "Firewall Alerts <security@firewall.example>",
            "Security alert: {days} failed login attempts",
        ),
        ("Accounts <no-reply@accounts.officesuite.example>", "New sign-in to the admin account"),
    ],
    MessageClass.NEWSLETTER: [
        ("SysAdmin Weekly <news@sysadminweekly.example>", "This week: patch notes and {days} tips"),
        ("Health IT Today <newsletter@healthit.example>", "Webinar: HIPAA audits in {d}"),
        ("Cloud Digest <digest@clouddigest.example>", "Your digest #{n}"),
    ],
    MessageClass.PERSONAL: [
        ("Pat Holt <pat.holt@gmail.example>", "Dinner on Saturday?"),
        ("Fantasy League <league@yahoo.example>", "Fantasy football week {n} results"),
    ],
    MessageClass.OTHER: [
        ("Front Desk <frontdesk@greenwayfp.example>", "Room 3 monitor flickers again"),
        ("Dr. Haddad <ohaddad@greenwayfp.example>", "Can you look at the fax server"),
    ],
}
_DEMO_WEIGHTS = {
    MessageClass.RENEWAL: 18,
    MessageClass.BILLING: 26,
    MessageClass.SUPPORT: 30,
    MessageClass.SECURITY: 12,
    MessageClass.NEWSLETTER: 70,
    MessageClass.PERSONAL: 14,
    MessageClass.OTHER: 30,
}


def demo_headers(today: date, seed: int, count: int = 200) -> list[MessageHeaders]:
    """Fictional header-only messages over the last few weeks, reproducible from the seed."""
    import random

    rng = random.Random(seed)
    classes = list(_DEMO_WEIGHTS)
    weights = [_DEMO_WEIGHTS[c] for c in classes]
    start = datetime.combine(today - timedelta(days=40), datetime.min.time(), tzinfo=UTC)
    out: list[MessageHeaders] = []
    for i in range(count):
        cls = rng.choices(classes, weights)[0]
        sender, subject = rng.choice(_DEMO_SENDERS[cls])
        when = start + timedelta(minutes=rng.randrange(0, 40 * 24 * 60))
        day = (when + timedelta(days=rng.randrange(10, 60))).strftime("%d %b")
        domain = sender.rsplit("@", 1)[1].rstrip(">")
        is_list = cls is MessageClass.NEWSLETTER
        out.append(
            MessageHeaders(
                sender=sender,
                to="Gary Thistle <gary@greenwayfp.example>",
                subject=subject.format(
                    n=rng.randrange(1000, 9000), d=day, days=rng.randrange(5, 60)
                ),
                date=when,
                list_id=f"<news.{domain}>" if is_list else "",
                list_unsubscribe=(
                    f"<https://{domain}/unsubscribe?u=demo{i}>, <mailto:leave@{domain}>"
                    if is_list
                    else ""
                ),
                precedence="bulk" if is_list else "",
                message_id=f"<demo-{seed}-{i}@{domain}>",
            )
        )
    return sorted(out, key=lambda h: h.date or start)


def _demo_messages(vault: UnlockedVault, name: str, today: date, seed: int) -> None:
    service = vault.mailboxes
    headers = demo_headers(today, seed)
    with vault.ctx.reading() as session:
        box = service._find(session, name)
        mailbox_id = box.id
        next_id = next_message_id(session)
    writer = Writer(vault.ctx, mailbox_id, service.classifier(), next_id)
    service._store(
        writer,
        name,
        "mailbox.import",
        "INBOX",
        1,
        [(uid, h) for uid, h in enumerate(headers, start=1)],
        folder_state=(1, len(headers)),
    )
