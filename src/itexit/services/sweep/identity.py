"""Who the sweep looks for: the departing person's accounts, addresses and public keys.

Kept per case in one sealed document; :func:`departing_identity` is the one reader, so the
source can move to the person's own record without touching the sweep.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput, NotFound
from itexit.domain.roles import Permission, Scope
from itexit.domain.sweep import DepartingIdentity, KnownKey, key_fingerprint
from itexit.services.context import VaultContext
from itexit.store.checklist import Case
from itexit.store.sweep import SweepIdentity


def find_case(session: Session, ref: str | None) -> Case:
    """A case by id, id prefix or name; with no reference, the one case not yet closed."""
    if ref is None or not ref.strip():
        live = list(session.scalars(select(Case).where(Case.status != "closed")))
        if len(live) == 1:
            return live[0]
        if not live:
            raise NotFound("There is no open departure case; open one with `itexit case new`.")
        raise BadInput("More than one departure case is open; name one with --case.")
    text = ref.strip()
    row = session.get(Case, text)
    if row is not None:
        return row
    named = list(session.scalars(select(Case).where(func.lower(Case.name) == text.lower())))
    if not named and len(text) >= 6:
        named = list(session.scalars(select(Case).where(Case.id.startswith(text.lower()))))
    if len(named) != 1:
        if named:
            raise BadInput(f"More than one case is called {text!r}; use the case id.")
        raise NotFound(f"There is no case {text!r}.")
    return named[0]


def _keys(items: list[Any]) -> list[KnownKey]:
    return [KnownKey.model_validate(k) for k in items]


def departing_identity(ctx: VaultContext, case_id: str) -> DepartingIdentity:
    """The departing person's identifiers for ``case_id`` (empty lists when none are recorded)."""
    with ctx.reading() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(f"There is no case {case_id!r}.")
        row = session.scalars(select(SweepIdentity).where(SweepIdentity.case_id == case_id)).first()
        doc = ctx.unseal(row) if row is not None else {}
        return DepartingIdentity(
            case_id=case_id,
            name=case.name,
            accounts=list(doc.get("accounts", [])),
            emails=list(doc.get("emails", [])),
            keys=_keys(doc.get("keys", [])),
            trusted_keys=_keys(doc.get("trusted_keys", [])),
            since=date.fromisoformat(doc["since"]) if doc.get("since") else case.termination_date,
            practice_domains=list(doc.get("practice_domains", [])),
        )


def known_key(text: str, label: str = "") -> KnownKey:
    """A key as typed or pasted: a public key line, or a ``SHA256:`` fingerprint alone."""
    value = text.strip()
    if value.upper().startswith("SHA256:"):
        return KnownKey(fingerprint="SHA256:" + value.split(":", 1)[1].rstrip("="), label=label)
    try:
        return KnownKey(fingerprint=key_fingerprint(value), label=label, public_key=value)
    except ValueError as exc:
        raise BadInput(
            f"{value[:40]!r} is neither a public key line nor a SHA256 fingerprint ({exc})."
        ) from None


def set_identity(
    ctx: VaultContext,
    case_ref: str | None,
    *,
    accounts: list[str] | None = None,
    emails: list[str] | None = None,
    keys: list[KnownKey] | None = None,
    trusted_keys: list[KnownKey] | None = None,
    since: date | None = None,
    practice_domains: list[str] | None = None,
) -> DepartingIdentity:
    """Add to what the sweep looks for on a case (lists grow; nothing is silently dropped)."""
    ctx.require(Permission.CRED_WRITE)
    for account in accounts or []:
        if not account.strip() or any(c.isspace() or c in "'\"\\$`;:" for c in account):
            raise BadInput(f"{account!r} is not an account name (no spaces or quotes).")
    with ctx.transaction() as session:
        case = find_case(session, case_ref)
        row = session.scalars(select(SweepIdentity).where(SweepIdentity.case_id == case.id)).first()
        doc: dict[str, Any] = ctx.unseal(row) if row is not None else {}
        if row is None:
            row = SweepIdentity(id=str(uuid.uuid4()), case_id=case.id, version=1)

        def grow(name: str, values: list[str]) -> None:
            doc[name] = list(dict.fromkeys([*doc.get(name, []), *(v.strip() for v in values)]))

        grow("accounts", accounts or [])
        grow("emails", [e.lower() for e in emails or []])
        grow("practice_domains", [d.lower().lstrip("@") for d in practice_domains or []])
        for name, new in (("keys", keys or []), ("trusted_keys", trusted_keys or [])):
            have = {k["fingerprint"]: k for k in doc.get(name, [])}
            for key in new:
                have[key.fingerprint] = key.model_dump()
            doc[name] = list(have.values())
        if since is not None:
            doc["since"] = since.isoformat()
        ctx.seal(row, doc, Scope.CRED)
        session.add(row)
        session.flush()
        ctx.record(
            session,
            "sweep.identity",
            case.name,
            case_id=case.id,
            accounts=len(doc["accounts"]),
            emails=len(doc["emails"]),
            keys=[k["fingerprint"] for k in doc["keys"]],
        )
        case_id = case.id
    return departing_identity(ctx, case_id)
