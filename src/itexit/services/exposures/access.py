"""Who can unlock itexit: the leaver's own account, and too few people to open the vault."""

from __future__ import annotations

from itexit.domain.exposures import Closing, Exposure, ExposureKind, ExposureState, Severity
from itexit.services.exposures import PRACTICE, World, make
from itexit.services.users.service import UserService

AREA = "users"
KINDS = frozenset({ExposureKind.VAULT_ACCOUNT.value, ExposureKind.UNLOCK_COVERAGE.value})
"""The kinds of exposure this module makes (the ledger asks it only for these)."""


def exposures(world: World) -> list[Exposure]:
    out: list[Exposure] = []
    for person in world.people:
        if person.user_name is None:
            continue
        closing = Closing(
            command=f"itexit user remove {person.user_name}", screen="users", key="f3"
        )
        if person.user_active:
            out.append(
                make(
                    ExposureKind.VAULT_ACCOUNT.value,
                    Severity.CRITICAL,
                    person,
                    f"itexit account {person.user_name}",
                    f"account:{person.user_id}",
                    f"{person.full_name} can still unlock itexit as {person.user_name} and read "
                    "everything their role holds, including passwords rotated after they left.",
                    closing,
                    area=AREA,
                    overdue=person.termination_date < world.today,
                    due=person.termination_date,
                )
            )
        elif world.want_closed:
            out.append(
                make(
                    ExposureKind.VAULT_ACCOUNT.value,
                    Severity.CRITICAL,
                    person,
                    f"itexit account {person.user_name}",
                    f"account:{person.user_id}",
                    f"{person.full_name}'s itexit account was removed.",
                    closing,
                    area=AREA,
                    state=ExposureState.CLOSED,
                    closed_at=person.user_removed_at,
                    closed_change="account removed and the vault re-keyed",
                )
            )
    coverage = UserService(world.ctx).coverage()
    if coverage.warning:
        out.append(
            make(
                ExposureKind.UNLOCK_COVERAGE.value,
                Severity.HIGH,
                None,
                "People who can unlock",
                "coverage",
                coverage.warning,
                Closing(command="itexit user add NAME --role manager", screen="users", key="f3"),
                area=AREA,
                person_label=PRACTICE,
            )
        )
    return out
