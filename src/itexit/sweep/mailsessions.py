"""Live mail sessions (IMAP, POP3, ManageSieve) on an SSH host that runs Dovecot.

Dovecot lists who is logged in only on the server itself (``doveadm who``), so these are read
by the SSH reader, as root, over the host's admin credential: the same pinned host key and
the same audited use as every other reading of that host. No other secret is needed: the
doveadm HTTP API is off by default and would need a key of its own in the inventory. The
option ``dovecot_config`` on the SSH admin credential names Dovecot's configuration when it is
not ``/etc/dovecot/dovecot.conf``. A session is ended with ``doveadm kick``, then the host is
asked again until the process is gone.
"""

from __future__ import annotations

import re
import shlex

from itexit.domain.sweep import DepartingIdentity, FindingKind, HostReport
from itexit.sweep.base import MAX_ENTRIES, SweepProblem, Target, finding

SOURCE = "dovecot"
"""The ``session`` evidence of a mail session (an SSH session has none)."""


def _doveadm(target: Target) -> str:
    config = target.endpoint.options.get("dovecot_config", "").strip()
    return "doveadm" + (f" -c {shlex.quote(config)}" if config else "")


def read_section(target: Target, marker: str) -> str:
    """Shell lines for the read script: the connections ``doveadm who -1`` lists, if any."""
    return (
        "if command -v doveadm >/dev/null 2>&1; then\n"
        f'  echo "{marker} IMAP"\n'
        f"  out=$({_doveadm(target)} who -1 2>/dev/null); rc=$?\n"
        f'  printf "%s\\n" "$out" | head -n {MAX_ENTRIES}\n'
        f'  echo "{marker} IMAPRC $rc"\n'
        "fi\n"
    )


def _names(identity: DepartingIdentity) -> set[str]:
    return {n.strip().lower() for n in (*identity.accounts, *identity.emails) if n.strip()}


def findings(
    target: Target, identity: DepartingIdentity, result: HostReport, lines: list[str], rc: str
) -> None:
    """A finding for each connection of the person's mail accounts that Dovecot lists."""
    if rc not in ("", "0") and target.endpoint.options.get("dovecot_config", "").strip():
        result.problems.append(
            f"Dovecot on {target.host} did not list its mail sessions (doveadm who failed); "
            "check the option dovecot_config, or that Dovecot runs."
        )
    wanted = _names(identity)
    if not wanted:
        return
    for line in lines:
        fields = line.split()
        if len(fields) < 3 or fields[0] == "username" or not fields[2].isdigit():
            continue
        user, proto, pid = fields[0], fields[1], fields[2]
        ip = fields[3] if len(fields) > 3 else ""
        if user.lower() not in wanted or not re.fullmatch(r"[\w.+@-]+", user):
            continue
        source = f" from {ip}" if ip else ""
        result.findings.append(
            finding(
                target,
                kind=FindingKind.SESSION,
                subject=f"mail session of {user} ({proto}{source})",
                why=f"{user} is reading mail right now ({proto}{source}); a new password "
                "does not end the session.",
                closes=f"End the session (doveadm kick {user}{' ' + ip if ip else ''}).",
                evidence={
                    "account": user,
                    "pid": pid,
                    "entry": f"{proto} {ip}".strip(),
                    "session": SOURCE,
                },
            )
        )


def kick_script(target: Target, account: str, pid: str, ip: str) -> str:
    """End the session, then wait (up to 5 s) until Dovecot no longer lists its process."""
    if not pid.isdigit() or not re.fullmatch(r"[\w.+@-]+", account):
        raise SweepProblem("The session's details are damaged; nothing was ended.")
    if ip and not re.fullmatch(r"[0-9A-Fa-f.:]+", ip):
        raise SweepProblem("The session's address is damaged; nothing was ended.")
    d = _doveadm(target)
    q = shlex.quote
    listed = f"{d} who -1 {q(account)} 2>/dev/null | awk '$3 == \"{pid}\"' | grep -q ."
    return (
        f"PATH=$PATH:/usr/sbin:/sbin\n{listed} || exit 0\n"
        f"{d} kick {q(account)} {q(ip)} >/dev/null 2>&1\n"
        f"for i in $(seq 50); do {listed} || {{ echo OK; exit 0; }}; sleep 0.1; done\n"
    )
