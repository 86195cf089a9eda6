"""Fetch message headers over IMAP (imaplib): chosen folders, incremental by UIDVALIDITY/UID.

Only header fields are fetched (`BODY.PEEK[HEADER.FIELDS (...)]`, which leaves messages
unread). Each folder is read in batches of UIDs; every batch is handed to the caller, which
stores it and the folder's new position in one transaction, so a cancelled or failed sync
resumes where it stopped. A changed UIDVALIDITY means the server renumbered the folder: the
caller drops what it held for that folder and everything is fetched again.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

from itexit.domain.errors import BadInput, CheckFailed
from itexit.domain.mailbox import HEADER_FIELDS, Tls
from itexit.domain.text import plain_reason, without_errno
from itexit.io.mbox import Parsed, parse_headers
from itexit.verifiers.base import client_context

BATCH = 500
FETCH_ITEMS = "(UID BODY.PEEK[HEADER.FIELDS ({})])".format(" ".join(HEADER_FIELDS).upper())
_UID = re.compile(rb"UID (\d+)")


@dataclass(frozen=True)
class ImapTarget:
    host: str
    port: int
    tls: Tls
    username: str
    password: str = field(repr=False)
    ssl_context: ssl.SSLContext | None = None
    ca_file: str | None = None
    """The practice's own certificate authority (from the linked credential), if it has one."""
    timeout: float = 30.0

    def context(self) -> ssl.SSLContext:
        """The context the certificate is checked with: never without checking it."""
        return self.ssl_context or client_context(self.ca_file)


@dataclass(frozen=True)
class FolderPosition:
    uidvalidity: int
    last_uid: int


@dataclass
class FolderBatch:
    """Some messages of one folder; `reset` on the first batch after a UIDVALIDITY change."""

    folder: str
    uidvalidity: int
    last_uid: int
    messages: list[tuple[int, Parsed]]
    reset: bool = False
    done: int = 0
    total: int = 0


def _check(typ: str, data: object, what: str) -> None:
    if typ != "OK":
        detail = ""
        if isinstance(data, list) and data and isinstance(data[0], bytes):
            detail = data[0].decode("utf-8", "replace")
        raise CheckFailed(f"The mail server refused {what}: {detail or typ}.")


def _quote(folder: str) -> str:
    escaped = folder.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def connect(target: ImapTarget) -> imaplib.IMAP4:
    """Open and log in; a wrong password or an unreachable server is one clear sentence."""
    where = f"{target.host}:{target.port}"
    try:
        if target.tls is Tls.SSL:
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                target.host,
                target.port,
                ssl_context=target.context(),
                timeout=target.timeout,
            )
        else:
            conn = imaplib.IMAP4(target.host, target.port, timeout=target.timeout)
            if target.tls is Tls.STARTTLS:
                conn.starttls(ssl_context=target.context())
    except ssl.SSLCertVerificationError as exc:
        if "mismatch" in (exc.verify_message or "").lower():
            raise CheckFailed(
                f"The mail server's certificate at {where} is for another name; nothing was "
                "sent: use the name on the certificate as the server."
            ) from None
        hint = (
            "check the certificate authority file on the linked credential"
            if target.ca_file
            else "if the practice has its own certificate authority, give its file on the "
            "linked credential (credentials, e)"
        )
        raise CheckFailed(
            f"The mail server's certificate at {where} is not trusted; nothing was sent: {hint}."
        ) from None
    except ssl.SSLError as exc:
        raise CheckFailed(
            f"The encrypted connection with the mail server {where} could not be set up "
            f"({exc.reason or 'no reason given'}); nothing was sent: check the port and the "
            "encryption setting."
        ) from None
    except (OSError, imaplib.IMAP4.error) as exc:
        reason = plain_reason(exc) if isinstance(exc, OSError) else without_errno(str(exc))
        raise CheckFailed(f"Cannot reach the mail server {where}: {reason}.") from None
    try:
        conn.login(target.username, target.password)
    except imaplib.IMAP4.error:
        _logout(conn)
        raise CheckFailed(
            f"The mail server {where} refused the login for {target.username}: "
            "check the linked credential's current password."
        ) from None
    return conn


def _logout(conn: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        conn.logout()


def _uidvalidity(conn: imaplib.IMAP4) -> int:
    _typ, data = conn.response("UIDVALIDITY")
    if data and data[0]:
        return int(data[0])
    raise CheckFailed("The mail server sent no UIDVALIDITY for the folder.")


def _parse_fetch(data: list[object]) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            meta, literal = item
            match = _UID.search(meta) if isinstance(meta, bytes) else None
            if match and isinstance(literal, bytes):
                out.append((int(match.group(1)), literal))
    return out


def sync_folders(
    target: ImapTarget,
    folders: list[str],
    positions: dict[str, FolderPosition],
    on_batch: Callable[[FolderBatch], None],
    cancelled: Callable[[], bool] = lambda: False,
    batch_size: int = BATCH,
) -> bool:
    """Fetch what is new in each folder, handing batches to `on_batch`; False if cancelled."""
    if not folders:
        raise BadInput("Choose at least one folder to sync.")
    conn = connect(target)
    try:
        for folder in folders:
            if cancelled():
                return False
            try:
                typ, data = conn.select(_quote(folder), readonly=True)
            except (OSError, imaplib.IMAP4.error) as exc:
                reason = plain_reason(exc) if isinstance(exc, OSError) else str(exc)
                raise CheckFailed(f"Cannot open the folder {folder}: {reason}.") from None
            _check(typ, data, f"to open the folder {folder}")
            validity = _uidvalidity(conn)
            known = positions.get(folder)
            reset = known is not None and known.uidvalidity != validity
            after = 0 if known is None or reset else known.last_uid
            typ, data = conn.uid("SEARCH", f"UID {after + 1}:*")
            _check(typ, data, f"to list the messages of {folder}")
            uids = sorted(uid for uid in (int(x) for x in (data[0] or b"").split()) if uid > after)
            if not uids and reset:
                on_batch(FolderBatch(folder, validity, 0, [], reset=True))
                continue
            total = len(uids)
            for start in range(0, total, batch_size):
                if cancelled():
                    return False
                chunk = uids[start : start + batch_size]
                typ, fetched = conn.uid("FETCH", ",".join(map(str, chunk)), FETCH_ITEMS)
                _check(typ, fetched, f"to send the headers in {folder}")
                raw = _parse_fetch(list(fetched))
                messages = [(uid, parse_headers(block)) for uid, block in raw]
                on_batch(
                    FolderBatch(
                        folder,
                        validity,
                        chunk[-1],
                        messages,
                        reset=reset and start == 0,
                        done=start + len(chunk),
                        total=total,
                    )
                )
        return True
    except OSError as exc:
        raise CheckFailed(f"The connection to {target.host} failed: {plain_reason(exc)}.") from None
    except imaplib.IMAP4.abort as exc:
        raise CheckFailed(
            f"The mail server {target.host} dropped the connection: {without_errno(str(exc))}."
        ) from None
    finally:
        _logout(conn)
