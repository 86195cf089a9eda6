"""OpenLDAP (or any LDAP directory): the departing person's own entries and admin groups.

The admin credential binds with its DN (StartTLS or LDAPS, certificate verified) and searches
below the ``base`` option (by default the admin DN's parent). An entry whose ``uid`` or ``cn``
is one of the person's accounts and that holds a password (so it can bind) is a finding; so is
their membership of a group whose name says admin rights (``admin``, ``wheel``, ``sudo``,
``root``…, or the groups named in the ``admin_groups`` option). Closing removes the entry's
password or the membership, and is proven by searching again. The password itself is never
read into a finding: only whether one is there.

Open connections bound as the person's entries are read from slapd's monitor database
(``cn=Connections,cn=Monitor``, which must be configured and readable by the admin DN). slapd
cannot end one connection without a restart, so such a finding says so: the app does not
pretend to close it; a person restarts slapd and re-checks.
"""

from __future__ import annotations

import re
import ssl
from typing import Any

from ldap3 import (
    BASE,
    MODIFY_DELETE,
    SUBTREE,
    Connection,
    Server,
    Tls,
)
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from itexit.domain.sweep import BY_HAND, DepartingIdentity, Finding, FindingKind, HostReport
from itexit.domain.verify import TlsMode
from itexit.sweep.base import SweepProblem, Target, finding, report
from itexit.verifiers.base import one_line

ADMIN_NAMES = re.compile(r"admin|wheel|sudo|root|operator|domain admins", re.I)
MAX_RESULTS = 1000
MONITOR = "cn=Connections,cn=Monitor"


def _base(target: Target) -> str:
    base = target.endpoint.options.get("base", "").strip()
    if base:
        return base
    dn = target.username
    return dn.split(",", 1)[1] if "," in dn else dn


def connect(target: Target, timeout: float) -> Connection:
    tls = None
    if target.endpoint.tls is not TlsMode.NONE:
        tls = Tls(
            validate=ssl.CERT_REQUIRED,
            ca_certs_file=target.endpoint.ca_file,
            version=ssl.PROTOCOL_TLS_CLIENT,
        )
    server = Server(
        target.endpoint.host,
        port=target.port,
        use_ssl=target.endpoint.tls is TlsMode.TLS,
        tls=tls,
        get_info="NO_INFO",
        connect_timeout=max(1, int(timeout)),
    )
    conn = Connection(
        server, user=target.username, password=target.secret, receive_timeout=max(1, int(timeout))
    )
    try:
        conn.open()
        if target.endpoint.tls is TlsMode.STARTTLS and not conn.start_tls():
            raise SweepProblem(f"{target.host} would not start TLS; nothing was sent.")
        if not conn.bind():
            raise SweepProblem(
                f"{target.host} refused the admin account of {target.system!r} "
                f"({conn.result.get('description', 'bind failed')}); verify it."
            )
    except LDAPException as exc:
        conn.unbind()
        raise SweepProblem(
            f"{target.host} could not be read ({one_line(str(exc), 160)})."
        ) from None
    return conn


def _groups(target: Target) -> set[str]:
    return {
        g.strip().lower()
        for g in target.endpoint.options.get("admin_groups", "").split(",")
        if g.strip()
    }


def _search(conn: Connection, base: str, flt: str, attrs: list[str]) -> list[dict[str, Any]]:
    return _search_scope(conn, base, flt, attrs, SUBTREE)


def _search_scope(
    conn: Connection, base: str, flt: str, attrs: list[str], scope: str
) -> list[dict[str, Any]]:
    conn.search(base, flt, scope, attributes=attrs, size_limit=MAX_RESULTS)
    return [
        {"dn": e["dn"], **{k.lower(): v for k, v in e.get("attributes", {}).items()}}
        for e in conn.response or []
        if e.get("type") == "searchResEntry"
    ]


def sweep(target: Target, identity: DepartingIdentity, timeout: float) -> HostReport:
    result = report(target)
    if not identity.accounts:
        return result
    base = _base(target)
    wanted = _groups(target)
    conn = connect(target, timeout)
    bound: dict[str, tuple[str, str]] = {}
    try:
        for account in identity.accounts:
            name = escape_filter_chars(account)
            entries = _search(
                conn, base, f"(|(uid={name})(cn={name}))", ["userPassword", "pwdAccountLockedTime"]
            )
            for entry in entries:
                dn = entry["dn"]
                bound[_norm(dn)] = (account, dn)
                locked = bool(entry.get("pwdaccountlockedtime"))
                if entry.get("userpassword") and not locked:
                    result.findings.append(
                        finding(
                            target,
                            kind=FindingKind.ACCOUNT,
                            subject=f"directory entry {dn}",
                            why=f"{dn} has a password, so it can still log in to everything "
                            "that asks the directory.",
                            closes="Remove the entry's password (it then cannot log in).",
                            evidence={"account": account, "entry": dn},
                        )
                    )
                member = escape_filter_chars(dn)
                groups = _search(
                    conn,
                    base,
                    f"(|(member={member})(uniqueMember={member})(memberUid={name}))",
                    ["cn", "member", "uniqueMember", "memberUid"],
                )
                for group in groups:
                    cn = group.get("cn") or [group["dn"]]
                    label = str(cn[0] if isinstance(cn, list) else cn)
                    if not (ADMIN_NAMES.search(label) or label.lower() in wanted):
                        continue
                    attr = next(
                        (
                            a
                            for a, v in (
                                ("member", dn),
                                ("uniqueMember", dn),
                                ("memberUid", account),
                            )
                            if v in (group.get(a.lower()) or [])
                        ),
                        "member",
                    )
                    value = account if attr == "memberUid" else dn
                    result.findings.append(
                        finding(
                            target,
                            kind=FindingKind.ADMIN_ROLE,
                            subject=f"{account} in the group {label}",
                            why=f"Membership of {label} gives {account} admin rights wherever "
                            "that group is trusted.",
                            closes=f"Take {account} out of {label}.",
                            evidence={
                                "account": account,
                                "role": group["dn"],
                                "attribute": attr,
                                "entry": value,
                            },
                        )
                    )
        _connections(target, conn, bound, result)
    finally:
        conn.unbind()
    return result


def _norm(dn: str) -> str:
    return re.sub(r"\s*([,=+])\s*", r"\1", dn).lower()


def _first(entry: dict[str, Any], name: str) -> str:
    value = entry.get(name.lower()) or [""]
    return str(value[0] if isinstance(value, list) else value)


def _connections(
    target: Target, conn: Connection, bound: dict[str, tuple[str, str]], result: HostReport
) -> None:
    """Each open connection bound as one of the person's entries, from cn=Monitor."""
    if not bound:
        return
    container = _search_scope(conn, MONITOR, "(objectClass=*)", [], BASE)
    if not container:
        result.problems.append(
            f"The open connections to {target.host} could not be listed: the directory's "
            "monitor database (cn=Monitor) is not set up, or the admin account may not read it."
        )
        return
    attrs = [
        "monitorConnectionNumber",
        "monitorConnectionAuthzDN",
        "monitorConnectionPeerAddress",
        "monitorConnectionStartTime",
    ]
    for entry in _search(conn, MONITOR, "(objectClass=monitorConnection)", attrs):
        who = bound.get(_norm(_first(entry, "monitorConnectionAuthzDN")))
        number = _first(entry, "monitorConnectionNumber")
        if who is None or not number.isdigit():
            continue
        account, dn = who
        peer = _first(entry, "monitorConnectionPeerAddress").removeprefix("IP=") or "unknown"
        started = _first(entry, "monitorConnectionStartTime")
        since = (
            f" since {started[:4]}-{started[4:6]}-{started[6:8]} {started[8:10]}:{started[10:12]}"
        )
        result.findings.append(
            finding(
                target,
                kind=FindingKind.SESSION,
                subject=f"directory connection of {account} from {peer}",
                why=f"{dn} is connected to the directory{since if len(started) >= 12 else ''}; "
                "a new password does not end a connection that is already open.",
                closes="Restart the directory server (slapd cannot end one connection "
                "alone), then re-check; the new password and removing the entry's password "
                "keep the person from connecting again.",
                evidence={
                    "account": account,
                    "entry": dn,
                    "pid": number,
                    "peer": peer,
                    BY_HAND: "restart slapd",
                },
            )
        )


def close(target: Target, item: Finding, timeout: float) -> tuple[str, str]:
    ev = item.evidence
    conn = connect(target, timeout)
    try:
        if item.kind is FindingKind.ACCOUNT:
            ok = conn.modify(ev["entry"], {"userPassword": [(MODIFY_DELETE, [])]})
            done = f"removed the password of {ev['entry']}"
        elif item.kind is FindingKind.ADMIN_ROLE:
            ok = conn.modify(ev["role"], {ev["attribute"]: [(MODIFY_DELETE, [ev["entry"]])]})
            done = f"took {ev['account']} out of {ev['role']}"
        elif item.kind is FindingKind.SESSION:
            raise SweepProblem(
                f"The directory server cannot end one open connection without a restart: "
                f"restart slapd, then run `itexit sweep recheck {item.id or 'ID'}` "
                "(the new password and removing the entry's password keep the person out)."
            )
        else:
            raise SweepProblem("The app cannot close that kind of finding in a directory.")
        if not ok:
            raise SweepProblem(
                f"The directory refused the change ({conn.result.get('description', '')})."
            )
        return done, ""
    finally:
        conn.unbind()
