"""SSH hosts: authorized keys, sudoers, cron, the person's accounts and their open sessions.

The admin credential logs in with its password (the host key pinned as for verification) and
runs one read-only shell script as root (directly, or through ``sudo -n`` for an account that
may). Everything the script prints is framed by markers holding a random nonce, so a file on
the server cannot forge a section. Keys are compared by SHA256 fingerprint.

Where to look can differ between systems: the admin credential's endpoint options
``sshd_config``, ``sudoers`` and ``cron`` (space-separated paths) override the defaults;
``dovecot_config`` names Dovecot's configuration, whose live mail sessions are read too
(:mod:`itexit.sweep.mailsessions`).
"""

from __future__ import annotations

import base64
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import paramiko

from itexit.domain.sweep import (
    DepartingIdentity,
    Finding,
    FindingKind,
    HostReport,
    Severity,
    key_fingerprint,
    normalise_fingerprint,
)
from itexit.domain.wording import agree, count
from itexit.sweep import mailsessions
from itexit.sweep.base import MAX_ENTRIES, READ_LIMIT, SweepProblem, Target, finding, report
from itexit.verifiers.base import one_line
from itexit.verifiers.ssh import HOST_KEY_OPTION, fingerprint

SSHD_CONFIG = "/etc/ssh/sshd_config"
SUDOERS = "/etc/sudoers /etc/sudoers.d"
CRON = "/etc/crontab /etc/cron.d /var/spool/cron/crontabs"
UNUSABLE_SHELLS = ("nologin", "false", "/bin/sync")
ADMIN_GROUPS = ("sudo", "wheel", "admin", "root", "adm")


def connect(target: Target, timeout: float) -> paramiko.SSHClient:
    """Log in as the admin account; the server's host key must match the pinned one first."""
    pinned = target.endpoint.options.get(HOST_KEY_OPTION, "").strip()
    sock = socket.create_connection((target.endpoint.host, target.port), timeout=timeout)
    transport = paramiko.Transport(sock)
    transport.banner_timeout = timeout
    transport.handshake_timeout = timeout
    transport.auth_timeout = timeout
    try:
        try:
            transport.start_client(timeout=timeout)
        except paramiko.SSHException as exc:
            raise SweepProblem(
                f"{target.host} did not complete the SSH handshake within {timeout:g} s "
                f"({one_line(str(exc))}); it was skipped."
            ) from None
        key = transport.get_remote_server_key() if transport.host_key is not None else None
        if key is None:
            raise SweepProblem(
                f"{target.host} did not finish the SSH handshake in time; it was skipped."
            )
        seen = fingerprint(key)
        if not pinned:
            raise SweepProblem(
                f"The SSH host key of {target.host} is {seen}; nothing was sent: confirm it "
                f"and store it on the credential {target.system!r}."
            )
        if normalise_fingerprint(pinned) != seen:
            raise SweepProblem(
                f"The SSH host key of {target.host} is {seen}, not the stored one; the server "
                "may be an impostor, so nothing was sent."
            )
        try:
            transport.auth_password(target.username, target.secret)
        except paramiko.AuthenticationException:
            raise SweepProblem(
                f"{target.host} refused the admin password of {target.system!r}; verify it."
            ) from None
        client = paramiko.SSHClient()
        client._transport = transport  # an authenticated transport handed to the client
        return client
    except BaseException:
        transport.close()
        raise


def run(client: paramiko.SSHClient, script: str, timeout: float) -> str:
    """Run ``script`` with ``sh`` as root (``sudo -n`` when the admin is not root)."""
    command = 'if [ "$(id -u)" = 0 ]; then exec sh -s; else exec sudo -n sh -s; fi'
    channel = client.get_transport().open_session(timeout=timeout)
    channel.settimeout(timeout)
    channel.exec_command(command)
    channel.sendall(script.encode("utf-8") + b"\n")
    channel.shutdown_write()
    chunks: list[bytes] = []
    total = 0
    while True:
        data = channel.recv(65536)
        if not data:
            break
        total += len(data)
        if total <= 64 * READ_LIMIT:
            chunks.append(data)
    status = channel.recv_exit_status()
    err = channel.recv_stderr(4096).decode("utf-8", "replace")
    channel.close()
    if status != 0 and "sudo" in err:
        raise SweepProblem(
            "The admin account can neither read as root nor use sudo without a password."
        )
    return b"".join(chunks).decode("utf-8", "replace")


def _paths(target: Target, option: str, default: str) -> str:
    text = target.endpoint.options.get(option, "").strip() or default
    return " ".join(shlex.quote(p) for p in text.split())


def read_script(target: Target, identity: DepartingIdentity, nonce: str) -> str:
    """The read-only script: every marker carries ``nonce`` so file content cannot fake one."""
    m = f"@@{nonce}"
    accounts = " ".join(shlex.quote(a) for a in identity.accounts)
    return f"""
PATH=$PATH:/usr/sbin:/sbin
M={m}
L={READ_LIMIT}
skip() {{ [ ! -f "$1" ] || case "${{1##*/}}" in *.*|*~) true;; *) false;; esac; }}
dump() {{ echo "$M FILE $1 $(stat -c '%s %Y' "$2") $2"; head -c $L "$2"; echo; echo "$M END"; }}
akf=$(sshd -T -f {shlex.quote(target.endpoint.options.get("sshd_config", "") or SSHD_CONFIG)} \
  2>/dev/null | awk 'tolower($1)=="authorizedkeysfile" {{ $1=""; print }}')
[ -n "$akf" ] || akf='.ssh/authorized_keys .ssh/authorized_keys2'
echo "$M AKF $akf"
getent passwd | while IFS=: read -r user _ uid gid gecos home shell; do
  for pat in $akf; do
    [ "$pat" = none ] && continue
    f=$(printf '%s' "$pat" | sed -e "s#%h#$home#g" -e "s#%u#$user#g" -e 's#%%#%#g')
    case "$f" in /*) ;; *) f="$home/$f";; esac
    [ -f "$f" ] && echo "$M KEYS $user $f"
  done
done | sort -u -k4 | while read -r _ _ user f; do dump "keys:$user" "$f"; done
for p in {_paths(target, "sudoers", SUDOERS)}; do
  if [ -d "$p" ]; then for g in "$p"/*; do skip "$g" || dump sudoers "$g"; done
  elif [ -f "$p" ]; then dump sudoers "$p"; fi
done
for p in {_paths(target, "cron", CRON)}; do
  if [ -d "$p" ]; then for g in "$p"/*; do skip "$g" || dump cron "$g"; done
  elif [ -f "$p" ]; then dump cron "$p"; fi
done
for a in {accounts}; do
  echo "$M PASSWD $a $(getent passwd "$a")"
  echo "$M SHADOW $a $(getent shadow "$a")"
  echo "$M GROUPS $a $(id -Gn "$a" 2>/dev/null)"
done
{mailsessions.read_section(target, m)}echo "$M PS"
ps -eo pid=,user=,args= 2>/dev/null
echo "$M DONE"
"""


@dataclass
class _Read:
    files: list[tuple[str, str, int, int, list[str]]] = field(default_factory=list)
    """(kind, path, size, mtime, lines)"""
    passwd: dict[str, str] = field(default_factory=dict)
    shadow: dict[str, str] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    ps: list[str] = field(default_factory=list)
    mail: list[str] = field(default_factory=list)
    """What ``doveadm who -1`` listed (live mail sessions), and its exit status."""
    mail_rc: str = ""
    done: bool = False


def parse(output: str, nonce: str) -> _Read:
    m = f"@@{nonce} "
    out = _Read()
    current: tuple[str, str, int, int, list[str]] | None = None
    in_ps = in_mail = False
    for line in output.split("\n"):
        if line.startswith(m):
            rest = line[len(m) :]
            word, _, tail = rest.partition(" ")
            if word == "FILE":
                kind, size, mtime, path = [*tail.split(" ", 3), "", "", ""][:4]
                try:
                    current = (kind, path, int(size), int(mtime), [])
                except ValueError:
                    current = None
            elif word == "END" and current is not None:
                if current[4] and current[4][-1] == "":
                    current[4].pop()
                out.files.append(current)
                current = None
            elif word in ("PASSWD", "SHADOW", "GROUPS"):
                account, _, value = tail.partition(" ")
                if word == "PASSWD":
                    out.passwd[account] = value
                elif word == "SHADOW":
                    out.shadow[account] = value
                else:
                    out.groups[account] = value.split()
            elif word == "IMAP":
                in_mail = True
            elif word == "IMAPRC":
                out.mail_rc, in_mail = tail.strip(), False
            elif word == "PS":
                in_ps, in_mail = True, False
            elif word == "DONE":
                out.done = True
                in_ps = False
            continue
        if current is not None:
            current[4].append(line)
        elif in_ps and line.strip():
            out.ps.append(line.strip())
        elif in_mail and line.strip():
            out.mail.append(line.strip())
    return out


def sweep(target: Target, identity: DepartingIdentity, timeout: float) -> HostReport:
    """Read one SSH host and report every way in the departing person still has there."""
    client = connect(target, timeout)
    try:
        nonce = secrets.token_hex(8)
        output = run(client, read_script(target, identity, nonce), timeout)
    finally:
        client.close()
    read = parse(output, nonce)
    result = report(target)
    if not read.done:
        result.problems.append(f"The reading of {target.host} stopped part-way; run it again.")
    for kind, path, size, mtime, lines in read.files:
        if size > READ_LIMIT:
            result.problems.append(
                f"{path} on {target.host} is {size / 1048576:.1f} MB; only its first "
                f"{READ_LIMIT // 1048576} MB was read: look at it by hand."
            )
        if len(lines) > MAX_ENTRIES:
            result.problems.append(
                f"{path} on {target.host} has {len(lines)} lines; only the first "
                f"{MAX_ENTRIES} were read: look at it by hand."
            )
            lines = lines[:MAX_ENTRIES]
        changed = datetime.fromtimestamp(mtime, UTC).date() if mtime else None
        if kind.startswith("keys:"):
            _keys(target, identity, result, kind[5:], path, changed, lines)
        elif kind == "sudoers":
            _sudoers(target, identity, result, path, lines)
        elif kind == "cron":
            _cron(target, identity, result, path, lines)
    _accounts(target, identity, result, read)
    _sessions(target, identity, result, read)
    mailsessions.findings(target, identity, result, read.mail, read.mail_rc)
    return result


def _keys(
    target: Target,
    identity: DepartingIdentity,
    result: HostReport,
    account: str,
    path: str,
    changed: date | None,
    lines: list[str],
) -> None:
    damaged = 0
    recent = identity.since is not None and changed is not None and changed > identity.since
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            print_ = key_fingerprint(text)
        except ValueError:
            damaged += 1
            continue
        evidence = {
            "fingerprint": print_,
            "account": account,
            "file": path,
            "line": str(number),
            "public_key": public_part(text),
        }
        theirs = identity.person_key(print_)
        if theirs is not None:
            label = f" ({theirs.label})" if theirs.label else ""
            result.findings.append(
                finding(
                    target,
                    kind=FindingKind.SSH_KEY,
                    subject=f"{identity.name or 'the departing person'}'s key{label} for {account}",
                    why=f"Their key {print_} still lets them log in as {account}, whatever "
                    "the password is.",
                    closes=f"Remove the key from {path} (a backup of the file is kept).",
                    evidence=evidence,
                    severity=Severity.ALERT,
                )
            )
        elif identity.trusted_key(print_) is None:
            since = f" (the file changed after {identity.since:%d %b %Y})" if recent else ""
            result.findings.append(
                finding(
                    target,
                    kind=FindingKind.SSH_KEY,
                    subject=f"unknown key for {account}",
                    why=f"Nobody has said whose key {print_} is, and it lets its holder log "
                    f"in as {account}{since}.",
                    closes=f"Remove the key from {path}, or record whose it is.",
                    evidence=evidence,
                    severity=Severity.ALERT if recent else Severity.WARN,
                )
            )
    if damaged:
        result.problems.append(
            f"{count(damaged, 'line')} of {path} on {target.host} {agree(damaged, 'is')} not "
            f"{agree(damaged, 'a public key', 'public keys')} and {agree(damaged, 'was')} "
            "skipped: look at them by hand."
        )


def _names(identity: DepartingIdentity) -> re.Pattern[str] | None:
    if not identity.accounts:
        return None
    words = "|".join(re.escape(a) for a in identity.accounts)
    return re.compile(rf"(?<![\w.-])({words})(?![\w.-])")


def _sudoers(
    target: Target, identity: DepartingIdentity, result: HostReport, path: str, lines: list[str]
) -> None:
    pattern = _names(identity)
    if pattern is None:
        return
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or (text.startswith("#") and not text.startswith("#include")):
            continue
        match = pattern.search(text)
        if match is None:
            continue
        result.findings.append(
            finding(
                target,
                kind=FindingKind.SUDOERS,
                subject=f"sudo rule naming {match.group(1)} in {path}",
                why=f"The rule “{text[:120]}” gives {match.group(1)} admin rights on this host.",
                closes=f"Remove the line from {path} (a backup is kept; the file is checked "
                "with visudo before it is replaced).",
                evidence={"file": path, "line": str(number), "entry": text},
            )
        )


def _cron(
    target: Target, identity: DepartingIdentity, result: HostReport, path: str, lines: list[str]
) -> None:
    pattern = _names(identity)
    if pattern is None:
        return
    own = path.rsplit("/", 1)[-1] if "/spool/" in path else ""
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#") or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", text):
            continue
        match = pattern.search(text)
        who = own if own in identity.accounts else (match.group(1) if match else "")
        if not who:
            continue
        result.findings.append(
            finding(
                target,
                kind=FindingKind.CRON,
                subject=f"scheduled job of {who} in {path}",
                why=f"The job “{text[:120]}” runs on this host for or as {who}.",
                closes=f"Remove the line from {path} (a backup is kept).",
                evidence={"file": path, "line": str(number), "entry": text},
            )
        )


def _accounts(target: Target, identity: DepartingIdentity, result: HostReport, read: _Read) -> None:
    today_days = (date.today() - date(1970, 1, 1)).days
    for account in identity.accounts:
        entry = read.passwd.get(account, "")
        if not entry:
            continue
        fields = entry.split(":")
        shell = fields[6] if len(fields) > 6 else ""
        shadow = read.shadow.get(account, "").split(":")
        password = shadow[1] if len(shadow) > 1 else ""
        expire = shadow[7] if len(shadow) > 7 else ""
        locked = password.startswith("!")
        expired = expire.isdigit() and int(expire) <= today_days
        unusable = not shell or any(shell.endswith(s) for s in UNUSABLE_SHELLS)
        if not (locked or expired or unusable):
            result.findings.append(
                finding(
                    target,
                    kind=FindingKind.ACCOUNT,
                    subject=f"account {account}",
                    why=f"The account {account} is neither locked nor expired: a key or a "
                    "password they know still logs in.",
                    closes=f"Lock and expire {account} (usermod -L -e 1).",
                    evidence={"account": account},
                )
            )
        for group in read.groups.get(account, []):
            if group in ADMIN_GROUPS:
                result.findings.append(
                    finding(
                        target,
                        kind=FindingKind.ADMIN_ROLE,
                        subject=f"{account} in the {group} group",
                        why=f"Membership of {group} gives {account} admin rights on this host.",
                        closes=f"Take {account} out of {group} (gpasswd -d).",
                        evidence={"account": account, "role": group},
                    )
                )


SESSION = re.compile(r"^sshd(?:-session)?: ([^\s@]+)@(\S+)")


def _sessions(target: Target, identity: DepartingIdentity, result: HostReport, read: _Read) -> None:
    for line in read.ps:
        pid, _, rest = line.partition(" ")
        _user, _, args = rest.strip().partition(" ")
        match = SESSION.match(args.strip())
        if not pid.isdigit() or match is None or match.group(1) not in identity.accounts:
            continue
        account, tty = match.groups()
        result.findings.append(
            finding(
                target,
                kind=FindingKind.SESSION,
                subject=f"SSH session of {account} ({tty})",
                why=f"{account} is logged in right now; a new password does not end it.",
                closes=f"End the session (process {pid}).",
                evidence={"account": account, "pid": pid, "entry": args.strip()},
            )
        )


# --- closing -----------------------------------------------------------------------------


def close(target: Target, item: Finding, timeout: float) -> tuple[str, str]:
    """Close one finding on the host; returns (what was done, the backup file if one was kept)."""
    client = connect(target, timeout)
    try:
        return _close(target, client, item, timeout)
    finally:
        client.close()


def _close(
    target: Target, client: paramiko.SSHClient, item: Finding, timeout: float
) -> tuple[str, str]:
    ev = item.evidence
    q = shlex.quote
    if item.kind is FindingKind.ACCOUNT:
        _must(run(client, f"usermod -L -e 1 {q(ev['account'])} && echo OK", timeout))
        return f"locked and expired the account {ev['account']}", ""
    if item.kind is FindingKind.ADMIN_ROLE:
        _must(
            run(
                client,
                f"gpasswd -d {q(ev['account'])} {q(ev['role'])} >/dev/null && echo OK",
                timeout,
            )
        )
        return f"took {ev['account']} out of {ev['role']}", ""
    if item.kind is FindingKind.SESSION and ev.get("session") == mailsessions.SOURCE:
        ip = ev.get("entry", "").partition(" ")[2]
        script = mailsessions.kick_script(target, ev["account"], ev["pid"], ip)
        _must(run(client, script, timeout), "The mail session had already ended.")
        return f"ended the mail session of {ev['account']} (process {ev['pid']})", ""
    if item.kind is FindingKind.SESSION:
        pid = ev["pid"]
        if not pid.isdigit():
            raise SweepProblem("The session's process number is damaged; nothing was ended.")
        script = (
            f'a=$(ps -o args= -p {pid}); [ "$a" = {q(ev.get("entry", ""))} ] '
            f"&& kill -TERM {pid} && echo OK"
        )
        _must(run(client, script, timeout), "The session had already ended or changed.")
        return f"ended the session (process {pid})", ""
    path = ev["file"]
    if item.kind is FindingKind.SSH_KEY:
        wanted = ev["fingerprint"]

        def keep(line: str) -> bool:
            try:
                return key_fingerprint(line.strip()) != wanted
            except ValueError:
                return True

        what = f"removed key {wanted} from {path}"
        backup = _rewrite(client, path, keep, timeout, sudoers=False)
        accepted = key_accepted(target, ev["account"], ev.get("public_key", ""), timeout)
        if accepted:
            raise SweepProblem(
                f"The key was removed from {path} (backup {backup}), but {target.host} still "
                f"accepts it for {ev['account']}: another file or setting grants it."
            )
        if accepted is False:
            what += f"; {target.host} no longer accepts it for {ev['account']}"
        return what, backup
    entry = ev["entry"]

    def keep_line(line: str) -> bool:
        return line.strip() != entry

    backup = _rewrite(client, path, keep_line, timeout, sudoers=item.kind is FindingKind.SUDOERS)
    return f"removed “{entry[:60]}” from {path}", backup


def _must(output: str, why: str = "The host refused the change.") -> None:
    if "OK" not in output.split():
        raise SweepProblem(why)


def _rewrite(
    client: paramiko.SSHClient,
    path: str,
    keep: Callable[[str], bool],
    timeout: float,
    *,
    sudoers: bool,
) -> str:
    """Back the file up beside itself, then replace it with the kept lines (same owner, mode)."""
    nonce = secrets.token_hex(8)
    q = shlex.quote(path)
    text = run(client, f"cat {q} && echo @@{nonce}", timeout)
    if f"@@{nonce}" not in text:
        raise SweepProblem(f"{path} could not be read, so nothing was changed.")
    body = text.rsplit(f"@@{nonce}", 1)[0]
    lines = body.split("\n")
    kept = [line for line in lines if keep(line)]
    if len(kept) == len(lines):
        raise SweepProblem(f"{path} no longer holds that line; nothing was changed.")
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    backup = f"{path}.itexit-{stamp}"
    new = "\n".join(kept).encode("utf-8")
    check = 'visudo -c -q -f "$t" >/dev/null 2>&1 || { rm -f "$t"; exit 3; }' if sudoers else ":"
    script = (
        f"set -e; t={q}.itexit-new; cp -p {q} {shlex.quote(backup)}; "
        f"base64 -d > \"$t\" <<'@@{nonce}'\n{base64.b64encode(new).decode()}\n@@{nonce}\n"
        f'chown --reference={q} "$t"; chmod --reference={q} "$t"; '
        f'{check}; mv "$t" {q}; echo OK; exit 0\n'
    )
    _must(run(client, script, timeout), f"{path} could not be replaced; it is unchanged.")
    return backup


def public_part(line: str) -> str:
    """The ``type base64`` part of an authorized_keys line (no options, no comment)."""
    parts = line.split()
    for index, part in enumerate(parts[:-1]):
        if _KEY_TYPE.match(part):
            return f"{part} {parts[index + 1]}"
    return ""


_KEY_TYPE = re.compile(r"^(ssh-|ecdsa-|sk-)")


def key_accepted(target: Target, account: str, public_key: str, timeout: float) -> bool | None:
    """Whether the host would accept ``public_key`` for ``account``, asked without the private key.

    OpenSSH's client offers a public key before it needs the private half, and the server says
    whether it would take it ("Server accepts key"). The host key is pinned as for the admin
    login. None when that cannot be asked (no ``ssh`` client, no public key, host unreachable).
    """
    client_program = shutil.which("ssh")
    if (
        client_program is None
        or not public_key
        or not account
        or target.endpoint.host.startswith("-")
    ):
        return None
    transport = None
    try:
        sock = socket.create_connection((target.endpoint.host, target.port), timeout=timeout)
        transport = paramiko.Transport(sock)
        transport.start_client(timeout=timeout)
        key = transport.get_remote_server_key()
        pinned = target.endpoint.options.get(HOST_KEY_OPTION, "").strip()
        if not pinned or normalise_fingerprint(pinned) != fingerprint(key):
            return None
        host_line = f"{key.get_name()} {key.get_base64()}"
    except (OSError, paramiko.SSHException):
        return None
    finally:
        if transport is not None:
            transport.close()
    with tempfile.TemporaryDirectory(prefix="itexit-sweep-") as folder:
        known = Path(folder) / "known_hosts"
        name = (
            target.endpoint.host if target.port == 22 else f"[{target.endpoint.host}]:{target.port}"
        )
        known.write_text(f"{name} {host_line}\n")
        offered = Path(folder) / "offered.pub"
        offered.write_text(public_key + "\n")
        argv = [
            client_program,
            "-F",
            "/dev/null",
            "-v",
            "-i",
            str(offered),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "PreferredAuthentications=publickey",
            "-o",
            "IdentityAgent=none",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            f"UserKnownHostsFile={known}",
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            f"ConnectTimeout={max(1, int(timeout))}",
            "-p",
            str(target.port),
            "-l",
            account,
            target.endpoint.host,
            "true",
        ]
        try:
            done = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=timeout + 5,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
    if "Server accepts key" in done.stderr:
        return True
    if "Offering public key" in done.stderr:
        return False
    return None
