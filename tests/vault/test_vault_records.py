"""Record documents are bound to their address: moved or relabelled ciphertexts do not open."""

from __future__ import annotations

import dataclasses
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itexit.domain.errors import IntegrityFailure
from itexit.vault import aead
from itexit.vault.records import RecordAddress, decrypt_document, encrypt_document
from vaulthelpers import flip

KEY = bytes(range(32))
ADDRESS = RecordAddress(
    vault_id="0b1c7a52-8d7e-4a43-9a0f-6a3c1e2f9d10",
    table="credentials",
    record_id="5e0f1c2d-3b4a-4c5d-8e9f-0a1b2c3d4e5f",
    version=3,
    scope="cred",
    epoch=2,
    labels={"system": "EHR", "category": "ehr"},
)
DOC = {"username": "front-desk", "notes": "the one with the sticky note"}


@pytest.fixture
def blob() -> bytes:
    return encrypt_document(KEY, ADDRESS, DOC)


def test_round_trip(blob: bytes) -> None:
    assert decrypt_document(KEY, ADDRESS, blob) == DOC


def test_fresh_nonce_every_time() -> None:
    a, b = encrypt_document(KEY, ADDRESS, DOC), encrypt_document(KEY, ADDRESS, DOC)
    assert a != b
    assert a[1 : 1 + aead.NONCE_BYTES] != b[1 : 1 + aead.NONCE_BYTES]


def test_plaintext_not_in_ciphertext(blob: bytes) -> None:
    for value in DOC.values():
        assert value.encode() not in blob


@pytest.mark.parametrize(
    "change",
    [
        {"table": "secret_versions"},
        {"table": "exit_statements"},
        {"record_id": "5e0f1c2d-3b4a-4c5d-8e9f-0a1b2c3d4e50"},
        {"vault_id": "0b1c7a52-8d7e-4a43-9a0f-6a3c1e2f9d11"},
        {"version": 2},
        {"version": 4},
        {"scope": "hr"},
        {"epoch": 1},
        {"epoch": 3},
        {"labels": {"system": "Payroll", "category": "ehr"}},
        {"labels": {"system": "EHR", "category": "banking"}},
        {"labels": {"system": "EHR"}},
        {"labels": {"system": "EHR", "category": "ehr", "host": "x"}},
        {"labels": {"System": "EHR", "category": "ehr"}},
        {"labels": {}},
    ],
    ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()),
)
def test_any_change_of_address_fails(blob: bytes, change: dict[str, object]) -> None:
    moved = dataclasses.replace(ADDRESS, **change)  # type: ignore[arg-type]
    with pytest.raises(IntegrityFailure):
        decrypt_document(KEY, moved, blob)


def test_label_order_does_not_matter(blob: bytes) -> None:
    same = dataclasses.replace(ADDRESS, labels={"category": "ehr", "system": "EHR"})
    assert decrypt_document(KEY, same, blob) == DOC


def test_wrong_key_fails(blob: bytes) -> None:
    with pytest.raises(IntegrityFailure):
        decrypt_document(os.urandom(32), ADDRESS, blob)


def test_every_single_bit_flip_fails(blob: bytes) -> None:
    for index in range(len(blob)):
        for mask in (0x01, 0x80):
            with pytest.raises(IntegrityFailure):
                decrypt_document(KEY, ADDRESS, flip(blob, index, mask))


@pytest.mark.parametrize("cut", [0, 1, 12, 13, 28, -1, -16])
def test_truncated_blob_fails(blob: bytes, cut: int) -> None:
    with pytest.raises(IntegrityFailure):
        decrypt_document(KEY, ADDRESS, blob[:cut])


def test_appended_bytes_fail(blob: bytes) -> None:
    with pytest.raises(IntegrityFailure):
        decrypt_document(KEY, ADDRESS, blob + b"\x00")


def test_unknown_format_byte_fails(blob: bytes) -> None:
    with pytest.raises(IntegrityFailure, match="malformed"):
        decrypt_document(KEY, ADDRESS, b"\x02" + blob[1:])


def test_failure_message_names_no_plaintext_or_key(blob: bytes) -> None:
    with pytest.raises(IntegrityFailure) as info:
        decrypt_document(KEY, dataclasses.replace(ADDRESS, epoch=9), blob)
    text = str(info.value)
    assert "altered or moved" in text
    for value in DOC.values():
        assert value not in text
    assert KEY.hex() not in text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(
    doc=st.dictionaries(st.text(max_size=12), json_values, max_size=5),
    labels=st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
    version=st.integers(min_value=1, max_value=10**6),
    epoch=st.integers(min_value=1, max_value=10**6),
)
def test_round_trip_any_document(
    doc: dict[str, object], labels: dict[str, str], version: int, epoch: int
) -> None:
    address = dataclasses.replace(ADDRESS, labels=labels, version=version, epoch=epoch)
    blob = encrypt_document(KEY, address, doc)
    assert decrypt_document(KEY, address, blob) == doc
    with pytest.raises(IntegrityFailure):
        decrypt_document(KEY, dataclasses.replace(address, epoch=epoch + 1), blob)
    with pytest.raises(IntegrityFailure):
        decrypt_document(KEY, dataclasses.replace(address, version=version + 1), blob)


def test_canonical_is_order_independent_and_compact() -> None:
    assert aead.canonical({"b": 1, "a": [1, 2]}) == b'{"a":[1,2],"b":1}'
    assert aead.canonical({"a": [1, 2], "b": 1}) == aead.canonical({"b": 1, "a": [1, 2]})
