"""Mail exports other tools write: old Mac line ends, blank lines before the first message,
messages with neither Message-ID nor Date, and raw Latin-1 bytes inside encoded words."""

from __future__ import annotations

import mailbox as stdlib_mailbox
from pathlib import Path

import pytest
from mailgen import message
from test_mail_service import add_box

from itexit.io.mbox import iter_export, parse_headers
from itexit.services.session import UnlockedVault
from vaulthelpers import Vault, new_vault


@pytest.fixture
def vault(db_url: str) -> Vault:
    v = new_vault(db_url)
    yield v
    v.close()


def mbox_bytes(messages: list[bytes]) -> bytes:
    out = b""
    for number, raw in enumerate(messages):
        out += f"From sender{number}@example.net Thu Oct  1 09:00:00 2026\n".encode()
        text = raw.replace(b"\r\n", b"\n").rstrip(b"\n").replace(b"\nFrom ", b"\n>From ")
        out += text + b"\n\n"
    return out


def stdlib_count(path: Path) -> int:
    return len(stdlib_mailbox.mbox(str(path)))


def imported(session: UnlockedVault, path: Path) -> int:
    return session.mailboxes.import_file("gary", path).added


def test_an_mbox_with_old_mac_line_ends_is_read(vault: Vault, tmp_path: Path) -> None:
    unix = mbox_bytes([message(i) for i in range(6)])
    path = tmp_path / "mac.mbox"
    path.write_bytes(unix.replace(b"\n", b"\r"))
    (tmp_path / "unix.mbox").write_bytes(unix)
    add_box(vault.manager)
    assert imported(vault.manager, path) == stdlib_count(tmp_path / "unix.mbox") == 6
    subjects = [p.headers.subject for p, _, _ in iter_export(path) if p.headers]
    assert subjects == [
        p.headers.subject for p, _, _ in iter_export(tmp_path / "unix.mbox") if p.headers
    ]


def test_blank_lines_before_the_first_message_are_fine(vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "lead.mbox"
    path.write_bytes(b"\n\n" + mbox_bytes([message(i) for i in range(4)]))
    add_box(vault.manager)
    assert imported(vault.manager, path) == stdlib_count(path) == 4


def test_messages_without_id_or_date_stay_distinct(vault: Vault, tmp_path: Path) -> None:
    bare = [
        b"From: Front desk <desk@clinic.example>\nSubject: Printer\nX-Note: first\n\nbody\n",
        b"From: Front desk <desk@clinic.example>\nSubject: Printer\nX-Note: second\n\nbody\n",
        b"From: Front desk <desk@clinic.example>\nSubject: =?utf-8?q?Printer?=\n"
        b"X-Note: third\n\nb\n",
    ]
    path = tmp_path / "bare.mbox"
    path.write_bytes(mbox_bytes(bare))
    add_box(vault.manager)
    assert imported(vault.manager, path) == stdlib_count(path) == 3
    assert imported(vault.manager, path) == 0  # the same file again adds nothing


def test_raw_latin1_bytes_inside_encoded_words_decode_as_a_mail_client_shows_them() -> None:
    block = (
        b"From: =?iso-8859-1?q?J\xfcrgen_M\xfcller?= <j@clinic.example>\n"
        b"Subject: =?utf-8?q?Gr\xfc\xdfe?= aus =?iso-8859-1?q?K=F6ln?=\n"
    )
    headers = parse_headers(block).headers
    assert headers is not None
    assert headers.sender == "Jürgen Müller <j@clinic.example>"
    assert headers.subject == "Grüße aus Köln"
    assert not any("\udc80" <= c <= "\udcff" for c in headers.sender + headers.subject)
