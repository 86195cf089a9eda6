"""Errors a user can meet, each carrying one clear sentence to show them."""

from __future__ import annotations


class ItexitError(Exception):
    """Base of every error the app reports to a person; `str()` is the sentence to show."""

    exit_code = 2


class BadInput(ItexitError):
    """The request itself is wrong: a missing field, a bad date, an unknown name."""


class Blocked(BadInput):
    """The request is understood, but something still open forbids it (named in the sentence):
    a check found something, so the command exits 1."""

    exit_code = 1


class LeaverCanUnlock(BadInput):
    """A departing person can still unlock the vault, so a secret made now would be theirs to
    read; the person may choose to go on anyway. `members` names them, for a screen to say
    the same in its own words."""

    def __init__(self, sentence: str, members: tuple[str, ...] = ()) -> None:
        super().__init__(sentence)
        self.members = members


class NotFound(BadInput):
    """The named record does not exist."""


class AuthenticationFailed(ItexitError):
    """User name or passphrase wrong; deliberately says nothing about which."""

    exit_code = 3

    def __init__(
        self, message: str = "That user name and passphrase do not unlock this vault."
    ) -> None:
        super().__init__(message)


class PermissionDenied(ItexitError):
    """The unlocked user's role does not allow the action."""

    exit_code = 3


class StaleEdit(ItexitError):
    """Someone else changed the record since it was read; the edit was not applied."""


class VaultError(ItexitError):
    """The vault file or database cannot be used as it is."""


class VaultNotFound(VaultError):
    """No vault exists at the given location."""


class VaultCorrupt(VaultError):
    """The vault's bytes are damaged; nothing was written to it."""


class VaultReadOnly(VaultError):
    """The vault's file, folder or disk cannot be written."""


class SavedButIncomplete(ItexitError):
    """The change was committed, but something after it (a clean-up, a record on this
    computer) did not finish; the sentence says what was done and what was not."""

    exit_code = 1


class VaultBusy(VaultError):
    """Others kept the vault's write lock longer than a change is willing to wait."""


class VaultRekeyed(StaleEdit):
    """Someone else removed a person (a new key epoch) since this vault was unlocked."""

    def __init__(
        self,
        message: str = (
            "The vault was re-keyed by someone else since you unlocked it (a person was "
            "removed); lock and unlock again to continue."
        ),
    ) -> None:
        super().__init__(message)


class IntegrityFailure(VaultError):
    """A ciphertext or signature did not verify: the data was altered or moved."""


class RollbackDetected(VaultError):
    """The database is older than a state this workstation has already seen."""


class KdfParamsRefused(VaultError):
    """Stored key-derivation parameters are below the floor or above the ceiling."""


class CheckFailed(ItexitError):
    """A check ran and found something (broken chain, failed verification, items due)."""

    exit_code = 1
