"""PostgreSQL: the departing person's own roles, their admin rights, and open sessions.

The admin credential logs in (TLS verified as for verification) and reads ``pg_roles``,
``pg_auth_members`` and ``pg_stat_activity``. A role named like one of the person's accounts
that can log in and has not expired is a finding; so is the superuser attribute, or a
membership of a role that gives admin rights (a superuser role, one that creates roles, or
PostgreSQL's predefined roles that read or write every table or the server's files); so is
each of their open sessions. Closing runs ``ALTER ROLE … NOLOGIN``, ``NOSUPERUSER``,
``REVOKE`` or ``pg_terminate_backend`` and is proven by reading the catalogue again.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from itexit.domain.sweep import DepartingIdentity, Finding, FindingKind, HostReport
from itexit.domain.verify import TlsMode
from itexit.sweep.base import SweepProblem, Target, finding, report
from itexit.verifiers.base import one_line
from itexit.verifiers.postgresql import _root_cert

ADMIN_ROLES = (
    "pg_read_all_data",
    "pg_write_all_data",
    "pg_execute_server_program",
    "pg_read_server_files",
    "pg_write_server_files",
    "pg_signal_backend",
)

ROLES = """
SELECT r.rolname, r.rolcanlogin, r.rolsuper,
       r.rolvaliduntil IS NULL OR r.rolvaliduntil > now() AS valid
FROM pg_roles r WHERE lower(r.rolname) = ANY(%s)
"""

MEMBERSHIPS = """
SELECT m.rolname, g.rolname, g.rolsuper, g.rolcreaterole
FROM pg_auth_members a
JOIN pg_roles m ON m.oid = a.member
JOIN pg_roles g ON g.oid = a.roleid
WHERE lower(m.rolname) = ANY(%s)
"""

SESSIONS = """
SELECT pid, usename, coalesce(client_addr::text, 'local'), coalesce(datname, ''),
       coalesce(to_char(backend_start, 'YYYY-MM-DD HH24:MI'), '')
FROM pg_stat_activity WHERE lower(usename) = ANY(%s) AND pid <> pg_backend_pid()
"""


def connect(target: Target, timeout: float) -> psycopg.Connection[Any]:
    params: dict[str, Any] = {
        "host": target.endpoint.host,
        "port": target.port,
        "user": target.username,
        "password": target.secret,
        "dbname": target.endpoint.path.strip() or "postgres",
        "connect_timeout": max(2, round(timeout)),
        "application_name": "itexit-sweep",
        "gssencmode": "disable",
        "autocommit": True,
    }
    if target.endpoint.tls is TlsMode.NONE:
        params["sslmode"] = "disable"
    else:
        params["sslmode"] = "verify-full"
        params["sslrootcert"] = _root_cert(target.endpoint)
    try:
        return psycopg.connect(**params)
    except psycopg.Error as exc:
        text = str(exc).lower()
        if "password authentication failed" in text:
            raise SweepProblem(
                f"{target.host} refused the admin password of {target.system!r}; verify it."
            ) from None
        if "certificate" in text or "ssl" in text:
            raise SweepProblem(
                f"The TLS certificate of {target.host} is not trusted; nothing was sent."
            ) from None
        if "timeout" in text:
            raise SweepProblem(f"{target.host} did not answer within {timeout:g} s.") from None
        raise SweepProblem(
            f"{target.host} could not be reached ({one_line(str(exc), 160)})."
        ) from None


def sweep(target: Target, identity: DepartingIdentity, timeout: float) -> HostReport:
    result = report(target)
    names = [a.lower() for a in identity.accounts]
    if not names:
        return result
    with connect(target, timeout) as conn:
        conn.execute(sql.SQL("SET statement_timeout = {}").format(sql.Literal(int(timeout * 1000))))
        for name, can_login, is_super, valid in conn.execute(ROLES, (names,)):
            if can_login and valid:
                result.findings.append(
                    finding(
                        target,
                        kind=FindingKind.ACCOUNT,
                        subject=f"database role {name}",
                        why=f"The role {name} can still log in to the database.",
                        closes=f"Stop {name} logging in (ALTER ROLE … NOLOGIN).",
                        evidence={"account": name},
                    )
                )
            if is_super:
                result.findings.append(
                    _admin(target, name, "SUPERUSER", "is a superuser of the database server")
                )
        for member, group, group_super, group_creates in conn.execute(MEMBERSHIPS, (names,)):
            if group_super or group_creates or group in ADMIN_ROLES:
                result.findings.append(
                    _admin(
                        target, member, group, f"is a member of {group}, which gives admin rights"
                    )
                )
        for pid, user, client, database, started in conn.execute(SESSIONS, (names,)):
            result.findings.append(
                finding(
                    target,
                    kind=FindingKind.SESSION,
                    subject=f"database session of {user} from {client}",
                    why=f"{user} is connected to {database or 'the server'} since {started}; "
                    "a new password does not end it.",
                    closes=f"End the session (pg_terminate_backend({pid})).",
                    evidence={"account": user, "pid": str(pid)},
                )
            )
    return result


def _admin(target: Target, member: str, role: str, why: str) -> Finding:
    closes = (
        f"Take the superuser attribute from {member} (ALTER ROLE … NOSUPERUSER)."
        if role == "SUPERUSER"
        else f"Take {member} out of {role} (REVOKE)."
    )
    return finding(
        target,
        kind=FindingKind.ADMIN_ROLE,
        subject=f"{member}: {role.lower() if role == 'SUPERUSER' else role}",
        why=f"{member} {why}.",
        closes=closes,
        evidence={"account": member, "role": role},
    )


def close(target: Target, item: Finding, timeout: float) -> tuple[str, str]:
    ev = item.evidence
    account = sql.Identifier(ev["account"])
    with connect(target, timeout) as conn:
        if item.kind is FindingKind.ACCOUNT:
            conn.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(account))
            return f"stopped the role {ev['account']} logging in", ""
        if item.kind is FindingKind.ADMIN_ROLE and ev["role"] == "SUPERUSER":
            conn.execute(sql.SQL("ALTER ROLE {} NOSUPERUSER").format(account))
            return f"took the superuser attribute from {ev['account']}", ""
        if item.kind is FindingKind.ADMIN_ROLE:
            conn.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(ev["role"]), account))
            return f"took {ev['account']} out of {ev['role']}", ""
        if item.kind is FindingKind.SESSION:
            row = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid = %s AND usename = %s",
                (int(ev["pid"]), ev["account"]),
            ).fetchone()
            if row is None:
                raise SweepProblem("The session had already ended.")
            return f"ended the session of {ev['account']} (process {ev['pid']})", ""
    raise SweepProblem("The app cannot close that kind of finding on a database.")
