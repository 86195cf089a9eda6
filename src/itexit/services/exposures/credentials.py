"""Credentials the departing person knew or could read, old secrets still alive, recovery channels.

The database narrows the rows (flags, and the date of each current secret against the latest
moment a leaver could read the vault); only the few accounts with a recovery channel are opened,
to say whose channel it is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, literal, or_, select, true
from sqlalchemy.orm import aliased

from itexit.domain.credentials import CredentialStatus, CredentialSummary, Source
from itexit.domain.errors import IntegrityFailure, PermissionDenied
from itexit.domain.exposures import Closing, Exposure, ExposureKind, ExposureState, Severity
from itexit.domain.people import Person
from itexit.domain.roles import Scope
from itexit.services.context import VaultContext
from itexit.services.exposures import World, aware, deriving, make, start_of
from itexit.store.models import Credential, SecretVersion
from itexit.vault.binding import Tagger
from itexit.vault.roster import BINDING_LEVEL

AREA = "credentials"
_DONE = (CredentialStatus.ROTATED.value, CredentialStatus.LOCKED_OUT.value)
_UNPROVEN = (CredentialStatus.UNVERIFIED.value, CredentialStatus.FAILED.value)
_ROTATED = CredentialStatus.ROTATED.value
_FROM_STATEMENT = Source.EXIT_STATEMENT.value
_KNOWN = ExposureKind.CREDENTIAL_KNOWN.value
_CHANGED = ExposureKind.CHANGED_OUTSIDE.value
_LISTED = ExposureKind.LISTED_PASSWORD.value
KINDS = frozenset(
    {
        _KNOWN,
        _CHANGED,
        _LISTED,
        ExposureKind.OLD_SECRET_ALIVE.value,
        ExposureKind.RECOVERY_CHANNEL.value,
    }
)
"""The kinds of exposure this module makes (the ledger asks it only for these)."""


class CredRow:
    """One credential as the ledger needs it; who could read it worked out by the database."""

    __slots__ = (
        "due",
        "fresh_for",
        "id",
        "known",
        "read_by",
        "reason",
        "recovery",
        "rotated_at",
        "source",
        "status",
        "system",
        "updated_by",
    )  # fmt: skip

    def __init__(self, row: Sequence[Any], readers: int, known: int) -> None:
        self.id: str = row[0]
        self.system: str = row[1]
        self.status: str = row[2]
        self.known = bool(row[3])
        self.due = bool(row[4])
        self.reason: str = row[5] or ""
        self.recovery = bool(row[6])
        self.source: str = row[7]
        self.updated_by: str = row[8] or ""
        self.rotated_at: datetime | None = aware(row[9]) if row[9] is not None else None
        # truthy per reader / per person it is known to (SQLite gives 0 and 1)
        self.read_by: Sequence[Any] = row[10 : 10 + readers]
        self.fresh_for: Sequence[Any] = row[10 + readers : 10 + readers + known]


def _rotate(row: CredRow) -> Closing:
    return Closing(
        command=f"itexit cred rotate start {row.id} && itexit cred rotate confirm {row.id}",
        screen="credentials",
        key="f5",
    )


def _prove_dead(row: CredRow) -> Closing:
    return Closing(command=f"itexit cred verify {row.id} --old", screen="credentials", key="f5")


def _readers(world: World) -> list[Person]:
    """Everyone who held the credential key as a member and is leaving or gone."""
    linked = [p for p in world.people if p.user_id and p.user_reads_credentials]
    return linked + world.readers


def _rows(
    world: World,
    readers: list[Person],
    known_to: list[Person | None],
    only: ColumnElement[bool] | None = None,
) -> tuple[list[CredRow], list[str]]:
    """The credentials that matter, each with, per reader, whether they could read its current
    secret, and per person it is known to, whether it was rotated and verified since they left;
    and the ids of the rows whose states were changed outside itexit.

    A reader who holds the credential key checks every row's tag (a few microseconds each)
    before trusting a flag, so a flag cleared in SQL cannot narrow a credential away. A reader
    without it (a viewer) can only take the plain columns as they are.

    `only` narrows the rows read to those whose plain columns could make the exposures asked
    for; each is still checked, so a row changed in SQL makes none of them, as in a full read."""
    current = aliased(SecretVersion)
    read: list[ColumnElement[bool]] = []
    for person in readers:
        if person.user_active:
            read.append(true())
        elif person.user_removed_at is not None:
            read.append(case((current.created_at <= person.user_removed_at, true()), else_=false()))
        else:
            read.append(false())
    fresh: list[ColumnElement[bool]] = []
    done = Credential.status.in_(_DONE)
    for maybe in known_to:
        since = start_of(maybe.termination_date) if maybe is not None else None
        rotated = (
            Credential.rotated_at >= since
            if since is not None
            else Credential.rotated_at.is_not(None)
        )
        fresh.append(case((and_(done, rotated), true()), else_=false()))
    checked = world.ctx.holds(Scope.CRED)
    query = select(
        Credential.id,
        Credential.system,
        Credential.status,
        Credential.known_to_departing,
        Credential.rotation_due,
        Credential.rotation_reason,
        Credential.recovery_tied,
        Credential.source,
        Credential.updated_by,
        Credential.rotated_at if world.want_closed or checked else literal(None),
        *read,
        *fresh,
        # every row's tag is checked before any plain column is trusted to narrow them
        *(_EXTRA if checked else ()),
    ).outerjoin(current, and_(current.credential_id == Credential.id, current.stage == "current"))
    if not checked:
        query = query.where(Credential.retired_at.is_(None))  # retired: the account is gone
    if only is not None:
        query = query.where(only)
    if not checked and not world.want_closed and not any(r.user_active for r in readers):
        wanted = [
            Credential.known_to_departing.is_(True),
            Credential.rotation_due.is_(True),
            Credential.recovery_tied.is_(True),
            Credential.source == Source.EXIT_STATEMENT.value,
        ]
        cutoffs = [r.user_removed_at for r in readers if r.user_removed_at is not None]
        if cutoffs:
            wanted.append(current.created_at <= max(cutoffs))
        query = query.where(or_(*wanted))
    with world.ctx.reading() as session:
        # plain columns: read through the connection, without the ORM's per-row work
        result = session.connection().execute(query.order_by(Credential.system))
        if not checked:
            return [CredRow(r, len(read), len(fresh)) for r in result], []
        rows = result.all()
    return _checked(world, rows, len(read), len(fresh))


_EXTRA = (
    Credential.version,
    Credential.scope,
    Credential.epoch,
    Credential.bound_tag,
    Credential.category,
    Credential.host,
    Credential.port,
    Credential.verifier,
    Credential.retired_at,
)
"""What the tag check reads beyond the columns the ledger reads anyway, after them."""
_BASE = {
    "system": 1,
    "status": 2,
    "known_to_departing": 3,
    "rotation_due": 4,
    "rotation_reason": 5,
    "recovery_tied": 6,
    "source": 7,
    "rotated_at": 9,
}
"""Where the ledger's own columns already hold a tagged value."""


def _layout(width: int) -> tuple[itemgetter[Any], int, int]:
    """Picks a row's tagged values, in `Tagger` order, out of the ledger's row whose read and
    fresh columns end at `width`; and where its stored tag and its retirement date are."""
    extra = {"version": 0, "scope": 1, "epoch": 2, "bound_tag": 3, "category": 4, "host": 5}
    extra |= {"port": 6, "verifier": 7, "retired_at": 8}
    at = {name: width + i for name, i in extra.items()} | _BASE
    order = ("id", "version", "scope", "epoch", *Credential.TAGGED)
    return (
        itemgetter(*(0 if n == "id" else at[n] for n in order)),
        at["bound_tag"],
        at["retired_at"],
    )


def _checked(
    world: World, rows: Sequence[Any], readers: int, known: int
) -> tuple[list[CredRow], list[str]]:
    """The live rows whose tag verifies, and the ids of those whose tag does not (changed
    outside itexit: each becomes a finding, never a row silently left out)."""
    pick, tag_at, retired_at = _layout(10 + readers + known)
    strict = world.ctx.bound >= BINDING_LEVEL
    taggers: dict[tuple[str, int], Tagger | None] = {}
    bad: list[str] = []
    out: list[CredRow] = []
    legacy: list[Sequence[Any]] = []
    for r in rows:
        stored = r[tag_at]
        if not stored and not strict:
            legacy.append(r)  # sealed before tags: its sealed record is opened instead
            continue
        tagged = pick(r)  # id, version, scope, epoch, *the tagged columns
        place = (tagged[2], tagged[3])
        tagger = taggers.get(place, _UNSET)
        if tagger is _UNSET:
            tagger = taggers[place] = world.ctx.tagger(Credential, *place)
        if tagger is None or not tagger.matches(tagged, stored):
            bad.append(str(r[0]))
        elif r[retired_at] is None:
            out.append(CredRow(r, readers, known))
    if legacy:
        ok, refused = _opened(world, [str(r[0]) for r in legacy])
        bad.extend(refused)
        out.extend(
            CredRow(r, readers, known) for r in legacy if str(r[0]) in ok and r[retired_at] is None
        )
    return out, bad


_UNSET: Any = object()


def _opened(world: World, ids: list[str]) -> tuple[set[str], list[str]]:
    """Rows sealed before they carried a tag, checked by opening their sealed records."""
    ok: set[str] = set()
    bad: list[str] = []
    with world.ctx.reading() as session:
        for cred in session.scalars(select(Credential).where(Credential.id.in_(ids))):
            try:
                world.ctx.unseal(cred)
            except (IntegrityFailure, PermissionDenied):
                bad.append(cred.id)
            else:
                ok.add(cred.id)
    return ok, bad


def _read_texts(readers: list[Person]) -> list[tuple[str, str]]:
    """Per reader, the words around a system's name saying why they could read its secret
    (worked out once per read, not once per credential)."""
    out: list[tuple[str, str]] = []
    for person in readers:
        if person.user_active:
            out.append(
                (f"{person.full_name} can still unlock itexit and read the password of ", ".")
            )
            continue
        removed = person.user_removed_at
        until = f" (until {removed:%d %b %Y})" if removed is not None else ""
        out.append(
            (
                "The password of ",
                f" was in itexit while {person.full_name} could unlock it{until}; it has not "
                "been changed since.",
            )
        )
    return out


def _why_known(row: CredRow, person: Person | None, fresh: Any) -> str | None:
    """Why a credential marked as known to the leaver is still exposed (None when it is not)."""
    if not row.known or fresh:
        return None
    who = person.full_name if person is not None else "The departing person"
    if row.status in _DONE:
        return f"{who} knew the password of {row.system}; it was changed before they left."
    return f"{who} knew the password of {row.system} and it has not been changed and verified."


def exposures(world: World) -> list[Exposure]:
    readers = _readers(world)
    leavers = world.leavers()
    known_to: list[Person | None] = list(leavers) or [None]
    rows, changed = _rows(world, readers, known_to)
    texts = list(zip(readers, _read_texts(readers), strict=True))
    out: list[Exposure] = []
    for row in rows:
        exposed_for: set[str | None] = set()
        candidates: list[Person | None] = []
        for (person, (head, tail)), could in zip(texts, row.read_by, strict=True):
            candidates.append(person)
            if could:
                exposed_for.add(person.id)
                out.append(_known(row, person, head + row.system + tail))
        if row.known:
            for maybe, fresh in zip(known_to, row.fresh_for, strict=True):
                if maybe is not None and maybe.id in exposed_for:
                    continue
                candidates.append(maybe)
                why = _why_known(row, maybe, fresh)
                if why is not None:
                    exposed_for.add(maybe.id if maybe is not None else None)
                    out.append(_known(row, maybe, why))
        if row.due and not exposed_for and row.status not in _DONE:
            exposed_for.add(None)
            reason = row.reason or "it was marked for rotation"
            out.append(_known(row, None, f"{row.system} must be rotated: {reason}."))
        if _is_listed(row):
            out.append(_listed(row, leavers[0] if leavers else None))
        if row.status == _ROTATED or world.want_closed:
            out.extend(_after(world, row, candidates, exposed_for))
    out.extend(_recovery(world, [r for r in rows if r.recovery]))
    if changed:
        out.extend(_changed(world, changed))
    return out


def _is_listed(row: CredRow) -> bool:
    """Listed on an exit statement and not yet verified to work."""
    return row.source == _FROM_STATEMENT and row.status in _UNPROVEN


def exposures_of(world: World, kinds: frozenset[str]) -> list[Exposure]:
    """The exposures of these kinds. The listed passwords alone (what a bound checklist task
    waits for) are read from the rows listed on an exit statement, not from every credential:
    the same exposures `exposures` makes of them, since it makes them of those rows only."""
    if kinds & KINDS != {_LISTED}:
        return exposures(world)
    leavers = world.leavers()
    narrow = and_(Credential.source == _FROM_STATEMENT, Credential.status.in_(_UNPROVEN))
    rows, _changed_outside = _rows(world, [], [], only=narrow)
    return [_listed(row, leavers[0] if leavers else None) for row in rows if _is_listed(row)]


def _changed(world: World, ids: list[str]) -> list[Exposure]:
    """A credential whose states were changed outside itexit: it may be one the leaver knew,
    so it is as exposed as one (critical), named, until restored from a backup."""
    leavers = world.leavers()
    with world.ctx.reading() as session:
        query = select(Credential.id, Credential.system).where(Credential.id.in_(ids))
        names = {str(cred_id): str(system) for cred_id, system in session.execute(query)}
    return [
        make(
            _CHANGED,
            Severity.CRITICAL,
            leavers[0] if leavers else None,
            names.get(cred_id, cred_id),
            f"cred:{cred_id}",
            f"The credentials row {cred_id} ({names.get(cred_id, '?')[:60]}) was changed "
            "outside itexit: its status or flags no longer match what itexit sealed, so it "
            "may be one the departing person knew. Put back what itexit sealed (it is then due "
            "for rotation), or restore the vault from a backup.",
            Closing(command=f"itexit cred put-back {cred_id}", screen="credentials", key="f5"),
            area=AREA,
        )
        for cred_id in ids
    ]


def _known(row: CredRow, person: Person | None, why: str) -> Exposure:
    return make(
        _KNOWN,
        Severity.CRITICAL,
        person,
        row.system,
        f"cred:{row.id}",
        why,
        _rotate(row),
        area=AREA,
    )


def _listed(row: CredRow, person: Person | None) -> Exposure:
    return make(
        ExposureKind.LISTED_PASSWORD.value,
        Severity.HIGH,
        person,
        row.system,
        f"listed:{row.id}",
        f"{row.system} was listed on the exit statement and is not yet verified to work.",
        Closing(command=f"itexit cred verify {row.id}", screen="credentials", key="f5"),
        area=AREA,
    )


def _after(
    world: World, row: CredRow, candidates: list[Person | None], exposed_for: set[str | None]
) -> list[Exposure]:
    """Rotated for someone but the old secret not yet proven dead; closed ones when asked."""
    out: list[Exposure] = []
    seen: set[str | None] = set()
    for person in candidates:
        pid = person.id if person is not None else None
        if pid in exposed_for or pid in seen:
            continue
        seen.add(pid)
        if row.status == CredentialStatus.ROTATED.value:
            out.append(
                make(
                    ExposureKind.OLD_SECRET_ALIVE.value,
                    Severity.HIGH,
                    person,
                    row.system,
                    f"old:{row.id}",
                    f"{row.system} was rotated, but the old password is not yet proven to fail.",
                    _prove_dead(row),
                    area=AREA,
                )
            )
        if world.want_closed:
            out.append(
                make(
                    ExposureKind.CREDENTIAL_KNOWN.value,
                    Severity.CRITICAL,
                    person,
                    row.system,
                    f"cred:{row.id}",
                    f"{row.system} has a new password, verified to work.",
                    _rotate(row),
                    area=AREA,
                    state=ExposureState.CLOSED,
                    closed_by=row.updated_by,
                    closed_at=row.rotated_at,
                    closed_change="rotated and verified",
                )
            )
    return out


def _recovery(world: World, rows: list[CredRow]) -> list[Exposure]:
    """Accounts whose recovery e-mail, phone or MFA device is the leaver's, to whom it matches."""
    if not rows:
        return []
    leavers = world.leavers()
    matchers = world.matchers()
    documents: dict[str, dict[str, object]] = {}
    if world.ctx.holds(Scope.CRED):
        with world.ctx.reading() as session:
            for cred in session.scalars(
                select(Credential).where(Credential.id.in_([r.id for r in rows]))
            ):
                documents[cred.id] = world.ctx.unseal(cred)
    out: list[Exposure] = []
    for row in rows:
        doc = documents.get(row.id, {})
        channels = [
            (label, str(doc.get(field) or ""))
            for field, label in (
                ("recovery_email", "recovery e-mail"),
                ("recovery_phone", "recovery phone"),
                ("recovery_mfa_device", "MFA device"),
            )
        ]
        present = [(label, value) for label, value in channels if value.strip()]
        if documents and not present:
            continue
        owner = next(
            (p for p, ids in matchers if any(ids.any(value) for _, value in present)),
            leavers[0] if leavers else None,
        )
        what = ", ".join(label for label, _ in present) or "a recovery channel"
        out.append(
            make(
                ExposureKind.RECOVERY_CHANNEL.value,
                Severity.CRITICAL,
                owner,
                row.system,
                f"recovery:{row.id}",
                f"The {what} of {row.system} is the departing person's: they can reset it.",
                Closing(command=f"itexit cred edit {row.id}", screen="credentials", key="f5"),
                area=AREA,
            )
        )
    return out


_DERIVED: ContextVar[tuple[VaultContext, date, dict[str, str]] | None] = ContextVar(
    "itexit_derived_to_rotate", default=None
)
"""What the ledger derived for the read under way (the dashboard): its tiles use it, not a
second derivation of every credential."""


def to_rotate_of(items: Sequence[Exposure]) -> dict[str, str]:
    """Credential id → why it must be rotated (again), from exposures the ledger derived."""
    out: dict[str, str] = {}
    for item in items:
        if item.kind in (_KNOWN, _CHANGED) and item.subject_ref.startswith("cred:"):
            out.setdefault(item.subject_ref[5:], item.why)
    return out


@contextmanager
def derived(ctx: VaultContext, today: date, items: Sequence[Exposure]) -> Iterator[None]:
    """Within this block, `still_to_rotate` answers from `items` (derived once for this read).

    `items` must be every exposure the ledger derived as of `today`, before any filtering.
    """
    token = _DERIVED.set((ctx, today, to_rotate_of(items)))
    try:
        yield
    finally:
        _DERIVED.reset(token)


def still_to_rotate(ctx: VaultContext, today: date) -> dict[str, str]:
    """Credential id → why it must be rotated (again), as the ledger derives it."""
    from itexit.services import people

    shared = _DERIVED.get()
    if shared is not None and shared[0] is ctx and shared[1] == today:
        return dict(shared[2])

    with ctx.reading() as session:
        everyone = people.load(ctx, session)
        readers = people.removed_readers(session, {p.user_id for p in everyone if p.user_id})
    world = World(ctx=ctx, today=today, people=everyone, readers=readers)
    with deriving():
        return to_rotate_of(exposures(world))


def with_exposure(ctx: VaultContext, rows: list[CredentialSummary]) -> list[CredentialSummary]:
    """Mark "to rotate" every credential whose current secret a departing person could read.

    The plain `rotation_due` flag is only a hint written at a removal; the exposure ledger
    derives the truth from who could unlock the vault when, and the date of each secret.
    """
    if not rows:
        return rows
    exposed = still_to_rotate(ctx, date.today())
    out: list[CredentialSummary] = []
    for r in rows:
        due = r.id in exposed or (r.rotation_due and r.status.value not in _DONE)
        reason = exposed.get(r.id) or r.rotation_reason
        out.append(r.model_copy(update={"rotation_due": due, "rotation_reason": reason[:200]}))
    return out
