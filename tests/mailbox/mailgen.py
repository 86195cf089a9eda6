"""Fictional messages for the mailbox tests: header blocks, mbox files and Maildir files."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

KINDS = (
    ("Registrar <renewals@registrar.example.net>", "Your domain clinic.example expires soon", ""),
    ("Billing <billing@phoneco.example>", "Invoice 1234 for November", ""),
    ("EHR Support <support@ehr.example.com>", "Ticket [#4411] interface down", ""),
    ("Firewall <security@firewall.example>", "Security alert: 5 failed login attempts", ""),
    ("Weekly <news@weekly.example>", "This week in IT", "<https://weekly.example/u?x=1>"),
    ("Pat <pat@gmail.example>", "Dinner on Saturday?", ""),
    ("Front desk <desk@clinic.example>", "Monitor flickers", ""),
)


def message(i: int, start: datetime | None = None, subject: str | None = None) -> bytes:
    """One small message (headers and a short body); the kind cycles with `i`."""
    sender, default_subject, unsubscribe = KINDS[i % len(KINDS)]
    when = (start or datetime(2026, 10, 1, tzinfo=UTC)) + timedelta(minutes=17 * i)
    lines = [
        f"From: {sender}",
        "To: Gary Holt <gary@clinic.example>",
        f"Subject: {subject if subject is not None else default_subject} {i}",
        f"Date: {format_datetime(when)}",
        f"Message-ID: <msg-{i}@test.example>",
    ]
    if unsubscribe:
        lines += [
            "List-Id: Weekly <weekly.example>",
            f"List-Unsubscribe: {unsubscribe}",
            "Precedence: bulk",
        ]
    body = f"Body of message {i}.\nFrom the desk of nobody.\n"
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    with path.open("wb") as out:
        for raw in messages:
            out.write(b"From MAILER-DAEMON Thu Oct  1 00:00:00 2026\n")
            text = raw.replace(b"\r\n", b"\n")
            # mboxrd: a body line starting with "From " is quoted
            text = b"\n".join(
                b">" + line if line.startswith(b"From ") else line for line in text.split(b"\n")
            )
            out.write(text.rstrip(b"\n") + b"\n\n")
    return path


def fill_maildir(maildir: Path, messages: list[bytes], prefix: str = "m") -> None:
    """Drop messages straight into a Dovecot user's Maildir `cur/` (fast for thousands)."""
    cur = maildir / "cur"
    owner = os.stat(maildir)
    for n, raw in enumerate(messages):
        path = cur / f"{1700000000 + n}.{prefix}{n}.test:2,S"
        path.write_bytes(raw)
        if os.getuid() == 0:
            os.chown(path, owner.st_uid, owner.st_gid)
