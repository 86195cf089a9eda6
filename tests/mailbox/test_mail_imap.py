"""IMAP sync against a real Dovecot on loopback: incremental, UIDVALIDITY, malformed, folders,
cancellation, a wrong password, and a 10,000-message mailbox."""

from __future__ import annotations

import imaplib
import re
import ssl
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from mailgen import fill_maildir, message

from itexit.domain.credentials import Category
from itexit.domain.errors import CheckFailed
from itexit.domain.mailbox import NewMailbox, Progress, Tls
from vaulthelpers import Vault, add_credential, new_vault

LEFT = date(2026, 11, 2)


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    v = new_vault(tmp_path / "vault.sqlite")
    yield v
    v.close()


@pytest.fixture
def tls(dovecot_server: Any) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=dovecot_server.ca_file)


def linked_box(
    vault: Vault,
    server: Any,
    user: tuple[str, str],
    tls: Tls = Tls.SSL,
    folders: list[str] | None = None,
) -> str:
    name, password = user
    cred = add_credential(
        vault.manager, f"Mail {name}", category=Category.EMAIL, username=name, secret=password
    )
    vault.manager.mailboxes.add(
        NewMailbox(
            address=f"{name}@clinic.example",
            name=name,
            imap_host=server.host,
            imap_port=server.imaps_port if tls is Tls.SSL else server.imap_port,
            tls=tls,
            credential_id=cred,
            left_on=LEFT,
            folders=folders or ["INBOX"],
        )
    )
    return name


def append(
    server: Any, user: tuple[str, str], messages: list[bytes], folder: str = "INBOX"
) -> None:
    conn = imaplib.IMAP4_SSL(
        server.host,
        server.imaps_port,
        ssl_context=ssl.create_default_context(cafile=server.ca_file),
    )
    try:
        conn.login(*user)
        if folder != "INBOX":
            conn.create(folder)
        for raw in messages:
            typ, _ = conn.append(folder, None, None, raw)
            assert typ == "OK"
    finally:
        conn.logout()


def test_incremental_sync_fetches_only_what_is_new(
    vault: Vault, dovecot_server: Any, imap_user: tuple[str, str], tls: ssl.SSLContext
) -> None:
    name = linked_box(vault, dovecot_server, imap_user)
    fill_maildir(dovecot_server.maildir(imap_user[0]), [message(i) for i in range(5)])
    svc = vault.manager.mailboxes
    first = svc.sync(name, ssl_context=tls)
    assert first.added == 5 and not first.cancelled and first.folders_resynced == []
    append(dovecot_server, imap_user, [message(i) for i in range(5, 8)])
    second = svc.sync(name, ssl_context=tls)
    assert second.added == 3
    assert svc.sync(name, ssl_context=tls).added == 0
    subjects = sorted(m.subject for m in svc.messages(name))
    assert len(subjects) == 8 and subjects[0].startswith("Billing") is False
    state = vault.rows("SELECT folder, last_uid FROM mail_folders")
    assert state == [("INBOX", 8)]
    # headers only: fetching did not mark anything read (BODY.PEEK)
    assert vault.scalar("SELECT count(*) FROM audit_events WHERE action = 'cred.use'") == 3


def test_starttls_and_chosen_folders(
    vault: Vault, dovecot_server: Any, imap_user: tuple[str, str], tls: ssl.SSLContext
) -> None:
    name = linked_box(vault, dovecot_server, imap_user, Tls.STARTTLS, ["INBOX", "Vendors"])
    append(dovecot_server, imap_user, [message(1)])
    append(dovecot_server, imap_user, [message(2), message(3)], folder="Vendors")
    result = vault.manager.mailboxes.sync(name, ssl_context=tls)
    assert result.added == 3
    folders = {m.folder for m in vault.manager.mailboxes.messages(name)}
    assert folders == {"INBOX", "Vendors"}


def _bump_uidvalidity(maildir: Path) -> None:
    uidlist = maildir / "dovecot-uidlist"
    text = uidlist.read_text()
    old = int(re.search(r" V(\d+)", text.splitlines()[0]).group(1))  # type: ignore[union-attr]
    uidlist.write_text(text.replace(f" V{old}", f" V{old + 1000}", 1))
    for index in maildir.glob("dovecot.index*"):
        index.unlink()


def test_a_uidvalidity_change_resyncs_the_folder(
    vault: Vault, dovecot_server: Any, imap_user: tuple[str, str], tls: ssl.SSLContext
) -> None:
    name = linked_box(vault, dovecot_server, imap_user)
    fill_maildir(dovecot_server.maildir(imap_user[0]), [message(i) for i in range(4)])
    svc = vault.manager.mailboxes
    assert svc.sync(name, ssl_context=tls).added == 4
    before = vault.scalar("SELECT uidvalidity FROM mail_folders")
    _bump_uidvalidity(dovecot_server.maildir(imap_user[0]))
    again = svc.sync(name, ssl_context=tls)
    assert again.folders_resynced == ["INBOX"] and again.added == 4
    assert vault.scalar("SELECT uidvalidity FROM mail_folders") != before
    assert len(svc.messages(name)) == 4  # renumbered, not duplicated
    audit = vault.rows("SELECT details FROM audit_events WHERE action = 'mailbox.sync'")
    assert any(
        '"uidvalidity_changed": true' in row[0] or '"uidvalidity_changed":true' in row[0]
        for row in audit
    )


def test_a_malformed_message_is_counted_not_fatal(
    vault: Vault, dovecot_server: Any, imap_user: tuple[str, str], tls: ssl.SSLContext
) -> None:
    name = linked_box(vault, dovecot_server, imap_user)
    bad = (
        b"From: broken@example\r\nSubject: =?utf-8?q?unterminated\r\nDate: not a date\r\n\r\nx\r\n"
    )
    fill_maildir(dovecot_server.maildir(imap_user[0]), [message(1), bad, message(2)])
    result = vault.manager.mailboxes.sync(name, ssl_context=tls)
    assert result.added == 3 and result.malformed == 1


def test_a_rotated_password_not_in_the_vault_is_one_clear_sentence(
    vault: Vault, dovecot_server: Any, imap_user: tuple[str, str], tls: ssl.SSLContext
) -> None:
    name = linked_box(vault, dovecot_server, imap_user)
    dovecot_server.set_password(imap_user[0], "changed-elsewhere-123")
    with pytest.raises(CheckFailed, match=r"refused the login.*linked credential"):
        vault.manager.mailboxes.sync(name, ssl_context=tls)


def test_an_untrusted_certificate_is_refused(
    vault: Vault, dovecot_server: Any, imap_user: tuple[str, str]
) -> None:
    name = linked_box(vault, dovecot_server, imap_user)
    with pytest.raises(CheckFailed, match=r"certificate at .* is not trusted; nothing was sent"):
        vault.manager.mailboxes.sync(name, ssl_context=ssl.create_default_context())


def test_sync_cancels_between_batches_and_resumes(
    vault: Vault, dovecot_server: Any, imap_user: tuple[str, str], tls: ssl.SSLContext
) -> None:
    name = linked_box(vault, dovecot_server, imap_user)
    fill_maildir(dovecot_server.maildir(imap_user[0]), [message(i) for i in range(10)])
    import threading

    cancel = threading.Event()

    def stop(_: Progress) -> bool:
        return False

    first = vault.manager.mailboxes.sync(
        name, progress=stop, cancel=cancel, ssl_context=tls, batch_size=4
    )
    assert first.cancelled and first.added == 4
    rest = vault.manager.mailboxes.sync(name, ssl_context=tls, batch_size=4)
    assert rest.added == 6 and not rest.cancelled


@pytest.mark.slow
def test_a_ten_thousand_message_mailbox(
    vault: Vault, dovecot_server: Any, imap_user: tuple[str, str], tls: ssl.SSLContext
) -> None:
    name = linked_box(vault, dovecot_server, imap_user)
    fill_maildir(dovecot_server.maildir(imap_user[0]), [message(i) for i in range(10_000)])
    seen: list[Progress] = []
    started = time.perf_counter()
    result = vault.manager.mailboxes.sync(name, progress=seen.append, ssl_context=tls)
    elapsed = time.perf_counter() - started
    assert result.added == 10_000 and result.malformed == 0
    assert seen[-1].done == seen[-1].total == 10_000 and len(seen) == 20
    assert vault.manager.mailboxes.counts(name)["newsletter"] == len(range(4, 10_000, 7))
    assert elapsed < 60, elapsed
    assert vault.manager.mailboxes.sync(name, ssl_context=tls).added == 0


def test_the_practices_own_certificate_authority_on_the_login_is_trusted(
    vault: Vault, dovecot_server: Any, imap_user: tuple[str, str]
) -> None:
    """Sync as the app runs it (no context handed in): the certificate is checked, against the
    certificate authority file given on the linked credential, as a check of that login is."""
    from itexit.domain.credentials import CredentialEdit

    name = linked_box(vault, dovecot_server, imap_user)
    append(dovecot_server, imap_user, [message(1), message(2)])
    svc = vault.manager.mailboxes
    with pytest.raises(CheckFailed) as refused:
        svc.sync(name)
    said = str(refused.value)
    assert "certificate" in said and "not trusted" in said and "nothing was sent" in said
    assert "CERTIFICATE_VERIFY_FAILED" not in said and "handshake" not in said
    login = next(c.id for c in vault.manager.credentials.list() if c.system == f"Mail {name}")
    vault.manager.credentials.update(
        login, CredentialEdit(endpoint_options={"ca_file": dovecot_server.ca_file})
    )
    assert svc.sync(name).added == 2
