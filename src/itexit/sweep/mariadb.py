"""MariaDB (10.4 and later): the departing person's accounts, admin rights, open sessions.

The admin credential logs in (PyMySQL, TLS verified unless the credential says ``none``) and
reads ``mysql.user``, ``mysql.global_priv``, ``mysql.roles_mapping`` and the process list.
Each ``user@host`` named like one of the person's accounts that is neither locked nor expired
is a finding; so are global admin privileges (SUPER, GRANT OPTION, CREATE USER, ALL) held
directly or through a role, and each open connection. Closing locks the account (``ACCOUNT
LOCK``), revokes the privileges or the role, or kills the connection, and is proven by
reading the tables again.
"""

from __future__ import annotations

from typing import Any

import pymysql

from itexit.domain.sweep import DepartingIdentity, Finding, FindingKind, HostReport
from itexit.sweep.base import SweepProblem, Target, finding, report
from itexit.verifiers.mariadb import ACCESS_DENIED, connect, error_code, unreachable_reason

ACCOUNTS = """
SELECT u.User, u.Host, COALESCE(JSON_VALUE(g.Priv, '$.account_locked'), 'false'),
       u.password_expired, u.Super_priv, u.Grant_priv, u.Create_user_priv
FROM mysql.user u LEFT JOIN mysql.global_priv g ON g.User = u.User AND g.Host = u.Host
WHERE u.is_role = 'N' AND LOWER(u.User) IN %s
"""

ROLES = """
SELECT m.User, m.Host, m.Role FROM mysql.roles_mapping m
JOIN mysql.user r ON r.User = m.Role AND r.is_role = 'Y'
WHERE LOWER(m.User) IN %s
  AND (r.Super_priv = 'Y' OR r.Grant_priv = 'Y' OR r.Create_user_priv = 'Y')
"""

SESSIONS = """
SELECT ID, USER, HOST, COALESCE(DB, '') FROM information_schema.PROCESSLIST
WHERE LOWER(USER) IN %s AND ID <> CONNECTION_ID()
"""


def _connect(target: Target, timeout: float) -> Any:
    try:
        return connect(
            target.endpoint.model_copy(update={"port": target.port}),
            target.username,
            target.secret,
            timeout,
        )
    except pymysql.MySQLError as exc:
        if error_code(exc) == ACCESS_DENIED:
            raise SweepProblem(
                f"{target.host} refused the admin password of {target.system!r}; verify it."
            ) from None
        raise SweepProblem(
            f"{target.host} cannot be reached ({unreachable_reason(exc)})."
        ) from None


def _yes(value: Any) -> bool:
    return str(value).upper() in ("Y", "TRUE", "1")


def sweep(target: Target, identity: DepartingIdentity, timeout: float) -> HostReport:
    result = report(target)
    names = tuple(a.lower() for a in identity.accounts)
    if not names:
        return result
    conn = _connect(target, timeout)
    try:
        with conn.cursor() as cur:
            cur.execute(ACCOUNTS, (names,))
            for user, host, locked, expired, superp, grant, create in cur.fetchall():
                who = f"{user}@{host}"
                if not (_yes(locked) or _yes(expired)):
                    result.findings.append(
                        finding(
                            target,
                            kind=FindingKind.ACCOUNT,
                            subject=f"database account {who}",
                            why=f"The account {who} is neither locked nor expired: it can "
                            "still log in.",
                            closes=f"Lock {who} (ALTER USER … ACCOUNT LOCK).",
                            evidence={"account": str(user), "entry": str(host)},
                        )
                    )
                if _yes(superp) or _yes(grant) or _yes(create):
                    result.findings.append(
                        _admin(target, str(user), str(host), "global admin privileges")
                    )
            cur.execute(ROLES, (names,))
            for user, host, role in cur.fetchall():
                result.findings.append(_admin(target, str(user), str(host), str(role)))
            cur.execute(SESSIONS, (names,))
            for pid, user, client, database in cur.fetchall():
                result.findings.append(
                    finding(
                        target,
                        kind=FindingKind.SESSION,
                        subject=f"database session of {user} from {client}",
                        why=f"{user} is connected to {database or 'the server'} right now; a new "
                        "password does not end it.",
                        closes=f"End the session (KILL CONNECTION {pid}).",
                        evidence={"account": str(user), "pid": str(pid)},
                    )
                )
    finally:
        conn.close()
    return result


def _admin(target: Target, user: str, host: str, role: str) -> Finding:
    who = f"{user}@{host}"
    direct = role == "global admin privileges"
    return finding(
        target,
        kind=FindingKind.ADMIN_ROLE,
        subject=f"{who}: {role}",
        why=f"{who} has {role}" + ("." if direct else ", a role with admin privileges."),
        closes=(
            f"Revoke every privilege of {who} (REVOKE ALL PRIVILEGES, GRANT OPTION)."
            if direct
            else f"Revoke the role {role} from {who}."
        ),
        evidence={"account": user, "entry": host, "role": role},
    )


def close(target: Target, item: Finding, timeout: float) -> tuple[str, str]:
    ev = item.evidence
    conn = _connect(target, timeout)
    try:
        with conn.cursor() as cur:
            if item.kind is FindingKind.ACCOUNT:
                cur.execute("ALTER USER %s@%s ACCOUNT LOCK", (ev["account"], ev["entry"]))
                return f"locked {ev['account']}@{ev['entry']}", ""
            if item.kind is FindingKind.ADMIN_ROLE and ev["role"] == "global admin privileges":
                cur.execute(
                    "REVOKE ALL PRIVILEGES, GRANT OPTION FROM %s@%s", (ev["account"], ev["entry"])
                )
                return f"revoked every privilege of {ev['account']}@{ev['entry']}", ""
            if item.kind is FindingKind.ADMIN_ROLE:
                role = ev["role"].replace("`", "``")
                cur.execute(f"REVOKE `{role}` FROM %s@%s", (ev["account"], ev["entry"]))
                return f"revoked {ev['role']} from {ev['account']}@{ev['entry']}", ""
            if item.kind is FindingKind.SESSION:
                if not ev["pid"].isdigit():
                    raise SweepProblem("The session's number is damaged; nothing was ended.")
                cur.execute(f"KILL CONNECTION {int(ev['pid'])}")
                return f"ended the session of {ev['account']} (connection {ev['pid']})", ""
    except pymysql.MySQLError as exc:
        raise SweepProblem(f"The server refused the change ({exc.args[-1]}).") from None
    finally:
        conn.close()
    raise SweepProblem("The app cannot close that kind of finding on a database.")
