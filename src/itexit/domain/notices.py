"""A renewal notice in the monitored mailbox: what it probably announces, and which renewal the
practice already tracks for the same item or domain (so a second notice is linked to it rather
than recorded twice). Pure rules over text; the screen and the command line share them."""

from __future__ import annotations

import re
from collections.abc import Iterable

from itexit.domain.renewals import RenewalKind, RenewalState, RenewalSummary

_DISPLAY_NAME = re.compile(r'^\s*"?([^"<]+?)"?\s*<')
_KIND_WORDS = (
    (RenewalKind.DOMAIN, ("domain",)),
    (RenewalKind.CERTIFICATE, ("certificate", "ssl", "tls")),
    (RenewalKind.LICENCE, ("licence", "license")),
    (RenewalKind.WARRANTY, ("warranty",)),
    (RenewalKind.CONTRACT, ("contract", "agreement")),
)
_DOMAIN = re.compile(r"\b((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})\b", re.I)
_NOT_DOMAINS = {"e.g", "i.e"}


def guess_kind(subject: str) -> RenewalKind:
    """What a notice is about, from the words of its subject (a subscription when unsure)."""
    lowered = subject.lower()
    for kind, words in _KIND_WORDS:
        if any(word in lowered for word in words):
            return kind
    return RenewalKind.SUBSCRIPTION


def guess_vendor(sender: str) -> str:
    """Who sent it: the display name of the From header, else the sender's domain."""
    match = _DISPLAY_NAME.match(sender)
    if match:
        return match.group(1).strip()
    return sender.rsplit("@", 1)[-1].strip("> ")


def domains_in(text: str) -> set[str]:
    """Domain names written in a text (a subject line, an item), lower-cased."""
    return {
        found.lower().rstrip(".")
        for found in _DOMAIN.findall(text)
        if found.lower() not in _NOT_DOMAINS and not found[0].isdigit()
    }


def _plain(text: str) -> str:
    return " ".join(text.casefold().split())


def likely_duplicates(
    item: str, subject: str, check_target: str, renewals: Iterable[RenewalSummary]
) -> list[RenewalSummary]:
    """Renewals in use that a notice probably concerns: the same item, or the same domain (named
    in the notice's subject or the item, and in the renewal's item or live-check target)."""
    wanted_item = _plain(item)
    wanted_domains = domains_in(f"{subject} {item} {check_target}")
    found: list[RenewalSummary] = []
    for renewal in renewals:
        if renewal.state is RenewalState.RETIRED:
            continue
        theirs = domains_in(f"{renewal.item} {renewal.check_target}")
        if (wanted_item and _plain(renewal.item) == wanted_item) or wanted_domains & theirs:
            found.append(renewal)
    return found
