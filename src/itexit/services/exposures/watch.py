"""Kinds from outside the vault's own records: the watch of old secrets (see services/watch.py).

An old secret proven dead that works again, or a current one refused, is found by testing the
practice's systems; each is an exposure until the credential is rotated again.
"""

from __future__ import annotations

from itexit.domain.changing import WatchFinding
from itexit.domain.exposures import Closing, Exposure, Severity
from itexit.services.exposures import World, make

AREA = "watch"
OLD_WORKS = "old_secret_works"
"""A kind of its own: the vault's records cannot show it, only a test against the system."""
CHANGED_BEHIND = "secret_changed_behind"
KINDS = frozenset({OLD_WORKS, CHANGED_BEHIND})
"""The kinds of exposure this module makes (the ledger asks it only for these)."""


def exposures(world: World) -> list[Exposure]:
    from itexit.services.watch import alarms

    leavers = world.leavers()
    person = leavers[0] if leavers else None
    out: list[Exposure] = []
    for credential_id, system, found, at in alarms(world.ctx):
        old = found is WatchFinding.OLD_WORKS
        out.append(
            make(
                OLD_WORKS if old else CHANGED_BEHIND,
                Severity.CRITICAL,
                person,
                system,
                f"watch:{credential_id}:{at.isoformat()}",
                f"The watch found on {at:%d %b %Y} that "
                + (
                    f"the old password of {system} works again: someone put it back."
                    if old
                    else f"the current password of {system} is refused: it was changed there."
                ),
                Closing(
                    command=f"itexit cred rotate start {credential_id} && itexit cred rotate "
                    f"confirm {credential_id}"
                    if old
                    else f"itexit cred find-working {credential_id}",
                    screen="credentials",
                    key="f5",
                ),
                area=AREA,
                overdue=True,
            )
        )
    return out
