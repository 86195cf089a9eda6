"""Gary's mailbox in the demo practice, from data/demo_practice.toml, through the use cases.

The mailbox is added as a person adds one, its made-up header-only messages are imported as an
export is, and each past review is logged by its reviewer, dated when it was done.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from itexit.domain.mailbox import MessageHeaders, NewMailbox, Tls
from itexit.services.demo.practice import SEED, demo_definition, sign_in
from itexit.services.mailbox import MailboxService

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

REVIEWED_AT = time(17, 0, tzinfo=UTC)
"""The time of day the demo's past reviews were done."""


def build_demo(vault: UnlockedVault, today: date) -> None:
    """Gary's mailbox: about 200 made-up header-only messages and a review now overdue."""
    spec = demo_definition().get("mailbox")
    if not spec:
        return
    left_on = today - timedelta(days=int(spec["left_days_ago"]))
    service = MailboxService(vault.ctx)
    linked = next(
        (c.id for c in vault.credentials.list() if c.category.value == spec.get("login")), None
    )
    with vault.ctx.transaction():  # added and filled in one unit of work
        box = service.add(
            NewMailbox(
                address=spec["address"],
                name=spec.get("name", ""),
                imap_host=spec.get("imap_host", ""),
                tls=Tls(spec.get("tls", "ssl")),
                credential_id=linked,
                left_on=left_on,
                owner=spec.get("owner", ""),
                notes=spec.get("notes", ""),
            )
        )
        service.import_headers(box.name, demo_headers(spec, today, SEED))
    signed_in: dict[str, UnlockedVault] = {vault.ctx.actor.name: vault}
    try:
        for review in spec.get("reviews", []):
            if "days_ago" in review:
                day = today - timedelta(days=int(review["days_ago"]))
            else:
                day = left_on + timedelta(days=int(review["days_after_leaving"]))
            name = review["reviewer"]
            if name not in signed_in:
                signed_in[name] = sign_in(vault, name)
            signed_in[name].mailboxes.record_review(
                box.name, review["findings"], at=datetime.combine(day, REVIEWED_AT)
            )
    finally:
        for session in signed_in.values():
            if session is not vault:
                session.lock()


def demo_headers(spec: dict[str, Any], today: date, seed: int) -> list[MessageHeaders]:
    """Made-up header-only messages over the last few weeks, reproducible from the seed."""
    rng = random.Random(seed)
    senders: dict[str, dict[str, Any]] = spec["senders"]
    kinds = list(senders)
    weights = [int(senders[k]["weight"]) for k in kinds]
    days = int(spec.get("days_of_mail", 40))
    start = datetime.combine(today - timedelta(days=days), time(0, 0), tzinfo=UTC)
    out: list[MessageHeaders] = []
    for i in range(int(spec.get("messages", 200))):
        kind = senders[rng.choices(kinds, weights)[0]]
        sender, subject = rng.choice(kind["from"])
        when = start + timedelta(minutes=rng.randrange(0, days * 24 * 60))
        day = (when + timedelta(days=rng.randrange(10, 60))).strftime("%d %b")
        domain = sender.rsplit("@", 1)[1].rstrip(">")
        is_list = bool(kind.get("list", False))
        out.append(
            MessageHeaders(
                sender=sender,
                to=spec.get("to", spec["address"]),
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
