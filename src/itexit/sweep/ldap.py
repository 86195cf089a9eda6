"""OpenLDAP (or any LDAP directory): the departing person's own entries and admin groups.

The admin credential binds with its DN (StartTLS or LDAPS, certificate verified) and searches
below the ``base`` option (by default the admin DN's parent). An entry whose ``uid`` or ``cn``
is one of the person's accounts and that holds a password (so it can bind) is a finding; so is
their membership of a group whose name says admin rights (``admin``, ``wheel``, ``sudo``,
``root``…, or the groups named in the ``admin_groups`` option). Closing removes the entry's
password or the membership, and is proven by searching again. The password itself is never
read into a finding: only whether one is there.
"""

from __future__ import annotations

import re
import ssl
from typing import Any

from ldap3 import (
    MODIFY_DELETE,
    SUBTREE,
    Connection,
    Server,
    Tls,
)
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from itexit.domain.sweep import DepartingIdentity, Finding, FindingKind, HostReport
from itexit.domain.verify import TlsMode
from itexit.sweep.base import SweepProblem, Target, finding, report
from itexit.verifiers.base import one_line

ADMIN_NAMES = re.compile(r"admin|wheel|sudo|root|operator|domain admins", re.I)
MAX_RESULTS = 1000


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
    conn.search(base, flt, SUBTREE, attributes=attrs, size_limit=MAX_RESULTS)
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
    try:
        for account in identity.accounts:
            name = escape_filter_chars(account)
            entries = _search(
                conn, base, f"(|(uid={name})(cn={name}))", ["userPassword", "pwdAccountLockedTime"]
            )
            for entry in entries:
                dn = entry["dn"]
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
    finally:
        conn.unbind()
    return result


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
        else:
            raise SweepProblem("The app cannot close that kind of finding in a directory.")
        if not ok:
            raise SweepProblem(
                f"The directory refused the change ({conn.result.get('description', '')})."
            )
        return done, ""
    finally:
        conn.unbind()
