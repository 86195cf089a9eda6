"""Whether something being added is probably listed already: a renewal for the same domain, or
the same item from the same vendor or on the same date; a mailbox with the same address. The form
asks "add anyway?"; the command line refuses unless told `--new`, as `renewal from-message`
does for a notice."""

from __future__ import annotations

from collections.abc import Iterable

from itexit.domain.mailbox import Mailbox
from itexit.domain.notices import domains_in, likely_duplicates
from itexit.domain.renewals import NewRenewal, RenewalSummary


def _plain(text: str) -> str:
    return " ".join(text.casefold().split())


def renewal_duplicates(new: NewRenewal, renewals: Iterable[RenewalSummary]) -> list[RenewalSummary]:
    """Renewals in use that `new` probably repeats: the same domain (named in the item or the
    live-check target), or the same item from the same vendor or on the same date."""
    wanted_domains = domains_in(f"{new.item} {new.check_target}")
    vendor = _plain(new.vendor)
    return [
        renewal
        for renewal in likely_duplicates(new.item, "", new.check_target, renewals)
        if wanted_domains & domains_in(f"{renewal.item} {renewal.check_target}")
        or _plain(renewal.vendor) == vendor
        or renewal.renewal_date == new.renewal_date
    ]


def mailbox_duplicates(address: str, mailboxes: Iterable[Mailbox]) -> list[Mailbox]:
    """Monitored mailboxes with the same address (any case, spaces ignored)."""
    wanted = address.strip().casefold()
    return [box for box in mailboxes if box.address.strip().casefold() == wanted]


def renewal_described(renewal: RenewalSummary) -> str:
    return f"{renewal.vendor}: {renewal.item} (renews {renewal.renewal_date:%d %b %Y})"


def mailbox_described(box: Mailbox) -> str:
    return f"{box.address} (monitored as {box.name!r})"


def already_listed_question(what: str) -> str:
    """The form's question when a likely duplicate exists."""
    return f"This looks like {what} already listed — add anyway?"
