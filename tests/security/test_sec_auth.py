"""Unlocking: one generic failure, audited; KDF limits enforced before deriving; tampered key
material fails closed; the recovery kit opens the vault and nothing else does."""

from __future__ import annotations

import pytest

from itexit.domain.errors import (
    AuthenticationFailed,
    BadInput,
    IntegrityFailure,
    KdfParamsRefused,
    NotFound,
)
from itexit.domain.roles import Role
from itexit.vault.keys import format_recovery_kit, new_recovery_secret
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    HR_PASS,
    HR_USER,
    LEAVER,
    LEAVER_PASS,
    MANAGER,
    MANAGER_PASS,
    VIEWER,
    VIEWER_PASS,
    Vault,
    flip,
    memoize_kdf,
    new_vault,
)

WRONG_PASS = "correct horse battery staple 43"
NEW_PASS = "oblong pelican tambourine frost 88"


def failed_rows(vault: Vault) -> list[tuple[str, str, str]]:
    return [
        (r.target, r.actor_id, r.signature)
        for r in vault.rows(
            "SELECT target, actor_id, signature FROM audit_events "
            "WHERE action = 'auth.failed' ORDER BY seq"
        )
    ]


# --- 1. one generic failure, audited ----------------------------------------------------------


def test_wrong_passphrase_and_unknown_user_look_the_same_and_are_audited(vault: Vault) -> None:
    vault.manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
    vault.manager.remove_user(LEAVER)
    before = vault.manager.verify_audit()
    assert before.ok
    attempts = [
        (MANAGER, WRONG_PASS),
        ("nobody", MANAGER_PASS),
        ("nobody", WRONG_PASS),
        (VIEWER, MANAGER_PASS),  # a real user with another user's passphrase
        (LEAVER, LEAVER_PASS),  # a removed user with their own passphrase
        (MANAGER, ""),
    ]
    errors: list[AuthenticationFailed] = []
    for name, passphrase in attempts:
        with pytest.raises(AuthenticationFailed) as info:
            vault.unlock(name, passphrase)
        errors.append(info.value)
    assert {type(e) for e in errors} == {AuthenticationFailed}
    messages = {str(e) for e in errors}
    assert len(messages) == 1
    message = messages.pop()
    assert message == "That user name and passphrase do not unlock this vault."
    for name, passphrase in attempts:
        assert name not in message
        if passphrase:
            assert passphrase not in message
    # nothing chained to the error reveals which part was wrong
    assert all(e.__cause__ is None for e in errors)

    # one unsigned auth.failed row per attempt, naming only a user that exists
    rows = failed_rows(vault)
    assert [(target, actor) for target, actor, _sig in rows] == [
        (MANAGER, "-"),
        ("(unknown user)", "-"),
        ("(unknown user)", "-"),
        (VIEWER, "-"),
        ("(unknown user)", "-"),
        (MANAGER, "-"),
    ]
    for row in vault.rows("SELECT * FROM audit_events"):
        assert WRONG_PASS not in " ".join(str(v) for v in row)
    after = vault.manager.verify_audit()
    assert after.ok, after
    assert after.rows == before.rows + len(attempts)
    # the real passphrase still works afterwards, and that is audited too
    again = vault.unlock(MANAGER, MANAGER_PASS)
    assert again.identity.name == MANAGER
    assert again.verify_audit().rows == after.rows + 1


# --- 2. KDF floor and ceiling refused before any derivation ------------------------------------


TAMPERED_KDF = [
    (8 * 1024, 1, 1),  # the brief's "8 MiB / t=1"
    (8 * 1024, 3, 1),
    (64 * 1024, 1, 1),
    (2 * 1024 * 1024, 50, 1),  # 2 GiB / t=50
    (2 * 1024 * 1024, 3, 1),
    (64 * 1024, 50, 1),
    (64 * 1024, 3, 0),
    (64 * 1024, 3, 64),
]


def test_tampered_kdf_params_refused_before_deriving(
    vault: Vault, argon2_calls: list[dict[str, object]]
) -> None:
    original = vault.rows(
        "SELECT kdf_memory_kib, kdf_time_cost, kdf_parallelism FROM users WHERE name = :n",
        n=CONSULTANT,
    )[0]
    for memory, time_cost, parallelism in TAMPERED_KDF:
        vault.sql(
            "UPDATE users SET kdf_memory_kib = :m, kdf_time_cost = :t, kdf_parallelism = :p "
            "WHERE name = :n",
            m=memory,
            t=time_cost,
            p=parallelism,
            n=CONSULTANT,
        )
        argon2_calls.clear()
        with pytest.raises(KdfParamsRefused) as info:
            vault.unlock(CONSULTANT, CONSULTANT_PASS)
        assert argon2_calls == [], f"Argon2 ran before m={memory} t={time_cost} was checked"
        assert CONSULTANT_PASS not in str(info.value)
    # other people are unaffected, and their unlock does derive (the counter works)
    vault.unlock(VIEWER, VIEWER_PASS)
    assert len(argon2_calls) == 1
    # put the real settings back: the consultant unlocks again
    vault.sql(
        "UPDATE users SET kdf_memory_kib = :m, kdf_time_cost = :t, kdf_parallelism = :p "
        "WHERE name = :n",
        m=original[0],
        t=original[1],
        p=original[2],
        n=CONSULTANT,
    )
    assert vault.unlock(CONSULTANT, CONSULTANT_PASS).identity.name == CONSULTANT

    # a salt of the wrong length is refused the same way
    vault.sql("UPDATE users SET kdf_salt = :s WHERE name = :n", s=b"short", n=VIEWER)
    argon2_calls.clear()
    with pytest.raises(KdfParamsRefused):
        vault.unlock(VIEWER, VIEWER_PASS)
    assert argon2_calls == []
    # in-range changes are bound into the wrapped key: they fail as a wrong passphrase
    vault.sql("UPDATE users SET kdf_time_cost = kdf_time_cost + 1 WHERE name = :n", n=CONSULTANT)
    with pytest.raises(AuthenticationFailed):
        vault.unlock(CONSULTANT, CONSULTANT_PASS)


# --- 4. byte flips in key material fail closed -------------------------------------------------


def test_every_byte_flip_of_wrapped_keys_fails_closed(
    file_vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    memoize_kdf(monkeypatch)
    from itexit.services import guessing

    monkeypatch.setattr(guessing, "FREE_FAILURES", 10_000)  # ~100 failures in a row, on purpose
    uid = file_vault.user_id(CONSULTANT)
    original = bytes(file_vault.scalar("SELECT wrapped_keys FROM users WHERE id = :i", i=uid))
    assert len(original) == 1 + 12 + 64 + 16
    outcomes: dict[int, str] = {}
    for index in range(len(original)):
        file_vault.sql(
            "UPDATE users SET wrapped_keys = :w WHERE id = :i", w=flip(original, index), i=uid
        )
        try:
            file_vault.unlock(CONSULTANT, CONSULTANT_PASS)
        except (AuthenticationFailed, IntegrityFailure):
            continue
        except Exception as exc:  # anything else is a failure to fail closed cleanly
            outcomes[index] = f"raised {type(exc).__name__}: {exc}"
        else:
            outcomes[index] = "UNLOCKED"
    assert outcomes == {}
    for blob in (b"", original[:13], original[:-1], original + b"\x00"):
        file_vault.sql("UPDATE users SET wrapped_keys = :w WHERE id = :i", w=blob, i=uid)
        with pytest.raises((AuthenticationFailed, IntegrityFailure)):
            file_vault.unlock(CONSULTANT, CONSULTANT_PASS)
    file_vault.sql("UPDATE users SET wrapped_keys = :w WHERE id = :i", w=original, i=uid)
    assert file_vault.unlock(CONSULTANT, CONSULTANT_PASS).identity.name == CONSULTANT
    assert file_vault.manager.verify_audit().ok


def test_every_byte_flip_of_a_key_slot_fails_closed(
    file_vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    memoize_kdf(monkeypatch)
    uid = file_vault.user_id(CONSULTANT)
    slot_id, original = file_vault.rows(
        "SELECT id, sealed FROM key_slots WHERE holder = :h AND scope = 'cred'", h=uid
    )[0]
    original = bytes(original)
    outcomes: dict[int, str] = {}
    for index in range(len(original)):
        file_vault.sql(
            "UPDATE key_slots SET sealed = :s WHERE id = :i", s=flip(original, index), i=slot_id
        )
        try:
            file_vault.unlock(CONSULTANT, CONSULTANT_PASS)
        except IntegrityFailure:
            continue
        except Exception as exc:
            outcomes[index] = f"raised {type(exc).__name__}: {exc}"
        else:
            outcomes[index] = "UNLOCKED"
    assert outcomes == {}
    file_vault.sql("UPDATE key_slots SET sealed = :s WHERE id = :i", s=original, i=slot_id)
    session = file_vault.unlock(CONSULTANT, CONSULTANT_PASS)
    assert session.credentials.reveal("System0") == "secret-number-0"


def test_key_material_moved_between_users_or_scopes_fails(vault: Vault) -> None:
    manager_id, consultant_id = vault.user_id(MANAGER), vault.user_id(CONSULTANT)
    sealed = {
        (h, s): bytes(b) for h, s, b in vault.rows("SELECT holder, scope, sealed FROM key_slots")
    }
    # the manager's hr slot pasted over their cred slot
    vault.sql(
        "UPDATE key_slots SET sealed = :b WHERE holder = :h AND scope = 'cred'",
        b=sealed[(manager_id, "hr")],
        h=manager_id,
    )
    with pytest.raises(IntegrityFailure):
        vault.unlock(MANAGER, MANAGER_PASS)
    # the manager's cred slot pasted over the consultant's
    vault.sql(
        "UPDATE key_slots SET sealed = :b WHERE holder = :h AND scope = 'cred'",
        b=sealed[(manager_id, "cred")],
        h=consultant_id,
    )
    with pytest.raises(IntegrityFailure):
        vault.unlock(CONSULTANT, CONSULTANT_PASS)
    # the consultant's own cred slot relabelled as hr
    vault.sql(
        "UPDATE key_slots SET sealed = :b, scope = 'hr' WHERE holder = :h AND scope = 'cred'",
        b=sealed[(consultant_id, "cred")],
        h=consultant_id,
    )
    with pytest.raises(IntegrityFailure, match="key_slots row"):
        vault.unlock(CONSULTANT, CONSULTANT_PASS)
    # (a slot of a scope the role does not hold refuses every unlock; put the slots back)
    vault.sql("DELETE FROM key_slots WHERE holder = :h AND scope = 'hr'", h=consultant_id)
    for (holder, scope), blob in sealed.items():
        vault.sql(
            "UPDATE key_slots SET sealed = :b WHERE holder = :h AND scope = :s",
            b=blob,
            h=holder,
            s=scope,
        )
    vault.sql(
        "INSERT INTO key_slots (scope, epoch, holder, sealed) VALUES ('cred', :e, :h, :b)",
        e=vault.epoch(),
        h=consultant_id,
        b=sealed[(consultant_id, "cred")],
    )
    assert vault.unlock(CONSULTANT, CONSULTANT_PASS).identity.name == CONSULTANT
    # the consultant's wrapped keys and KDF settings pasted onto the viewer's row
    vault.sql(
        "UPDATE users SET wrapped_keys = (SELECT wrapped_keys FROM users WHERE name = :src), "
        "kdf_salt = (SELECT kdf_salt FROM users WHERE name = :src) WHERE name = :dst",
        src=CONSULTANT,
        dst=VIEWER,
    )
    with pytest.raises(AuthenticationFailed):
        vault.unlock(VIEWER, CONSULTANT_PASS)
    with pytest.raises(AuthenticationFailed):
        vault.unlock(VIEWER, VIEWER_PASS)
    # HR's public key replaced by the viewer's: the unwrapped keys no longer match the row
    vault.sql(
        "UPDATE users SET box_public = (SELECT box_public FROM users WHERE name = :src) "
        "WHERE name = :dst",
        src=VIEWER,
        dst=HR_USER,
    )
    with pytest.raises(IntegrityFailure, match="users row for 'hana'"):
        vault.unlock(HR_USER, HR_PASS)


# --- 8. the recovery kit ----------------------------------------------------------------------


def garbled(kit: str) -> str:
    """Change one character of the first data group."""
    index = kit.index("-") + 1
    replacement = "B" if kit[index] != "B" else "C"
    return kit[:index] + replacement + kit[index + 1 :]


def test_wrong_or_garbled_kits_are_refused_and_the_real_one_works(vault: Vault) -> None:
    other_vaults_kit = format_recovery_kit(new_recovery_secret())
    with pytest.raises(AuthenticationFailed):
        vault.gw.recover(other_vaults_kit, MANAGER, NEW_PASS)
    bad_inputs = [
        garbled(vault.kit),
        vault.kit[:-1],
        vault.kit.replace("ITX1", "ITX2", 1),
        "ITX1-" + "-".join(vault.kit.split("-")[2:]),
        "",
        "not a kit at all",
        MANAGER_PASS,
    ]
    for text in bad_inputs:
        with pytest.raises((BadInput, AuthenticationFailed)):
            vault.gw.recover(text, MANAGER, NEW_PASS)
    # nothing changed: the old passphrase still works, the new one does not
    assert vault.unlock(MANAGER, MANAGER_PASS).identity.name == MANAGER
    with pytest.raises(AuthenticationFailed):
        vault.unlock(MANAGER, NEW_PASS)

    session = vault.gw.recover(vault.kit, MANAGER, NEW_PASS)
    assert session.identity.name == MANAGER and session.identity.role is Role.MANAGER
    assert session.credentials.reveal("System1") == "secret-number-1"
    assert session.ctx.keys.reveal(("hr", session.ctx.epoch))
    with pytest.raises(AuthenticationFailed):
        vault.unlock(MANAGER, MANAGER_PASS)
    assert vault.unlock(MANAGER, NEW_PASS).identity.name == MANAGER
    verdict = session.verify_audit()
    assert verdict.ok, verdict
    actions = [r.action for r in vault.rows("SELECT action FROM audit_events ORDER BY seq")]
    assert "user.reset" in actions


def test_recovery_after_a_rekey_and_its_refusals(file_vault: Vault) -> None:
    file_vault.manager.add_user(LEAVER, Role.CONSULTANT, LEAVER_PASS)
    file_vault.manager.remove_user(LEAVER)
    with pytest.raises(NotFound):
        file_vault.gw.recover(file_vault.kit, "nobody", NEW_PASS)
    with pytest.raises(BadInput):
        file_vault.gw.recover(file_vault.kit, LEAVER, NEW_PASS)
    with pytest.raises(AuthenticationFailed):
        file_vault.unlock(LEAVER, NEW_PASS)
    with pytest.raises(BadInput):
        file_vault.gw.recover(file_vault.kit, MANAGER, "password1")
    assert file_vault.unlock(MANAGER, MANAGER_PASS).identity.name == MANAGER
    session = file_vault.gw.recover(file_vault.kit, CONSULTANT, NEW_PASS)
    assert session.ctx.epoch == 2
    assert session.identity.role is Role.CONSULTANT
    assert session.credentials.reveal("System0") == "secret-number-0"
    assert session.verify_audit().ok


def test_kit_typed_back_loosely_works_and_opens_only_its_vault(tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = new_vault(tmp_path / "a.sqlite")
    second = new_vault(tmp_path / "b.sqlite")
    try:
        with pytest.raises(AuthenticationFailed):
            second.gw.recover(first.kit, MANAGER, NEW_PASS)
        assert second.unlock(MANAGER, MANAGER_PASS).identity.name == MANAGER
        typed = " " + first.kit.lower().replace("-", " - ") + "\n"
        session = first.gw.recover(typed, MANAGER, NEW_PASS)
        assert session.identity.role is Role.MANAGER
    finally:
        first.close()
        second.close()
