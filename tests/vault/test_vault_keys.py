"""Wrapped user keys, HPKE key slots and the recovery kit."""

from __future__ import annotations

import base64
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itexit.domain.errors import BadInput, IntegrityFailure
from itexit.vault import kdf
from itexit.vault.keys import (
    KeyPair,
    fingerprint,
    format_recovery_kit,
    new_recovery_secret,
    new_scope_key,
    open_slot,
    parse_recovery_kit,
    recovery_keypair,
    seal_to,
    slot_info,
    unwrap_user_keys,
    user_key_aad,
    verify_signature,
    wrap_user_keys,
)
from vaulthelpers import flip

VAULT = "9a1d1b53-7f2f-4b42-8a41-6c8e2b1d0f33"
USER = "4f6e5d4c-3b2a-4190-8877-665544332211"
PASS = "correct horse battery staple 42"


@pytest.fixture(scope="module")
def wrapped() -> tuple[KeyPair, kdf.KdfParams, bytes]:
    pair = KeyPair.generate()
    params = kdf.floor_params()
    return pair, params, wrap_user_keys(pair, PASS, params, user_key_aad(VAULT, USER, params))


def test_unwrap_round_trip(wrapped: tuple[KeyPair, kdf.KdfParams, bytes]) -> None:
    pair, params, blob = wrapped
    back = unwrap_user_keys(blob, PASS, params, user_key_aad(VAULT, USER, params))
    assert back.box_public == pair.box_public
    assert back.sign_public == pair.sign_public
    assert pair.private_bytes() not in blob


@pytest.mark.parametrize(
    "passphrase,vault,user,tweak",
    [
        ("correct horse battery staple 43", VAULT, USER, None),
        ("", VAULT, USER, None),
        (PASS, "other-vault", USER, None),
        (PASS, VAULT, "other-user", None),
        (PASS, VAULT, USER, "salt"),
        (PASS, VAULT, USER, "time"),
    ],
    ids=["wrong-pass", "empty-pass", "other-vault", "other-user", "other-salt", "more-time"],
)
def test_unwrap_refuses_anything_else(
    wrapped: tuple[KeyPair, kdf.KdfParams, bytes],
    passphrase: str,
    vault: str,
    user: str,
    tweak: str | None,
) -> None:
    _pair, params, blob = wrapped
    if tweak == "salt":
        params = params.with_new_salt()
    elif tweak == "time":
        params = kdf.KdfParams(params.memory_kib, params.time_cost + 1, 1, params.salt)
    with pytest.raises(IntegrityFailure):
        unwrap_user_keys(blob, passphrase, params, user_key_aad(vault, user, params))


def test_aad_binds_every_kdf_parameter() -> None:
    p = kdf.KdfParams(65536, 3, 4, bytes(16))
    base = user_key_aad(VAULT, USER, p)
    for other in (
        kdf.KdfParams(65537, 3, 4, bytes(16)),
        kdf.KdfParams(65536, 4, 4, bytes(16)),
        kdf.KdfParams(65536, 3, 2, bytes(16)),
        kdf.KdfParams(65536, 3, 4, bytes(15) + b"\x01"),
    ):
        assert user_key_aad(VAULT, USER, other) != base


def test_slot_round_trip_and_binding() -> None:
    pair = KeyPair.generate()
    key = new_scope_key()
    info = slot_info(VAULT, "cred", 2, USER)
    sealed = seal_to(pair.box_public, key, info)
    assert key not in sealed
    assert open_slot(pair.box, sealed, info) == key
    for other in (
        slot_info(VAULT, "hr", 2, USER),
        slot_info(VAULT, "cred", 1, USER),
        slot_info(VAULT, "cred", 3, USER),
        slot_info(VAULT, "cred", 2, "someone-else"),
        slot_info("other-vault", "cred", 2, USER),
    ):
        with pytest.raises(IntegrityFailure):
            open_slot(pair.box, sealed, other)
    with pytest.raises(IntegrityFailure):
        open_slot(KeyPair.generate().box, sealed, info)
    for index in range(len(sealed)):
        with pytest.raises(IntegrityFailure):
            open_slot(pair.box, flip(sealed, index), info)
    for cut in (0, 16, 32, len(sealed) - 1):
        with pytest.raises(IntegrityFailure):
            open_slot(pair.box, sealed[:cut], info)


def test_signatures() -> None:
    pair = KeyPair.generate()
    sig = pair.signature(b"message")
    assert verify_signature(pair.sign_public, sig, b"message")
    assert not verify_signature(pair.sign_public, sig, b"messagf")
    assert not verify_signature(KeyPair.generate().sign_public, sig, b"message")
    assert not verify_signature(pair.sign_public, flip(sig, 5), b"message")
    assert not verify_signature(b"short", sig, b"message")


def test_from_private_bytes_refuses_wrong_length() -> None:
    with pytest.raises(IntegrityFailure):
        KeyPair.from_private_bytes(os.urandom(63))


def test_fingerprint_is_keyed() -> None:
    a, b = new_scope_key(), new_scope_key()
    assert fingerprint(a, "hunter2") == fingerprint(a, "hunter2")
    assert fingerprint(a, "hunter2") != fingerprint(b, "hunter2")
    assert "hunter2" not in fingerprint(a, "hunter2")


# --- recovery kit ---------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(secret=st.binary(min_size=32, max_size=32))
def test_kit_round_trip(secret: bytes) -> None:
    kit = format_recovery_kit(secret)
    assert kit.startswith("ITX1-")
    assert parse_recovery_kit(kit) == secret
    # typed back from paper: lower case, spaces and line breaks are all right
    assert parse_recovery_kit(kit.lower()) == secret
    assert parse_recovery_kit(" " + kit.replace("-", "- ").replace("ITX1- ", "ITX1-\n")) == secret


@settings(max_examples=50, deadline=None)
@given(secret=st.binary(min_size=32, max_size=32), data=st.data())
def test_kit_with_one_character_changed_is_refused(secret: bytes, data: st.DataObject) -> None:
    kit = format_recovery_kit(secret)
    positions = [i for i, ch in enumerate(kit) if i >= 5 and ch != "-"]
    pos = data.draw(st.sampled_from(positions))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != kit[pos]]))
    garbled = kit[:pos] + replacement + kit[pos + 1 :]
    try:
        parsed = parse_recovery_kit(garbled)
    except BadInput:
        return
    # base32 padding bits can absorb a change only if the secret decodes the same
    assert parsed == secret


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ITX1",
        "ITX2-AAAAA-AAAAA",
        "hello world",
        "ITX1-AAAAA-AAAAA",
        "ITX1-!!!!!-AAAAA",
        "ITX1-" + "A" * 52 + "-ZZZZZ",
    ],
)
def test_garbage_kits_are_bad_input(text: str) -> None:
    with pytest.raises(BadInput):
        parse_recovery_kit(text)


def test_kit_missing_a_group_is_bad_input() -> None:
    kit = format_recovery_kit(new_recovery_secret()).split("-")
    with pytest.raises(BadInput):
        parse_recovery_kit("-".join(kit[:3] + kit[4:]))


def test_kit_keypair_is_deterministic() -> None:
    secret = new_recovery_secret()
    assert recovery_keypair(secret).box_public == recovery_keypair(secret).box_public
    assert recovery_keypair(secret).sign_public == recovery_keypair(secret).sign_public
    assert recovery_keypair(secret).box_public != recovery_keypair(new_recovery_secret()).box_public
    assert base64.b32encode(secret).decode().rstrip("=")[:5] in format_recovery_kit(secret)


def test_kit_is_accepted_as_shown_spaced_or_run_together() -> None:
    secret = new_recovery_secret()
    kit = format_recovery_kit(secret)
    groups = kit.split("-")
    shown = "\n".join(
        ["-".join(groups[0:5]) + "-", "-".join(groups[5:10]) + "-", "-".join(groups[10:])]
    )
    assert parse_recovery_kit(shown) == secret
    assert parse_recovery_kit(" ".join(groups)) == secret
    assert parse_recovery_kit("".join(groups)) == secret
    assert parse_recovery_kit(" ".join(groups).lower()) == secret
    # inside the saved page, with words around it
    page = f"itexit recovery kit\nVault 1234\n\n    {kit}\n\nPrint this page and sign it."
    assert parse_recovery_kit(page) == secret


def test_kit_with_an_extra_letter_is_refused() -> None:
    kit = format_recovery_kit(new_recovery_secret())
    with pytest.raises(BadInput, match="does not add up"):
        parse_recovery_kit(kit + "A")
    with pytest.raises(BadInput, match="does not add up"):
        parse_recovery_kit(kit.replace("-", " ")[:-1])
