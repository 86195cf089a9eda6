"""Mail: Sieve rules on the practice's mailboxes that send mail away, read over ManageSieve.

The admin credential is a Dovecot master user (or any account the server lets act for other
mailboxes): it logs in to each mailbox with SASL PLAIN naming the mailbox as the
authorisation identity, after STARTTLS with the certificate verified. A ``redirect`` to an
address outside the practice's mail domains, or to one of the departing person's own
addresses, is a finding. Removing it keeps the old script on the server under a backup name,
checks the new one with the server (CHECKSCRIPT) before it replaces the active script, and is
proven by reading the active script back.
"""

from __future__ import annotations

import base64
import re
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime

from itexit.domain.sweep import DepartingIdentity, Finding, FindingKind, HostReport, outside
from itexit.domain.text import plain_reason
from itexit.domain.verify import TlsMode
from itexit.sweep.base import READ_LIMIT, SweepProblem, Target, finding, report
from itexit.verifiers.base import one_line, tls_context

MAX_SCRIPTS = 200
"""Scripts looked at in one mailbox; more are named and skipped."""

BACKUP_MARK = "-itexit-"


class ManageSieve:
    """A small RFC 5804 client: STARTTLS, AUTHENTICATE PLAIN, LIST/GET/CHECK/PUT/SETACTIVE."""

    def __init__(self, target: Target, timeout: float) -> None:
        self.target = target
        self.sock: socket.socket = socket.create_connection(
            (target.endpoint.host, target.port), timeout=timeout
        )
        self.file = self.sock.makefile("rb")
        self._response()
        if target.endpoint.tls is not TlsMode.NONE:
            self._send("STARTTLS")
            ok, _text, _ = self._response()
            if not ok:
                raise SweepProblem(f"{target.host} does not offer STARTTLS; nothing was sent.")
            try:
                self.sock = tls_context(target.endpoint).wrap_socket(
                    self.sock, server_hostname=target.endpoint.host
                )
            except ssl.SSLError as exc:
                raise SweepProblem(
                    f"The TLS certificate or handshake of {target.host} failed "
                    f"({one_line(str(getattr(exc, 'verify_message', '') or exc.reason))}); "
                    "nothing was sent."
                ) from None
            self.file = self.sock.makefile("rb")
            self._response()

    def close(self) -> None:
        with suppress(OSError):
            self._send("LOGOUT")
        self.sock.close()

    def _send(self, line: str, literal: bytes | None = None) -> None:
        data = line.encode("utf-8")
        if literal is not None:
            data += b" {%d+}\r\n" % len(literal) + literal
        self.sock.sendall(data + b"\r\n")

    def _line(self) -> bytes:
        line = self.file.readline(64 * 1024)
        if not line:
            raise SweepProblem(f"{self.target.host} closed the connection.")
        return line

    def _literal(self, size: int) -> bytes:
        kept = self.file.read(min(size, READ_LIMIT))
        left = size - len(kept)
        while left > 0:
            chunk = self.file.read(min(left, 65536))
            if not chunk:
                break
            left -= len(chunk)
        self.file.readline()
        return kept + (b"\x00TRUNCATED" if size > READ_LIMIT else b"")

    def _response(self) -> tuple[bool, str, list[bytes]]:
        """(OK?, the server's text, data lines with any literal appended)."""
        data: list[bytes] = []
        while True:
            line = self._line()
            match = re.match(rb"^(OK|NO|BYE)\b ?(.*)", line)
            literal = re.search(rb"\{(\d+)\+?\}\r?\n$", line)
            if match:
                raw = match.group(2)
                if literal:  # the server's words came as a literal string
                    raw = raw[: literal.start() - match.start(2)] + self._literal(
                        int(literal.group(1))
                    )
                text = raw.decode("utf-8", "replace").strip().strip('"')
                return match.group(1) == b"OK", text, data
            if literal:
                data.append(line[: literal.start()] + self._literal(int(literal.group(1))))
            else:
                data.append(line)
            if len(data) > 10 * MAX_SCRIPTS:
                raise SweepProblem(f"{self.target.host} sent far more than asked; it was skipped.")

    def login(self, mailbox: str) -> bool:
        raw = f"{mailbox}\x00{self.target.username}\x00{self.target.secret}".encode()
        self._send(f'AUTHENTICATE "PLAIN" "{base64.b64encode(raw).decode("ascii")}"')
        ok, _text, _ = self._response()
        return ok

    def scripts(self) -> list[tuple[str, bool]]:
        self._send("LISTSCRIPTS")
        ok, text, data = self._response()
        if not ok:
            raise SweepProblem(f"{self.target.host} would not list the scripts ({text}).")
        out = []
        for line in data:
            match = re.match(rb'^"((?:[^"\\]|\\.)*)"( ACTIVE)?', line)
            if match:
                out.append((_unquote(match.group(1)), bool(match.group(2))))
        return out

    def get(self, name: str) -> str:
        self._send(f"GETSCRIPT {_quote(name)}")
        ok, text, data = self._response()
        if not ok:
            raise SweepProblem(f"The script {name!r} could not be read ({text}).")
        return b"".join(data).decode("utf-8", "replace")

    def check(self, text: str) -> str | None:
        """None when the server accepts the script, else its reason."""
        self._send("CHECKSCRIPT", text.encode("utf-8"))
        ok, reason, _ = self._response()
        return None if ok else one_line(reason)

    def put(self, name: str, text: str) -> None:
        self._send(f"PUTSCRIPT {_quote(name)}", text.encode("utf-8"))
        ok, reason, _ = self._response()
        if not ok:
            raise SweepProblem(f"The server refused the script {name!r} ({one_line(reason)}).")

    def activate(self, name: str) -> None:
        self._send(f"SETACTIVE {_quote(name)}")
        ok, reason, _ = self._response()
        if not ok:
            raise SweepProblem(f"The server would not activate {name!r} ({one_line(reason)}).")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unquote(raw: bytes) -> str:
    return re.sub(rb"\\(.)", rb"\1", raw).decode("utf-8", "replace")


@contextmanager
def session(target: Target, mailbox: str, timeout: float) -> Iterator[ManageSieve]:
    client = ManageSieve(target, timeout)
    try:
        if not client.login(mailbox):
            raise SweepProblem(
                f"{target.host} refused the admin account of {target.system!r} for the "
                f"mailbox {mailbox}."
            )
        yield client
    finally:
        client.close()


_COMMENTS = re.compile(r'#[^\n]*|/\*.*?\*/|"(?:[^"\\]|\\.)*"', re.S)
REDIRECT = re.compile(
    r'\bredirect\b((?:\s+:[A-Za-z_]+)*)\s+"((?:[^"\\]|\\.)*)"((?:\s+:[A-Za-z_]+)*)\s*;'
)


def _code(text: str) -> str:
    """The script with comments blanked (strings kept), so a commented-out rule is not found."""

    def blank(match: re.Match[str]) -> str:
        token = match.group(0)
        return token if token.startswith('"') else re.sub(r"[^\n]", " ", token)

    return _COMMENTS.sub(blank, text)


def redirects(text: str) -> list[tuple[str, bool]]:
    """Every ``redirect`` in the script: (address, whether a copy is kept)."""
    return [
        (m.group(2).replace('\\"', '"'), ":copy" in (m.group(1) + m.group(3)))
        for m in REDIRECT.finditer(_code(text))
    ]


def without(text: str, address: str) -> str:
    """The script with every ``redirect`` to ``address`` removed (comments left as they are)."""
    code = _code(text)
    out, last = [], 0
    for m in REDIRECT.finditer(code):
        if m.group(2).replace('\\"', '"').lower() == address.lower():
            out.append(text[last : m.start()])
            last = m.end()
    out.append(text[last:])
    return "".join(out)


def sweep(target: Target, identity: DepartingIdentity, timeout: float) -> HostReport:
    """Read the Sieve scripts of each of the practice's mailboxes on this server."""
    result = report(target)
    if not target.mailboxes:
        result.problems.append(
            f"No mailboxes on {target.host} are in the inventory; add them (or list them in "
            "the admin credential's 'mailboxes' option) so the sweep can read their rules."
        )
        return result
    for mailbox in target.mailboxes:
        try:
            _mailbox(target, identity, timeout, mailbox, result)
        except SweepProblem as exc:
            result.problems.append(f"{mailbox}: {exc}")
        except (OSError, ValueError) as exc:
            if isinstance(exc, (ConnectionRefusedError, TimeoutError, socket.gaierror)):
                raise
            reason = plain_reason(exc) if isinstance(exc, OSError) else str(exc)
            result.problems.append(f"{mailbox} on {target.host} could not be read ({reason}).")
    return result


def _mailbox(
    target: Target,
    identity: DepartingIdentity,
    timeout: float,
    mailbox: str,
    result: HostReport,
) -> None:
    with session(target, mailbox, timeout) as client:
        scripts = client.scripts()
        if len(scripts) > MAX_SCRIPTS:
            result.problems.append(
                f"{mailbox} has {len(scripts)} Sieve scripts; only the active one and the "
                f"first {MAX_SCRIPTS} were read."
            )
            scripts = [s for s in scripts if s[1]] + scripts[:MAX_SCRIPTS]
        for name, active in scripts:
            if not active:
                continue  # only the active script runs
            text = client.get(name)
            if "\x00TRUNCATED" in text:
                result.problems.append(
                    f"The Sieve script {name!r} of {mailbox} is larger than "
                    f"{READ_LIMIT // 1048576} MB; only its start was read: look at it by hand."
                )
                text = text.split("\x00TRUNCATED", 1)[0]
            reason = client.check(text)
            if reason is not None:
                result.problems.append(
                    f"The Sieve script {name!r} of {mailbox} is not valid Sieve ({reason}); "
                    "its redirects were looked for anyway, but read it by hand."
                )
            for address, copy in redirects(text):
                why = outside(address, identity)
                if why is None:
                    continue
                kept = "a copy" if copy else "every message"
                result.findings.append(
                    finding(
                        target,
                        kind=FindingKind.MAIL_FORWARD,
                        subject=f"{mailbox} forwards to {address}",
                        why=f"The mailbox's rule sends {kept} to {address}: {why}.",
                        closes=f"Remove the redirect from the script {name!r} (the old script "
                        "is kept on the server as a backup).",
                        evidence={"mailbox": mailbox, "script": name, "address": address},
                    )
                )


def close(target: Target, item: Finding, timeout: float) -> tuple[str, str]:
    """Remove the redirect from the active script, then read the active script back."""
    mailbox, name, address = (item.evidence[k] for k in ("mailbox", "script", "address"))
    with session(target, mailbox, timeout) as client:
        active = [n for n, on in client.scripts() if on]
        if name not in active:
            raise SweepProblem(f"The script {name!r} of {mailbox} is no longer the active one.")
        text = client.get(name)
        if "\x00TRUNCATED" in text:
            raise SweepProblem(f"The script {name!r} is too large to change safely; do it by hand.")
        new = without(text, address)
        if new == text:
            raise SweepProblem(f"The script {name!r} no longer redirects to {address}.")
        reason = client.check(new)
        if reason is not None:
            raise SweepProblem(
                f"Without the redirect the script {name!r} is not valid Sieve ({reason}); "
                "nothing was changed: edit it by hand."
            )
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        backup = f"{name}{BACKUP_MARK}{stamp}"
        client.put(backup, text)
        client.put(name, new)
        client.activate(name)
        back = client.get(next(n for n, on in client.scripts() if on))
        if any(a.lower() == address.lower() for a, _ in redirects(back)):
            raise SweepProblem(f"The active script of {mailbox} still redirects to {address}.")
    return f"removed the redirect to {address} from {mailbox}'s script {name!r}", backup
