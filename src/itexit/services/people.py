"""The departing person of each case: recorded when the case opens, read with its identifiers.

A case opened without identifiers still has a person (its name, no addresses), so every case
is matched and every older vault reads the same way.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput, NotFound
from itexit.domain.people import NewPerson, Person, PersonKind, clean_emails, clean_phones
from itexit.domain.roles import ROLE_SCOPES, Role, Scope
from itexit.services.context import VaultContext
from itexit.services.states import check_cases, closed_cases
from itexit.store.checklist import Case
from itexit.store.models import User
from itexit.store.people import PersonRow

VENDOR_KINDS = ("it_vendor",)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def find_user(session: Session, name: str) -> User:
    user = session.scalars(select(User).where(User.name == name.strip())).first()
    if user is None:
        raise NotFound(f"There is no itexit user {name.strip()!r} to link to the person.")
    return user


def record(ctx: VaultContext, session: Session, case: Case, new: NewPerson) -> PersonRow:
    """Write the person of a newly opened case in the case's transaction."""
    try:
        emails = clean_emails(new.emails)
        phones = clean_phones(new.phones)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    user_id = find_user(session, new.vault_user).id if new.vault_user.strip() else None
    if user_id is not None:
        taken = session.scalars(select(PersonRow).where(PersonRow.user_id == user_id)).first()
        if taken is not None and taken.case_id != case.id:
            other = session.get(Case, taken.case_id)
            if other is not None and other.status != "closed":
                raise BadInput(
                    f"The itexit user {new.vault_user.strip()} is already the person of the open "
                    f"case of {other.name}."
                )
    row = PersonRow(
        id=str(uuid.uuid4()),
        case_id=case.id,
        full_name=" ".join(new.full_name.split())[:200] or case.name,
        kind=new.kind.value,
        user_id=user_id,
        version=1,
    )
    scope = Scope.CRED if ctx.holds(Scope.CRED) else Scope.HR
    ctx.seal(row, {"emails": emails, "phones": phones}, scope)
    session.add(row)
    return row


def load(ctx: VaultContext, session: Session, include_closed: bool = True) -> list[Person]:
    """Every case's person, open cases first; identifiers only where the reader holds the key."""
    query = select(Case, PersonRow).outerjoin(PersonRow, PersonRow.case_id == Case.id)
    found = session.execute(query.order_by(Case.termination_date, Case.name)).all()
    check_cases(ctx, (case for case, _ in found))
    rows = [(case, row) for case, row in found if include_closed or case.status != "closed"]
    users = {u.id: u for u in session.scalars(select(User))}
    people: list[Person] = []
    for case, row in rows:
        emails: list[str] = []
        phones: list[str] = []
        sealed = False
        user = users.get(row.user_id) if row is not None and row.user_id else None
        if row is not None:
            if ctx.holds(Scope(row.scope)):
                doc = ctx.unseal(row)
                emails = [str(e) for e in doc.get("emails", [])]
                phones = [str(p) for p in doc.get("phones", [])]
            else:
                sealed = True
        kind = (
            PersonKind(row.kind)
            if row is not None
            else (PersonKind.VENDOR if case.kind in VENDOR_KINDS else PersonKind.EMPLOYEE)
        )
        people.append(
            Person(
                id=row.id if row is not None else case.id,
                case_id=case.id,
                case_name=case.name,
                case_closed=case.status == "closed",
                case_kind=case.kind,
                termination_date=case.termination_date,
                full_name=row.full_name if row is not None else case.name,
                kind=kind,
                emails=tuple(emails),
                phones=tuple(phones),
                sealed=sealed,
                user_id=user.id if user is not None else None,
                user_name=user.name if user is not None else None,
                user_active=user is not None and user.status == "active",
                user_created_at=_aware(user.created_at) if user is not None else None,
                user_removed_at=_aware(user.removed_at) if user is not None else None,
                user_reads_credentials=user is not None
                and Scope.CRED in ROLE_SCOPES.get(Role(user.role), frozenset()),
            )
        )
    people.sort(key=lambda p: p.case_closed)
    return people


def removed_readers(session: Session, linked: set[str]) -> list[Person]:
    """Removed itexit users who held the credential key and are no case's person.

    They could read every credential of their time; until each is rotated after their
    removal, each is theirs to rotate as much as the departing person's.
    """
    out: list[Person] = []
    for user in session.scalars(
        select(User).where(User.status == "removed").order_by(User.removed_at)
    ):
        if user.id in linked or Scope.CRED not in ROLE_SCOPES.get(Role(user.role), frozenset()):
            continue
        removed = _aware(user.removed_at)
        out.append(
            Person(
                id=f"user:{user.id}",
                case_id="",
                case_name="",
                termination_date=(removed or datetime.now(UTC)).date(),
                full_name=user.name,
                kind=PersonKind.EMPLOYEE,
                user_id=user.id,
                user_name=user.name,
                user_active=False,
                user_created_at=_aware(user.created_at),
                user_removed_at=removed,
                user_reads_credentials=True,
            )
        )
    return out


def departing(ctx: VaultContext) -> list[str]:
    """Who is leaving: the names on open cases, for the dashboard's headline."""
    with ctx.reading() as session:
        closed = closed_cases(ctx, session)
        return list(
            session.scalars(
                select(Case.name)
                .where(Case.id.not_in(closed))
                .order_by(Case.termination_date, Case.name)
            )
        )
