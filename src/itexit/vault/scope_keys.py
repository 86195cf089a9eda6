"""The scope keys one unlocked person holds, behind one object that seals, opens and names.

Services never see a key: they ask this object to seal or open a record document, fingerprint
a value, build the mailbox's bulk sealer, derive the hand-over inbox key, seal a key to a new
member or the recovery kit, or commit to a key in the signed member list. The keys live in
buffers that `wipe` overwrites (`vault.memory.held_key`). A key is addressed by its scope
(`cred`, `hr`) and key epoch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from itexit.domain.errors import PermissionDenied
from itexit.domain.roles import scope_words
from itexit.vault import inbox
from itexit.vault.binding import Tagger, tag_key
from itexit.vault.keys import fingerprint, new_scope_key, open_slot, seal_to, slot_info
from itexit.vault.mail_records import MessageSealer
from itexit.vault.memory import held_key, wipe_key
from itexit.vault.records import RecordAddress, decrypt_document, encrypt_document
from itexit.vault.roster import key_commitment

__all__ = ["KeyId", "MessageSealer", "RecordAddress", "ScopeKeys"]

KeyId = tuple[str, int]
"""A scope key's address: its scope and key epoch."""


def _copy(key: bytes) -> bytes:
    """A buffer of its own holding the key (`held_key` keeps a `bytearray` as it is)."""
    return cast(bytes, bytearray(key))


class ScopeKeys:
    """Scope keys by (scope, epoch), used only through the methods below."""

    def __init__(self, keys: Mapping[KeyId, bytes | bytearray] | None = None) -> None:
        self._keys: dict[KeyId, bytes] = {
            address: held_key(key) for address, key in (keys or {}).items()
        }

    # --- making and opening -------------------------------------------------------------------

    @classmethod
    def generate(cls, scopes: Iterable[str], epoch: int) -> ScopeKeys:
        """Fresh random keys for `scopes` in `epoch` (a new vault, or a re-key)."""
        return cls({(scope, epoch): new_scope_key() for scope in scopes})

    @classmethod
    def from_slots(
        cls,
        box: X25519PrivateKey,
        vault_id: str,
        holder: str,
        slots: Iterable[tuple[str, int, bytes]],
    ) -> ScopeKeys:
        """Open a holder's key slots, each given as (scope, epoch, sealed)."""
        return cls(
            {
                (scope, epoch): open_slot(box, sealed, slot_info(vault_id, scope, epoch, holder))
                for scope, epoch, sealed in slots
            }
        )

    def seal_to(self, key_id: KeyId, public: bytes, vault_id: str, holder: str) -> bytes:
        """The key sealed to a member's (or the kit's) public key: a key slot's contents."""
        scope, epoch = key_id
        return seal_to(public, self._key(key_id), slot_info(vault_id, scope, epoch, holder))

    def commitment(self, key_id: KeyId, vault_id: str) -> str:
        """The hash the signed member list keeps to name this key without revealing it."""
        scope, epoch = key_id
        return key_commitment(vault_id, scope, epoch, self._key(key_id))

    def commitments(self, vault_id: str, epoch: int) -> dict[str, str]:
        """Each scope's commitment for `epoch`, as the member list records them."""
        return {
            scope: self.commitment((scope, key_epoch), vault_id)
            for scope, key_epoch in self._keys
            if key_epoch == epoch
        }

    # --- what is held -------------------------------------------------------------------------

    def holds(self, key_id: KeyId) -> bool:
        return key_id in self._keys

    def holds_scope(self, scope: str) -> bool:
        """Whether any epoch's key of `scope` is held."""
        return any(held_scope == scope for held_scope, _ in self._keys)

    def __iter__(self) -> Iterator[KeyId]:
        return iter(list(self._keys))

    def __len__(self) -> int:
        return len(self._keys)

    def require(self, key_id: KeyId) -> None:
        """Refuse, in a sentence, when the key is not held."""
        self._key(key_id)

    def only(self, scopes: Iterable[str]) -> ScopeKeys:
        """A copy holding just the keys of `scopes` (what a role may hold); wiping either
        leaves the other as it is."""
        allowed = set(scopes)
        return ScopeKeys({k: _copy(v) for k, v in self._keys.items() if k[0] in allowed})

    def replace(self, other: ScopeKeys) -> None:
        """Hold copies of `other`'s keys instead of these, overwriting these (after a re-key)."""
        self.wipe()
        self._keys = {k: _copy(v) for k, v in other._keys.items()}

    def wipe(self) -> None:
        """Forget every key, overwriting it."""
        for key in self._keys.values():
            wipe_key(key)
        self._keys.clear()

    # --- using them ---------------------------------------------------------------------------

    def seal(self, key_id: KeyId, address: RecordAddress, document: Mapping[str, Any]) -> bytes:
        """A record document sealed under the key, bound to its address."""
        return encrypt_document(self._key(key_id), address, document)

    def open(self, key_id: KeyId, address: RecordAddress, blob: bytes) -> dict[str, Any]:
        """A record document opened with the key; `IntegrityFailure` if it was moved or altered."""
        return decrypt_document(self._key(key_id), address, blob)

    def fingerprint(self, key_id: KeyId, value: str) -> str:
        """A keyed fingerprint of `value` (the audit log's 'the same secret', a blob's id)."""
        return fingerprint(self._key(key_id), value)

    def message_sealer(self, key_id: KeyId, vault_id: str, table: str) -> MessageSealer:
        """The bulk sealer for mail message rows under the key."""
        return MessageSealer(self._key(key_id), vault_id, key_id[1], table)

    def tagger(self, key_id: KeyId, vault_id: str, table: str, times: Sequence[int] = ()) -> Tagger:
        """What makes and checks the tags of `table`'s rows sealed under this key
        (`vault.binding`)."""
        return Tagger(tag_key(self._key(key_id)), vault_id, table, times)

    def inbox_key(self, key_id: KeyId, vault_id: str) -> inbox.InboxKey:
        """The hand-over inbox key pair derived from the `cred` key of an epoch."""
        return inbox.InboxKey(inbox.derive_inbox_key(self._key(key_id), vault_id))

    def _key(self, key_id: KeyId) -> bytes:
        key = self._keys.get(key_id)
        if key is None:
            raise PermissionDenied(f"Your role cannot open {scope_words(key_id[0])}.")
        return key

    def reveal(self, key_id: KeyId) -> bytes:
        """The key's bytes: for the vault layer's own checks and for tests that act as an
        attacker holding a copied key; services use the methods above."""
        return self._key(key_id)
