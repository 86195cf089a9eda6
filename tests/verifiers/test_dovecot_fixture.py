"""The Dovecot fixture itself: users, password changes, TLS, STARTTLS, Maildir delivery."""

from __future__ import annotations

import imaplib
import ssl
import time

import pytest


def _ctx(ca_file: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_file)


def test_imaps_login_append_and_search(dovecot_server, imap_user) -> None:
    name, password = imap_user
    with imaplib.IMAP4_SSL(
        dovecot_server.host, dovecot_server.imaps_port, ssl_context=_ctx(dovecot_server.ca_file)
    ) as imap:
        assert imap.login(name, password)[0] == "OK"
        imap.select("INBOX")
        msg = b"From: a@example.test\r\nSubject: renewal notice\r\n\r\nbody\r\n"
        assert imap.append("INBOX", None, None, msg)[0] == "OK"
        _typ, data = imap.search(None, "ALL")
        assert data[0].split() == [b"1"]


def test_starttls_on_plain_imap(dovecot_server, imap_user) -> None:
    name, password = imap_user
    with imaplib.IMAP4(dovecot_server.host, dovecot_server.imap_port) as imap:
        imap.starttls(_ctx(dovecot_server.ca_file))
        assert imap.login(name, password)[0] == "OK"


def test_password_change_takes_effect_at_once(dovecot_server, imap_user) -> None:
    name, old = imap_user
    ctx = _ctx(dovecot_server.ca_file)
    with imaplib.IMAP4_SSL(dovecot_server.host, dovecot_server.imaps_port, ssl_context=ctx) as i:
        i.login(name, old)
    dovecot_server.set_password(name, "imap-new-password")
    with (
        imaplib.IMAP4_SSL(dovecot_server.host, dovecot_server.imaps_port, ssl_context=ctx) as i,
        pytest.raises(imaplib.IMAP4.error),
    ):
        i.login(name, old)
    started = time.monotonic()
    with imaplib.IMAP4_SSL(dovecot_server.host, dovecot_server.imaps_port, ssl_context=ctx) as i:
        assert i.login(name, "imap-new-password")[0] == "OK"
    assert time.monotonic() - started < 2.0  # no login penalty after a failure


def test_maildir_file_is_seen(dovecot_server, imap_user) -> None:
    name, password = imap_user
    new = dovecot_server.maildir(name) / "new"
    dropped = new / "1700000000.M1P1.test"
    dropped.write_bytes(b"Subject: dropped in\r\n\r\nhello\r\n")
    dropped.chmod(0o644)  # as a delivery agent leaves it: readable by the mail server
    with imaplib.IMAP4_SSL(
        dovecot_server.host, dovecot_server.imaps_port, ssl_context=_ctx(dovecot_server.ca_file)
    ) as imap:
        imap.login(name, password)
        _typ, data = imap.select("INBOX", readonly=True)
        assert data == [b"1"]
        _typ, data = imap.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        assert b"dropped in" in data[0][1]


def test_untrusted_ca_is_refused(dovecot_server, tls_ca) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        imaplib.IMAP4_SSL(
            dovecot_server.host,
            dovecot_server.imaps_port,
            ssl_context=_ctx(str(tls_ca.untrusted_ca_file)),
        )
