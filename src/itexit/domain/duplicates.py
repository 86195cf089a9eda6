"""Whether something being added is probably listed already: a renewal for the same item (or
domain), or for the same vendor on the same date; a mailbox with the same address. The form
asks "add anyway?"; the command line refuses unless told `--new`, as `renewal from-message`
does for a notice."""

from __future__ import annotations

from collections.abc import Iterable

from itexit.domain.mailbox import Mailbox
from itexit.domain.notices import likely_duplicates
from itexit.domain.renewals import NewRenewal, RenewalState, RenewalSummary


def _plain(text: str) -> str:
    return " ".join(text.casefold().split())


def renewal_duplicates(new: NewRenewal, renewals: Iterable[RenewalSummary]) -> list[RenewalSummary]:
    """Renewals in use with the same item or domain as `new`, then those of the same vendor
    on the same date."""
    listed = list(renewals)
    found = likely_duplicates(new.item, "", new.check_target, listed)
    vendor = _plain(new.vendor)
    for renewal in listed:
        if (
            renewal.state is not RenewalState.RETIRED
            and vendor
            and _plain(renewal.vendor) == vendor
            and renewal.renewal_date == new.renewal_date
            and renewal not in found
        ):
            found.append(renewal)
    return found


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
