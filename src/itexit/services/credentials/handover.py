"""Secrets listed in an exit statement by HR, sealed so only the cred scope can open them.

HR holds no `cred` key, so it cannot add a credential itself. Instead each key epoch has an
inbox key pair derived from that epoch's `cred` key: a `cred` holder publishes the public half
(signed with their audit key), HR seals each listed password to it, and when a manager or the
IT consultant receives the hand-overs (`receive`: the credentials screen does as it opens, the
command line with `itexit cred receive`), the sealed entries become credentials marked
"handed over, unverified" and the entries are deleted, all in one audited transaction.
Listing the credentials only reads: it never receives.
"""

from __future__ import annotations

import uuid

from pydantic import SecretStr
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from itexit.domain.credentials import NewCredential, Source
from itexit.domain.errors import BadInput, IntegrityFailure
from itexit.domain.roles import Permission, Role, Scope
from itexit.services.context import VaultContext
from itexit.services.credentials.adding import add
from itexit.store.statements import HandoverEntry, HandoverKey
from itexit.vault import inbox

_CRED_ROLES = (Role.MANAGER.value, Role.CONSULTANT.value)

NOT_OPEN = (
    "The hand-over inbox for the current keys is not open yet: ask a practice manager or the "
    "IT consultant to unlock itexit once, then add the password again."
)


def may_receive(ctx: VaultContext) -> bool:
    """Whether the actor can open the inbox: holds the `cred` key and may add credentials."""
    return _may_open(ctx)


def _may_open(ctx: VaultContext) -> bool:
    return ctx.holds(Scope.CRED) and ctx.can(Permission.CRED_WRITE)


def publish_key(ctx: VaultContext, session: Session, audited: bool = True) -> HandoverKey:
    """Inside the caller's transaction: the current epoch's inbox key, published if missing.

    The row carries the publisher's signature; `audited=False` is for a transaction that
    already writes its own audit row (the unlock), so an unlock stays one audit entry.
    """
    row = session.scalars(select(HandoverKey).where(HandoverKey.key_epoch == ctx.epoch)).first()
    if row is not None:
        return row
    keys = ctx.actor.keys
    if keys is None:
        raise BadInput("The vault is locked; unlock it again to continue.")
    private = ctx.inbox_key()
    public = private.public
    row = HandoverKey(
        id=str(uuid.uuid4()),
        key_epoch=ctx.epoch,
        public_key=public.hex(),
        signer_key=keys.sign_public.hex(),
        signature=keys.signature(inbox.key_statement(ctx.vault_id, ctx.epoch, public)).hex(),
    )
    ctx.seal(row, private.document(), Scope.CRED)
    session.add(row)
    session.flush()
    if audited:
        ctx.record(session, "handover.key", f"epoch {ctx.epoch}", public_key=row.public_key[:16])
    return row


def open_inbox_on_unlock(ctx: VaultContext, session: Session) -> None:
    """In the unlock's transaction: a `cred` holder publishes the epoch's inbox key if missing.

    After a re-key the new epoch has no inbox key until someone holding the new `cred` key
    unlocks; until then HR is told to ask for that.
    """
    if _may_open(ctx):
        publish_key(ctx, session, audited=False)


def _trusted_signers(ctx: VaultContext, session: Session) -> set[str]:
    """The signing keys of the signed member list's current `cred` holders and the kit; never
    the users table, where a removed person could put his own key back."""
    from itexit.services.roster import current

    state = current(session, ctx.vault_id)
    signers = {m.sign.hex() for m in state.members.values() if m.role in _CRED_ROLES}
    signers.add(state.recovery_sign.hex())
    return signers


def current_key(ctx: VaultContext, session: Session) -> HandoverKey:
    """The inbox key to seal to now: this epoch's, signed by someone who holds `cred`."""
    row = session.scalars(select(HandoverKey).where(HandoverKey.key_epoch == ctx.epoch)).first()
    if row is None:
        if _may_open(ctx):
            return publish_key(ctx, session)
        raise BadInput(NOT_OPEN)
    public = bytes.fromhex(row.public_key)
    message = inbox.key_statement(ctx.vault_id, row.key_epoch, public)
    if row.signer_key not in _trusted_signers(ctx, session) or not inbox.signature_valid(
        bytes.fromhex(row.signer_key), bytes.fromhex(row.signature), message
    ):
        raise IntegrityFailure(
            "The hand-over inbox key is not signed by a manager or IT consultant: "
            "it was altered, so nothing was sealed to it."
        )
    return row


def seal_handover(
    ctx: VaultContext,
    session: Session,
    statement_id: str,
    *,
    system: str,
    username: str,
    secret: SecretStr,
    note: str,
) -> str:
    """Inside the caller's transaction: seal one listed password to the inbox; its entry id."""
    key = current_key(ctx, session)
    entry_id = str(uuid.uuid4())
    payload = {
        "system": system,
        "username": username,
        "secret": secret.get_secret_value(),
        "note": note,
    }
    sealed = inbox.seal_entry(
        bytes.fromhex(key.public_key),
        payload,
        inbox.entry_info(ctx.vault_id, key.key_epoch, entry_id),
    )
    session.add(
        HandoverEntry(
            id=entry_id,
            key_id=key.id,
            statement_id=statement_id,
            sealed=sealed,
            created_by=ctx.actor.name,
        )
    )
    session.flush()
    return entry_id


def pending_entries(session: Session, entry_ids: list[str]) -> set[str]:
    """Which of these hand-overs are still waiting for a `cred` holder to open them."""
    if not entry_ids:
        return set()
    return set(session.scalars(select(HandoverEntry.id).where(HandoverEntry.id.in_(entry_ids))))


def pending_count(ctx: VaultContext) -> int:
    with ctx.reading() as session:
        return int(session.scalar(select(func.count()).select_from(HandoverEntry)) or 0)


def receive(ctx: VaultContext) -> int:
    """Receive the hand-overs: turn the sealed entries into credentials when the actor holds
    the `cred` key, in one transaction with their deletion and its audit row; how many arrived.

    Adding each credential is the credentials' own use case, joining this transaction."""
    if not _may_open(ctx):
        return 0
    with ctx.reading() as session:
        waiting = session.scalar(select(func.count()).select_from(HandoverEntry))
    if not waiting:
        return 0
    with ctx.transaction() as session:
        entries = list(
            session.scalars(
                select(HandoverEntry).order_by(HandoverEntry.created_at, HandoverEntry.id)
            )
        )
        privates: dict[str, inbox.InboxKey] = {}
        systems: list[str] = []
        unreadable: list[str] = []
        for entry in entries:
            key = session.get(HandoverKey, entry.key_id)
            if key is None:
                raise IntegrityFailure("A sealed hand-over names an inbox key that is gone.")
            if key.id not in privates:
                privates[key.id] = inbox.InboxKey.from_document(ctx.unseal(key))
            try:
                payload = privates[key.id].open_entry(
                    entry.sealed,
                    inbox.entry_info(ctx.vault_id, key.key_epoch, entry.id),
                )
            except IntegrityFailure:
                # An altered entry stays where it is (and keeps its key) rather than blocking
                # the inventory for everyone; the others still arrive.
                unreadable.append(entry.id)
                continue
            note = str(payload.get("note", "")).strip()
            listed = f"Listed in an exit statement (recorded by {entry.created_by})."
            add(
                ctx,
                NewCredential(
                    system=str(payload["system"]),
                    username=str(payload.get("username", "")),
                    secret=SecretStr(str(payload.get("secret", ""))),
                    notes=f"{note}\n{listed}" if note else listed,
                    known_to_departing=True,
                    source=Source.EXIT_STATEMENT,
                ),
            )
            systems.append(str(payload["system"]))
            session.delete(entry)
        session.flush()
        emptied = session.scalars(
            select(HandoverKey.id).where(
                HandoverKey.key_epoch < ctx.epoch,
                ~HandoverKey.id.in_(select(HandoverEntry.key_id)),
            )
        ).all()
        if emptied:
            session.execute(delete(HandoverKey).where(HandoverKey.id.in_(emptied)))
        if not systems:
            return 0
        ctx.record(
            session,
            "handover.drain",
            "exit statement",
            count=len(systems),
            unreadable=unreadable,
        )
    return len(systems)
